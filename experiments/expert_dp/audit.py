"""Empirical privacy audits of ConsensusDP's data release (stage 1).

Two releases are audited: the Prefix Query release on the dataset's own
trajectories (:func:`audit_prefix_release`, ConsensusDP's default) and the
consensus-path release (:func:`audit_consensus_release`). The method:

Build two neighbouring datasets, ``D`` (all experts) and ``D'`` (``D``
without one expert), compute the consensus candidate on both (same public
start state), then run the randomised release many times on each. The
released output is ``(L, actions[:L])``. A distinguishing attack picks an
output event ``S`` (``L >= l`` on ``D``'s path, or ``L <= l``) on the first
half of the runs and evaluates it on the second half; Clopper-Pearson
bounds then give a lower bound on epsilon that holds with the stated
confidence:

    eps_lb = ln((P_D(S)_low - delta') / P_D'(S)_high)   (and with D, D' swapped)

A correct ``(2 eps', delta')``-DP release never has ``eps_lb > 2 eps'``.
``noise_scale < 1`` shrinks the mechanism's noise (a broken mechanism) to
show the audit can detect a violation.

``python -m rlsuite.experiments.expert_dp.audit`` prints one audit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "AuditResult",
    "audit_consensus_release",
    "audit_prefix_release",
    "audit_release",
    "release_lengths",
]


@dataclass
class AuditResult:
    """Claimed guarantee and the empirical lower bound of one audit."""

    epsilon_claimed: float
    delta_claimed: float
    epsilon_lower_bound: float
    n_runs: int
    mean_length_d: float
    mean_length_neighbour: float


def release_lengths(
    stability: np.ndarray,
    epsilon_prime: float,
    threshold: float,
    n_runs: int,
    rng: np.random.Generator,
    noise_scale: float = 1.0,
) -> np.ndarray:
    """``n_runs`` draws of the released length for one candidate (vectorised SVT)."""
    rho = rng.laplace(0.0, noise_scale / epsilon_prime, size=(n_runs, 1))
    nu = rng.laplace(0.0, 2.0 * noise_scale / epsilon_prime, size=(n_runs, len(stability)))
    failed = stability[None, :] + nu < threshold + rho
    return np.where(failed.any(axis=1), failed.argmax(axis=1), len(stability))


def _clopper_pearson(k: int, n: int, alpha: float) -> tuple[float, float]:
    from scipy.stats import beta

    low = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return low, high


def _events(lengths_a: np.ndarray, lengths_b: np.ndarray, agree: int, horizon: int):
    """Candidate events as boolean functions of a length sample and its dataset."""
    events = []
    for cut in range(horizon + 1):
        # Outputs longer than `agree` reveal which path they follow.
        events.append(lambda lengths, on_a, c=cut: (lengths >= c) & (on_a | (lengths <= agree)))
        events.append(lambda lengths, on_a, c=cut: lengths <= c)
    return events


def _hits(samples: dict, event, name: str, part: slice) -> np.ndarray:
    lengths = samples[name][part]
    return event(lengths, np.full(len(lengths), name == "a"))


def _log_ratio(samples: dict, event, first: str, second: str, part: slice) -> float:
    p1 = _hits(samples, event, first, part).mean()
    p2 = _hits(samples, event, second, part).mean()
    return math.log((p1 + 1e-12) / (p2 + 1e-12))


def audit_release(
    stability_a: np.ndarray,
    stability_b: np.ndarray,
    agree: int,
    epsilon_prime: float,
    delta_prime: float,
    threshold: float,
    *,
    n_runs: int = 20_000,
    seed: int = 0,
    noise_scale: float = 1.0,
    confidence: float = 0.95,
) -> AuditResult:
    """Audit one release given the stability curves on ``D`` (a) and ``D'`` (b).

    ``agree`` is the number of leading actions on which the two consensus
    paths coincide: a released prefix longer than that identifies its dataset.
    """
    rng = np.random.default_rng(seed)
    horizon = max(len(stability_a), len(stability_b))
    samples = {
        name: release_lengths(stab, epsilon_prime, threshold, n_runs, rng, noise_scale)
        for name, stab in (("a", stability_a), ("b", stability_b))
    }
    half = n_runs // 2
    events = _events(samples["a"], samples["b"], agree, horizon)
    alpha = 1.0 - confidence
    best = 0.0
    for first, second in (("a", "b"), ("b", "a")):
        # Select the most distinguishing event on the first half of the runs ...
        event = max(events, key=lambda e: _log_ratio(samples, e, first, second, slice(0, half)))
        # ... and bound it on the held-out second half.
        k1 = int(_hits(samples, event, first, slice(half, None)).sum())
        k2 = int(_hits(samples, event, second, slice(half, None)).sum())
        p1_low, _ = _clopper_pearson(k1, n_runs - half, alpha)
        _, p2_high = _clopper_pearson(k2, n_runs - half, alpha)
        if p1_low - delta_prime > 0 and p2_high > 0:
            best = max(best, math.log((p1_low - delta_prime) / p2_high))
    return AuditResult(
        epsilon_claimed=2.0 * epsilon_prime,
        delta_claimed=delta_prime,
        epsilon_lower_bound=best,
        n_runs=n_runs,
        mean_length_d=float(samples["a"].mean()),
        mean_length_neighbour=float(samples["b"].mean()),
    )


def audit_consensus_release(
    env_id: str = "CartPole-v1",
    n_experts: int = 40,
    removed_expert: int = 0,
    epsilon_prime: float = 1.0,
    delta_prime: float = 1e-3,
    *,
    n_runs: int = 20_000,
    seed: int = 0,
    noise_scale: float = 1.0,
) -> AuditResult:
    """Audit ConsensusDP's release on real expert data and its neighbour without one expert."""
    import torch

    from rlsuite.agents.private._common import as_expert_data
    from rlsuite.agents.private.accounting import svt_threshold
    from rlsuite.agents.private.consensus_dp import consensus_paths, fit_behaviour_models
    from rlsuite.envs.batch_simulator import BatchSimulator
    from rlsuite.offline_data.experts import generate_expert_episodes

    torch.set_num_threads(1)
    episodes = generate_expert_episodes(env_id, n_experts, 1, seed)
    neighbour = [ep for ep in episodes if ep.expert_id != removed_expert]
    start = BatchSimulator(env_id).reset(1, np.random.default_rng([seed, 1]))
    stabilities, paths = [], []
    for dataset in (episodes, neighbour):
        data = as_expert_data(dataset)
        # 500 transitions per expert keeps every expert's data whole, so the
        # shared experts get identical behaviour models on D and D'.
        tensors = data.per_expert(500, np.random.default_rng(0))
        weights = fit_behaviour_models(tensors, data.n_actions)
        _, actions, margins, lengths = consensus_paths(weights, env_id, start)
        stabilities.append(np.minimum.accumulate(margins[0, : lengths[0]]))
        paths.append(actions[0, : lengths[0]])
    n = min(len(paths[0]), len(paths[1]))
    differ = np.flatnonzero(paths[0][:n] != paths[1][:n])
    agree = int(differ[0]) if len(differ) else n
    threshold = svt_threshold(epsilon_prime, delta_prime)
    return audit_release(
        stabilities[0], stabilities[1], agree, epsilon_prime, delta_prime, threshold,
        n_runs=n_runs, seed=seed, noise_scale=noise_scale,
    )  # fmt: skip


