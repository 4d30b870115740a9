"""Pessimistic reward-model distillation over a reward-model family (Fisch et al., Section 5)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

from rlsuite.agents.preference.distilled_po import DistilledPO
from rlsuite.offline_data.preferences import PreferenceDataset

__all__ = ["PessimisticDistilledPO", "pessimistic_reward"]


def pessimistic_reward(
    rewards: np.ndarray, reference_probs: np.ndarray, beta: float, context_weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The reward in the convex hull of ``rewards`` that the pessimistic objective selects.

    Fisch et al. (TMLR 2025, Section 5) define the pessimistic policy as

    ``max_pi min_{r in S} E_x [E_pi r - E_pi_ref r] - beta KL(pi || pi_ref)``.

    The objective is concave in ``pi`` and linear in ``r``, so by Sion's
    minimax theorem (with ``S`` replaced by its convex hull, which leaves the
    inner minimum unchanged) the max-min equals
    ``min_{r in conv S} max_pi (...)``. For fixed ``r`` the inner maximiser is
    ``pi_r ~ pi_ref exp(r / beta)`` with value
    ``beta log E_ref exp(r / beta) - E_ref r = beta KL(pi_ref || pi_r)``: the
    pessimistic reward is the member of the family whose optimal policy is
    closest to ``pi_ref`` in *forward* KL, the forward-KL term of the paper.

    Parameters
    ----------
    rewards : numpy.ndarray
        ``(n_models, n_contexts, n_responses)`` reward tables (the family ``S``).
    reference_probs : numpy.ndarray
        ``(n_contexts, n_responses)``.
    beta : float
        KL coefficient, ``> 0``.
    context_weights : numpy.ndarray
        ``mu(x)``, ``(n_contexts,)``, non-negative, summing to 1.

    Returns
    -------
    reward : numpy.ndarray
        ``(n_contexts, n_responses)``, the hull point ``sum_k w_k r_k``.
    weights : numpy.ndarray
        The mixture weights ``w`` (``(n_models,)``, on the simplex).
    """
    n_models = rewards.shape[0]
    log_ref = np.log(reference_probs)

    def value(w: np.ndarray) -> float:
        r = np.tensordot(w, rewards, axes=1)
        per_context = beta * logsumexp(log_ref + r / beta, axis=1) - (reference_probs * r).sum(1)
        return float(context_weights @ per_context)

    # Convex in w on the simplex: a softmax parameterisation keeps it there,
    # and several starts guard against its flat directions.
    best_w, best_value = np.full(n_models, 1.0 / n_models), np.inf
    starts = [np.zeros(n_models)] + [5.0 * np.eye(n_models)[k] for k in range(n_models)]
    for start in starts:
        result = minimize(lambda z: value(softmax(z)), start, method="L-BFGS-B")
        w = softmax(result.x)
        if value(w) < best_value:
            best_w, best_value = w, value(w)
    for k in range(n_models):  # a vertex may be optimal; softmax only approaches it
        vertex = np.eye(n_models)[k]
        if value(vertex) < best_value:
            best_w, best_value = vertex, value(vertex)
    return np.tensordot(best_w, rewards, axes=1), best_w


class PessimisticDistilledPO(DistilledPO):
    """Distil the reward that solves the pessimistic objective over the ensemble's convex hull.

    :func:`pessimistic_reward` solves Fisch et al.'s
    ``max_pi min_{r in S} E[E_pi r - E_ref r] - beta KL(pi || pi_ref)`` for a
    finite family ``S`` (the members of a :class:`RewardModel` ensemble) in
    closed form up to a ``K``-dimensional convex problem; this class then
    distils that reward with the squared loss of :class:`DistilledPO`, so the
    policy reaches the pessimistic optimum wherever the policy class can
    represent it (exactly, for a log-linear policy and reward models on the
    same features). ``mu(x)`` is the context frequency of the dataset.

    Deviations from the paper: the paper optimises a Lagrangian relaxation of
    the constraint ``r in S`` jointly with the policy (a forward-KL penalty
    with its own coefficient); with a finite ``S`` the exact max-min is
    cheap, so no second coefficient is introduced.

    Parameters
    ----------
    beta, reward_model, reference_probs, policy, n_steps, lr, seed
        As :class:`DistilledPO`; ``reward_model`` should be an ensemble.
    """

    def _reward_tables(self, dataset: PreferenceDataset) -> np.ndarray:
        tables = super()._reward_tables(dataset)
        shape = (dataset.n_contexts, dataset.n_responses)
        reference = (
            np.full(shape, 1.0 / shape[1]) if self.reference_probs is None else self.reference_probs
        )
        counts = np.bincount(dataset.contexts, minlength=dataset.n_contexts).astype(np.float64)
        reward, self.family_weights_ = pessimistic_reward(
            tables, reference, self.beta, counts / counts.sum()
        )
        return reward[None]
