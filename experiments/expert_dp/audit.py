"""Empirical privacy audit of the consensus release (ConsensusDP, stage 1).

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

__all__ = ["AuditResult", "audit_consensus_release", "audit_release", "release_lengths"]


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


if __name__ == "__main__":
    for scale in (1.0, 0.05):
        print(f"noise_scale={scale}:", audit_consensus_release(noise_scale=scale))