def audit_prefix_release(
    env_id: str = "CartPole-v1",
    n_experts: int = 30,
    epsilon_prime: float = 1.0,
    delta_prime: float = 1e-3,
    *,
    removed_expert: int | None = None,
    threshold: float | None = None,
    kind: str = "scripted",
    n_runs: int = 20_000,
    seed: int = 0,
    noise_scale: float = 1.0,
) -> AuditResult:
    """Audit the Prefix Query release (``candidates="dataset"``) on neighbouring datasets.

    ``D`` holds ``n_experts`` experts (one episode each), ``D'`` the same
    without ``removed_expert``. The candidate is one trajectory of ``D``,
    treated as a public proposal (the guarantee's premise, see
    :mod:`rlsuite.agents.private.prefix_release`), so it is the same input on
    both, even when its own expert is the one removed.
    Its counts ``c_D(tau_{1:h})`` and ``c_D'(tau_{1:h})`` come from the
    experts' own action probabilities (the code path ConsensusDP uses); the
    SVT then runs ``n_runs`` times on each and the output is the released
    length. The default ``removed_expert=None`` picks the worst case: the
    expert with the largest share of the count where ``c_D`` crosses the
    threshold (usually the candidate's own expert), i.e. the neighbour the
    release can tell apart best.

    For public candidates the released lengths are ``2 eps'``-DP at *any*
    threshold (AboveThreshold); ``delta'`` only enters through the
    calibrated threshold. ``threshold=None`` places ``T`` where one expert
    moves the count across it (halfway between ``c_D`` and ``c_D'`` at the
    last step where the removed expert's term is at least half its maximum):
    the most distinguishable case; the calibrated ``T`` of ConsensusDP
    (:func:`~rlsuite.agents.private.accounting.svt_threshold`) often lies
    where counts drop by far more than 1 in one step, and the audit would be
    vacuous there.
    """
    from rlsuite.agents.private.accounting import svt_threshold
    from rlsuite.agents.private.prefix_release import expert_log_probs, prefix_log_counts
    from rlsuite.offline_data.experts import generate_expert_episodes, make_experts

    experts = make_experts(env_id, n_experts, seed, kind)
    episodes = generate_expert_episodes(env_id, n_experts, 1, seed, experts=experts)
    # The candidate: the longest episode (a long prefix gives the release room to act).
    candidate = max(episodes, key=lambda ep: len(ep.actions))
    obs, actions = candidate.observations[:-1], candidate.actions
    log_probs = expert_log_probs(experts, obs, actions)  # (n_experts, H)
    counts_d = np.exp(prefix_log_counts(log_probs))
    products = np.exp(np.cumsum(log_probs, axis=1))  # each expert's term of the count
    calibrated = svt_threshold(epsilon_prime, delta_prime)
    if removed_expert is None:
        crossing = int(np.searchsorted(-counts_d, -(threshold or calibrated)))
        removed_expert = int(np.argmax(products[:, min(crossing, len(counts_d) - 1)]))
    removed_expert = int(removed_expert)
    if not 0 <= removed_expert < n_experts:
        raise ValueError(f"removed_expert={removed_expert} must be in [0, {n_experts})")
    keep = np.arange(n_experts) != removed_expert
    counts_neighbour = np.exp(prefix_log_counts(log_probs[keep]))
    if threshold is None:
        # Worst case for a sensitivity-1 count: T halfway between c_D and c_D' at the last
        # step where the removed expert still weighs most (its term is largest there).
        weight = products[removed_expert]
        at = int(np.flatnonzero(weight >= 0.5 * weight.max())[-1])
        threshold = 0.5 * (counts_d[at] + counts_neighbour[at])
    return audit_release(
        counts_d, counts_neighbour, len(actions), epsilon_prime, delta_prime, threshold,
        n_runs=n_runs, seed=seed, noise_scale=noise_scale,
    )  # fmt: skip


if __name__ == "__main__":
    for scale in (1.0, 0.05):
        print(f"consensus, noise_scale={scale}:", audit_consensus_release(noise_scale=scale))
        print(f"prefix, noise_scale={scale}:", audit_prefix_release(noise_scale=scale))
