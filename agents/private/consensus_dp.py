r"""Consensus-based expert-level DP offline RL (Sharma et al., arXiv 2411.13598).

Two stages, as in the paper:

1. **Data release** (Algorithms 1-2, :mod:`rlsuite.agents.private.prefix_release`):
   the Prefix Query counts the experts expected to execute a trajectory
   prefix, :math:`c(\tau_{1:h}) = \sum_i \prod_{t \le h} \pi_i(a_t \mid s_t)`
   (sensitivity 1), and the sparse vector technique finds each candidate
   trajectory's longest prefix whose noisy count stays above the threshold
   :math:`T`; each candidate's release is :math:`(2\varepsilon', \delta')`-DP.
2. **Selective DP-SGD** (Algorithm 3): the released (stable) data is public
   and trains the policy without noise; all experts' data trains it with
   expert-level DP-SGD (:func:`~rlsuite.agents.private.expert_dpsgd.run_expert_dpsgd`,
   Poisson sampling rate :math:`q`, noise multiplier :math:`z`, :math:`S` steps).

Accounting (dp_accounting PLD, add/remove one expert), ``K = n_candidates``::

    PLD_release = PLD[(2 eps', delta')]^{(x) K}
    PLD_total   = PLD_release (x) PLD[PoissonSampled(q, Gaussian(z))]^{(x) S}
    epsilon     = PLD_total.get_epsilon_for_delta(delta)

``delta' = delta / (4 K)``; ``eps'`` is the largest value whose ``K``-fold
composition spends at most ``release_fraction * epsilon`` at ``delta / 2``
(tight composition, instead of the basic ``eps / (2K)``); ``z`` is the
smallest noise for which the total stays within the target. All of it is
fixed by :meth:`ConsensusDP.plan` before the data is read; the release always
runs (when :math:`T` exceeds the number of experts nothing passes, except
with probability :math:`\delta'`), and only after the noise is fixed.

``release_fraction`` defaults to 0.5: neither stage is known to matter more
before the data is seen, and an even split keeps both the threshold (which
falls as ``1/eps'``) and the DP-SGD noise moderate; the study records the
released share so the choice can be judged.

Differences from the paper: the experts' action probabilities are those of
the policies passed as ``expert_policies`` (the study passes its experts,
derived from a few SB3 PPO policies, see :mod:`rlsuite.offline_data.experts`), or of
softmax-linear behaviour fits on each expert's own data when none are
given; ``n_candidates`` trajectories are drawn at random from the dataset
rather than all of them (cost); the public gradient (weighted by the
released share of all transitions) is added to the noisy private gradient
in every step. See :mod:`~rlsuite.agents.private.prefix_release` for what the
guarantee covers with dataset candidates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from rlsuite.agents.private._common import (
    ExpertData,
    as_expert_data,
)
from rlsuite.agents.private.accounting import (
    calibrate,
    compose_epsilon,
    dpsgd_pld,
    pld_interval,
    release_pld,
    svt_threshold,
)
from rlsuite.agents.private.expert_dpsgd import (
    LEARNING_RATE,
    MAX_GRAD_NORM,
    MAX_TRANSITIONS,
    SAMPLE_RATE,
    STEPS,
    DPSGDLearner,
)
from rlsuite.agents.private.prefix_release import (
    behaviour_log_probs,
    consensus_paths,
    consensus_release,
    expert_log_probs,
    fit_behaviour_models,
    policies_for,
    prefix_log_counts,
    svt_longest_prefixes,
)
from rlsuite.envs.batch_simulator import BatchSimulator
from rlsuite.envs.validation import check_int, check_real

__all__ = ["ConsensusDP", "consensus_release", "fit_behaviour_models"]

CANDIDATES = ("dataset", "consensus")

#: Candidate trajectories tested by default: enough to release a useful share when counts are
#: high, few enough that the K-fold composition leaves each SVT run a usable epsilon'.
N_CANDIDATES = 100
#: Share of epsilon spent on the release (see the module docstring for why an even split).
RELEASE_FRACTION = 0.5
#: delta is split in halves between the release and DP-SGD; the release's half again in halves
#: between the composition (at delta / 2) and the K per-candidate delta's: delta' = delta / (4K).
DELTA_SPLIT = 4
#: The search for 1/eps' spans this factor below the basic-composition value (tight composition
#: gains far less than 1000x) ...
SCALE_SEARCH_RANGE = 1e3
#: ... and stops at 2 eps' = 500, where exp(2 eps') still fits a float in the PLD.
MAX_PAIR_EPSILON = 500.0
#: Stream tags of the candidate pick and the SVT noise (own generators, see _release).
_PICK_STREAM, _NOISE_STREAM = 1, 2


class ConsensusDP(DPSGDLearner):
    """Prefix-Query data release + selective expert-level DP-SGD (the paper's method).

    Parameters
    ----------
    epsilon, delta : float
        Total expert-level privacy target (``epsilon > 0``, ``delta`` in ``(0, 1)``).
    n_candidates : int
        Number ``K`` of candidate trajectories the release tests.
    release_fraction : float
        Share of ``epsilon`` given to the release, in ``(0, 1)`` (default 0.5,
        see the module docstring).
    candidates : {"dataset", "consensus"}
        ``"dataset"`` (the paper): ``K`` of the dataset's own trajectories,
        drawn at random, tested with the Prefix Query count. ``"consensus"``:
        consensus rollouts from public start states tested with the stability
        margin (strict DP, see :mod:`~rlsuite.agents.private.prefix_release`).
    expert_policies : mapping or sequence, optional
        ``expert_id -> policy`` with ``action_probs(obs) -> (n, n_actions)``
        (e.g. :func:`rlsuite.offline_data.experts.make_experts`): the experts'
        own probabilities define the count. ``None``: per-expert behaviour fits.
    sample_rate, steps, max_grad_norm, learning_rate, max_transitions, hidden_sizes, seed
        As in :class:`~rlsuite.agents.private.expert_dpsgd.ExpertDPSGD`.

    Attributes
    ----------
    target_epsilon, target_delta : float
        The requested guarantee.
    epsilon_spent, delta_spent : float
        Composed privacy of the last :meth:`fit` (PLD, see module docstring).
    release_epsilon : float
        Epsilon (at ``delta / 2``) of the release alone.
    noise_multiplier : float
        DP-SGD noise, fixed by :meth:`plan` before any data is read.
    threshold : float
        SVT threshold ``T``.
    released_lengths : numpy.ndarray
        Released prefix length per candidate.
    released_share : float
        Released transitions over all transitions of the dataset.
    """

    def __init__(
        self,
        epsilon: float = 5.0,
        delta: float = 1e-5,
        *,
        n_candidates: int = N_CANDIDATES,
        release_fraction: float = RELEASE_FRACTION,
        candidates: str = "dataset",
        expert_policies: Any = None,
        sample_rate: float = SAMPLE_RATE,
        steps: int = STEPS,
        max_grad_norm: float = MAX_GRAD_NORM,
        learning_rate: float = LEARNING_RATE,
        max_transitions: int = MAX_TRANSITIONS,
        hidden_sizes: Sequence[int] = (64, 64),
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(
            epsilon,
            delta,
            sample_rate=sample_rate,
            steps=steps,
            max_grad_norm=max_grad_norm,
            learning_rate=learning_rate,
            max_transitions=max_transitions,
            hidden_sizes=hidden_sizes,
            seed=seed,
        )
        self.n_candidates = check_int("n_candidates", n_candidates)
        self.release_fraction = check_real(
            "release_fraction", release_fraction, 0.0, 1.0, low_open=True, high_open=True
        )
        if candidates not in CANDIDATES:
            raise ValueError(f"candidates={candidates!r} must be one of {CANDIDATES}")
        self.candidates = candidates
        if expert_policies is not None and not hasattr(expert_policies, "__getitem__"):
            raise TypeError(
                f"expert_policies={type(expert_policies).__name__} must be a mapping or "
                "sequence from expert_id to a policy with action_probs(obs)"
            )
        self.expert_policies = expert_policies
        self.threshold = float("nan")
        self.release_epsilon = float("nan")
        self.released_lengths = np.zeros(0, dtype=np.int64)
        self.released_share = 0.0
        self._release_key: tuple | None = None

    # -------------------------------------------------------------- privacy
    def release_parameters(self) -> tuple[float, float, float]:
        """``(eps', delta', T)`` of one candidate's release (no data needed).

        ``eps'`` is the largest value (relative tolerance 1e-3) whose
        ``K``-fold PLD composition spends ``<= release_fraction * epsilon`` at
        ``delta / 2``, with ``2 eps'`` rounded down to the PLD grid so that
        the dominating pair is represented exactly.
        """
        key = (self.target_epsilon, self.target_delta, self.n_candidates, self.release_fraction)
        if self._release_key != key:
            delta_prime = self.target_delta / (DELTA_SPLIT * self.n_candidates)
            budget = self.release_fraction * self.target_epsilon
            interval = pld_interval(self.target_epsilon)

            def quantised(scale: float) -> float:  # 2 eps' for scale = 1 / eps'
                # On the PLD grid 2 eps' is exact: no rounding up, so no pessimism.
                return math.floor(2.0 / scale / interval) * interval

            def release_epsilon(scale: float, grid: float) -> float:
                if quantised(scale) <= 0.0:
                    return 0.0
                pld = release_pld(quantised(scale), delta_prime, self.n_candidates, interval)
                return float(pld.get_epsilon_for_delta(self.target_delta / 2))

            # Basic composition (eps' = budget / 2K) always fits: search below its scale.
            basic = 2.0 * self.n_candidates / budget
            low = max(basic / SCALE_SEARCH_RANGE, 2.0 / MAX_PAIR_EPSILON)
            scale = calibrate(release_epsilon, budget, interval, low=low, high=basic,
                              name="1/epsilon'")  # fmt: skip
            epsilon_prime = quantised(scale) / 2.0
            if epsilon_prime <= 0.0:
                raise ValueError(
                    f"release_fraction * epsilon = {budget:g} over n_candidates="
                    f"{self.n_candidates} leaves epsilon' below the accounting grid "
                    f"({interval:g}); use fewer candidates or a larger share"
                )
            self._release_cache = (
                epsilon_prime,
                delta_prime,
                svt_threshold(epsilon_prime, delta_prime),
            )
            self._release_key = key
        return self._release_cache

    def compose(self, noise_multiplier: float, steps: int, interval: float | None = None) -> float:
        """Total epsilon of the release composed with ``steps`` DP-SGD steps (PLD).

        At the default ``interval`` (``pld_interval(target_epsilon)``) this is
        the function that calibrates and reports.
        """
        interval = pld_interval(self.target_epsilon) if interval is None else interval
        epsilon_prime, delta_prime, _ = self.release_parameters()
        plds = [release_pld(2.0 * epsilon_prime, delta_prime, self.n_candidates, interval)]
        if steps:
            plds.append(dpsgd_pld(noise_multiplier, self.sample_rate, steps, interval))
        return compose_epsilon(plds, self.target_delta)

    def plan(self) -> tuple[float, float]:
        """Fix the release parameters and the DP-SGD noise (no data needed)."""
        key = (self.target_epsilon, self.target_delta, self.sample_rate, self.steps,
               self.n_candidates, self.release_fraction)  # fmt: skip
        if self._plan_key != key:
            self.noise_multiplier = float("nan")
            epsilon_prime, delta_prime, self.threshold = self.release_parameters()
            self.release_epsilon = compose_epsilon(
                [release_pld(2 * epsilon_prime, delta_prime, self.n_candidates,
                             pld_interval(self.target_epsilon))],
                self.target_delta / 2,
            )  # fmt: skip
            self.noise_multiplier = calibrate(
                lambda z, interval: self.compose(z, self.steps, interval),
                self.target_epsilon,
                pld_interval(self.target_epsilon),
            )
            self._planned = (self.compose(self.noise_multiplier, self.steps), self.target_delta)
            self._plan_key = key
        return self._planned

    # ------------------------------------------------------------------ fit
    def _train(self, dataset: Any, callbacks: Any) -> torch.nn.Module:
        """Release stable prefixes, then run selective DP-SGD."""
        data = as_expert_data(dataset)
        if data.env_id is None and self.candidates == "consensus":
            raise ValueError(
                "dataset must name its env (CartPole-v1 or Acrobot-v1) for the release"
            )

        def release(tensors: tuple[torch.Tensor, ...]) -> tuple[np.ndarray, np.ndarray]:
            stable = self._release(data, tensors)
            self.released_share = len(stable[1]) / len(data.actions)
            return stable

        return self._train_dpsgd(
            data, callbacks, lambda k: self.compose(self.noise_multiplier, k), release
        )

    def _spent(self) -> tuple[float, float]:
        return self.compose(self.noise_multiplier, self.steps_taken), self.target_delta

    def _release(self, data: ExpertData, tensors) -> tuple[np.ndarray, np.ndarray]:
        epsilon_prime, _, threshold = self.release_parameters()
        seed = self._base_seed()
        # Own generators: the candidates and the SVT noise must not depend on how much
        # randomness the data-dependent steps before them consumed.
        pick_rng = np.random.default_rng([seed, _PICK_STREAM])
        noise_rng = np.random.default_rng([seed, _NOISE_STREAM])
        if self.candidates == "consensus":
            env_id = data.env_id
            if env_id is None:  # checked in _train; this narrows the type
                raise ValueError("dataset must name its env (CartPole-v1 or Acrobot-v1)")
            weights = fit_behaviour_models(tensors, data.n_actions)
            starts = BatchSimulator(env_id).reset(self.n_candidates, pick_rng)
            obs, actions, margins, lengths = consensus_paths(weights, env_id, starts)
            self.released_lengths = consensus_release(
                margins, lengths, epsilon_prime, threshold, noise_rng
            )
            keep = np.arange(obs.shape[1])[None, :] < self.released_lengths[:, None]
            self.prefix_counts = []
            return obs[keep], actions[keep]
        bounds = data.episode_bounds
        if bounds is None:
            raise ValueError("dataset has no episode_bounds: the release needs whole episodes")
        n_episodes = len(bounds) - 1
        picked = pick_rng.choice(n_episodes, size=min(self.n_candidates, n_episodes), replace=False)
        if self.expert_policies is None:
            weights = fit_behaviour_models(tensors, data.n_actions)
            log_probs_of = lambda o, a: behaviour_log_probs(weights, o, a)  # noqa: E731
        else:
            policies = policies_for(self.expert_policies, data.expert_ids)
            log_probs_of = lambda o, a: expert_log_probs(policies, o, a)  # noqa: E731
        counts, rows = [], []
        for k in picked:
            episode = np.arange(bounds[k], bounds[k + 1])
            obs, actions = data.observations[episode], data.actions[episode]
            counts.append(np.exp(prefix_log_counts(log_probs_of(obs, actions))))
            rows.append(episode)
        #: c(tau_{1:h}) along each candidate (diagnostics: how fast consensus decays)
        self.prefix_counts = counts
        self.released_lengths = svt_longest_prefixes(counts, epsilon_prime, threshold, noise_rng)
        keep = np.concatenate([r[:n] for r, n in zip(rows, self.released_lengths)] + [[]])
        keep = keep.astype(np.int64)
        return data.observations[keep], data.actions[keep]
