r"""The data release of ConsensusDP (Sharma et al., arXiv 2411.13598, Algorithms 1-2).

**Prefix Query** (Algorithm 1). For a trajectory prefix
:math:`\tau_{1:h} = (s_1, a_1, \dots, s_h, a_h)` the expected number of
experts that would execute it is

.. math:: c(\tau_{1:h}) = \sum_i \prod_{t \le h} \pi_i(a_t \mid s_t).

Every term lies in :math:`[0, 1]` and belongs to one expert, so adding or
removing one expert changes :math:`c` by at most 1 (sensitivity 1), and
:math:`c` is non-increasing in :math:`h`. :func:`prefix_log_counts` computes
:math:`\log c` along whole trajectories, from the experts' own action
probabilities (objects with ``action_probs(obs)``) or from per-expert
behaviour fits (:func:`fit_behaviour_models`, each fitted on that expert's
data only, so the sensitivity stays 1).

**Data Release** (Algorithm 2): the sparse vector technique per candidate
trajectory (:func:`svt_longest_prefixes`). One threshold noise
:math:`\rho \sim \mathrm{Lap}(1/\varepsilon')` per candidate, query noise
:math:`\nu_h \sim \mathrm{Lap}(2/\varepsilon')`; the candidate's released
prefix is :math:`\tau_{1:h-1}` for the first :math:`h` with
:math:`c(\tau_{1:h}) + \nu_h < T + \rho` (AboveThreshold run downwards:
it stops at the first "below", so it is :math:`2\varepsilon'`-DP for
sensitivity-1 queries, Dwork & Roth Thm 3.23). The threshold :math:`T` is
set (:func:`~rlsuite.agents.private.accounting.svt_threshold`) so that a
prefix whose count is at most 1 -- one that, in expectation, only a single
expert would execute -- passes with probability at most :math:`\delta'`;
this is the :math:`\delta'` of the :math:`(2\varepsilon', \delta')` release.

**Composition across candidates.** The candidates' SVT runs use
independent noise, so the release of ``K`` candidates is the adaptive
composition of ``K`` :math:`(2\varepsilon', \delta')`-DP mechanisms. Its
tight bound for generic :math:`(\varepsilon, \delta)` mechanisms is the
composition of their dominating pairs, which dp_accounting computes as the
PLD of ``from_privacy_parameters`` self-composed ``K`` times
(:func:`~rlsuite.agents.private.accounting.release_pld`); ConsensusDP picks
the largest :math:`\varepsilon'` whose ``K``-fold composition fits the
release's share of the budget (``tests/agents/test_private_release.py``
checks it against a separate dp_accounting computation and against basic
composition).

**What this guarantee covers, and what it does not.** With
``candidates="dataset"`` (the paper's construction) the candidates are the
dataset's own trajectories. The argument above bounds the *lengths*
released given the candidate set; the candidates themselves come from the
experts, and removing the expert that produced a candidate removes it, so
under strict add/remove-one-expert DP the release of that candidate's
prefix is covered only if the candidate trajectories are treated as public
proposals (the paper's guarantee is stated for the count queries).
``candidates="consensus"`` is the strictly DP alternative: candidates start
from public reset states and follow the consensus action, and the query is
the stability margin (top minus second action count along the path), which
makes the path itself safe to release (propose-test-release).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from rlsuite.envs.batch_simulator import BatchSimulator

__all__ = [
    "consensus_paths",
    "consensus_release",
    "fit_behaviour_models",
    "prefix_log_counts",
    "svt_longest_prefixes",
]


def _stacked_linear(policies: Sequence[Any]) -> np.ndarray | None:
    """``(n, d, A)`` weights if every policy is a linear softmax (vectorised path)."""
    weights = [getattr(p, "weights", None) for p in policies]
    arrays = [w for w in weights if isinstance(w, np.ndarray)]
    if len(arrays) == len(weights) and len({w.shape for w in arrays}) == 1:
        return np.stack(arrays).astype(np.float64)
    return None


def expert_log_probs(policies: Sequence[Any], obs: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """``log pi_i(a_t | s_t)`` of every expert ``i`` along one trajectory, shape ``(n, H)``."""
    if all(hasattr(p, "features") and hasattr(p, "head") and hasattr(p, "base") for p in policies):
        return _network_log_probs(policies, obs, actions)
    linear = _stacked_linear(policies)
    if linear is not None:
        logits = np.einsum("hd,nda->nha", obs.astype(np.float64), linear)
        log_probs = logits - np.logaddexp.reduce(logits, axis=2, keepdims=True)
        return log_probs[:, np.arange(len(actions)), actions]
    rows = []
    for policy in policies:
        probs = np.asarray(policy.action_probs(obs), dtype=np.float64)
        rows.append(np.log(np.clip(probs[np.arange(len(actions)), actions], 1e-300, 1.0)))
    return np.stack(rows)


def _network_log_probs(policies: Sequence[Any], obs: np.ndarray, actions: np.ndarray):
    """Vectorised path for experts that share a feature network (``base``) and own a head.

    ``policy.features(obs) -> (H, F)`` is computed once per distinct ``base``;
    ``policy.head() -> (F + 1, A)`` (bias last) is the expert's own.
    """
    out = np.empty((len(policies), len(actions)))
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(policies):
        groups.setdefault(id(p.base), []).append(i)
    steps = np.arange(len(actions))
    for members in groups.values():
        features = policies[members[0]].features(obs)
        heads = np.stack([policies[i].head() for i in members])
        logits = np.matmul(features, heads[:, :-1]) + heads[:, None, -1]  # (n, H, A)
        log_probs = logits - np.logaddexp.reduce(logits, axis=2, keepdims=True)
        out[members] = log_probs[:, steps, actions]
    return out


def behaviour_log_probs(weights: torch.Tensor, obs: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """As :func:`expert_log_probs` for behaviour fits ``W[n, d + 1, A]``."""
    features = np.concatenate([obs.astype(np.float64), np.ones((len(obs), 1))], axis=1)
    logits = np.einsum("hd,nda->nha", features, weights.numpy())
    log_probs = logits - np.logaddexp.reduce(logits, axis=2, keepdims=True)
    return log_probs[:, np.arange(len(actions)), actions]


def prefix_log_counts(log_probs: np.ndarray) -> np.ndarray:
    """``log c(tau_{1:h})`` for ``h = 1..H`` from per-expert log-probabilities ``(n, H)``."""
    return np.logaddexp.reduce(np.cumsum(log_probs, axis=1), axis=0)


def svt_longest_prefixes(
    queries: Sequence[np.ndarray],
    epsilon_prime: float,
    threshold: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Sparse vector technique per candidate; return each released prefix length.

    ``queries[k][h - 1]`` is the sensitivity-1 query of candidate ``k``'s
    prefix of length ``h`` (a count or a stability margin). For each
    candidate: one threshold noise ``Lap(1/eps')``, one ``Lap(2/eps')`` per
    query, stop at the first query below the noisy threshold; ``h - 1`` is
    released (``H`` if none fails).
    """
    released = np.zeros(len(queries), dtype=np.int64)
    for k, values in enumerate(queries):
        noisy_threshold = threshold + rng.laplace(0.0, 1.0 / epsilon_prime)
        noise = rng.laplace(0.0, 2.0 / epsilon_prime, size=len(values))
        failed = np.flatnonzero(np.asarray(values) + noise < noisy_threshold)
        released[k] = failed[0] if len(failed) else len(values)
    return released


def policies_for(expert_policies: Mapping | Sequence, expert_ids: np.ndarray) -> list[Any]:
    """The policy objects of ``expert_ids``, from a mapping or a sequence indexed by id."""
    try:
        return [expert_policies[int(e)] for e in expert_ids]
    except (KeyError, IndexError) as error:
        raise ValueError(
            f"expert_policies has no policy for expert id {error}; it must cover every "
            "expert_id of the dataset"
        ) from None


def fit_behaviour_models(
    tensors: tuple[torch.Tensor, torch.Tensor, torch.Tensor], n_actions: int, iters: int = 200
) -> torch.Tensor:
    """One softmax-linear model per expert, ``W[m, obs_dim + 1, n_actions]``.

    The objective is a sum of per-expert terms, so expert ``i``'s model
    depends on expert ``i``'s data only: the count's sensitivity stays 1.
    The experts are sharp (large weights), so the fit is nearly unregularised
    (L2 ``1e-6``) with a large Adam step: with L2 ``1e-3`` and step 0.1 the
    models were so soft that their consensus rollouts fell after 54-112
    CartPole steps, against 500 for the true experts' consensus; now both
    balance for 500 steps and the stable prefixes match the true experts'.
    """
    obs, actions, mask = tensors
    features = torch.cat([obs, torch.ones_like(obs[..., :1])], dim=-1)
    weights = torch.zeros(len(obs), features.shape[-1], n_actions, requires_grad=True)
    optimizer = torch.optim.Adam([weights], lr=0.5)
    for _ in range(iters):
        logits = torch.einsum("mkd,mda->mka", features, weights)
        nll = torch.nn.functional.cross_entropy(
            logits.reshape(-1, n_actions), actions.reshape(-1), reduction="none"
        ).reshape(actions.shape)
        loss = ((nll * mask).sum(1) / mask.sum(1).clamp(min=1.0)).sum()
        loss = loss + 1e-6 * (weights**2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return weights.detach().double()


def consensus_paths(weights: torch.Tensor, env_id: str, starts: np.ndarray, horizon: int = 500):
    """Follow the consensus action from each start; return obs, actions, margins, lengths."""
    sim = BatchSimulator(env_id)
    w = weights.numpy()
    state, n = starts.copy(), len(starts)
    log_p = np.zeros((n, len(w)))  # log prod_t pi_i(a_t | s_t) per (candidate, expert)
    obs_rows, act_rows, margin_rows = [], [], []
    length = np.full(n, horizon)
    alive = np.ones(n, dtype=bool)
    for t in range(horizon):
        obs = sim.observe(state)
        features = np.concatenate([obs, np.ones((n, 1))], axis=1)
        logits = np.einsum("kd,mda->kma", features, w)
        log_probs = logits - np.logaddexp.reduce(logits, axis=2, keepdims=True)
        counts = np.einsum("km,kma->ka", np.exp(log_p), np.exp(log_probs))
        ranked = np.sort(counts, axis=1)
        actions = counts.argmax(axis=1)  # ties: lowest action index (public rule)
        obs_rows.append(obs)
        act_rows.append(actions)
        margin_rows.append(ranked[:, -1] - ranked[:, -2])
        log_p += log_probs[np.arange(n), :, actions]
        state, _, terminated = sim.step(state, actions)
        newly = alive & terminated
        length[newly] = t + 1
        alive &= ~terminated
        if not alive.any():
            break
    return np.stack(obs_rows, 1), np.stack(act_rows, 1), np.stack(margin_rows, 1), length


def consensus_release(
    margins: np.ndarray,
    lengths: np.ndarray,
    epsilon_prime: float,
    threshold: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Sparse vector technique over prefix stabilities; return released lengths.

    For each candidate ``k``: draw the threshold noise once, then for
    ``L = 1, 2, ...`` test ``min(margins[k, :L]) + Lap(2/eps') >= T + rho``
    and stop at the first failure; ``L - 1`` is released.
    """
    stabilities = [np.minimum.accumulate(margins[k, : lengths[k]]) for k in range(len(margins))]
    return svt_longest_prefixes(stabilities, epsilon_prime, threshold, rng)
