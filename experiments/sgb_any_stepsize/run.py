"""One run of the SGB study: a GradientBandit on the 4-armed Gaussian bandit."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.bandits.gradient_bandit import GradientBandit
from rlsuite.experiments.base import RunResult
from rlsuite.experiments.sgb_any_stepsize.sweep import CHECKPOINTS, CONVERGED_BELOW

__all__ = ["curve_steps", "fit_loglog_slope", "run"]


def curve_steps(horizon: int, n_points: int = 150) -> np.ndarray:
    """Log-spaced rounds ``1..horizon`` (plus the checkpoints) where the curve is kept."""
    steps = np.geomspace(1, horizon, n_points).round().astype(np.int64)
    extra = [c for c in CHECKPOINTS if c <= horizon]
    return np.unique(np.concatenate([steps, extra, [horizon]]))


def fit_loglog_slope(steps: np.ndarray, log_subopt: np.ndarray, horizon: int) -> float:
    """Least-squares slope of ``log subopt`` on ``log t`` over ``t in [T/100, T]``.

    ``-1`` is the paper's ``O(1/t)`` rate; about 0 means the run sat on a
    suboptimal arm over that window.
    """
    window = (steps >= max(horizon // 100, 1)) & np.isfinite(log_subopt)
    if window.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(steps[window]), log_subopt[window], 1)[0])


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Train ``GradientBandit(eta)`` for ``horizon`` rounds and track its suboptimality.

    The reward noise comes from ``default_rng([seed, 1])`` and the agent's
    action sampling from ``seed``, so a run is a deterministic function of
    its arguments. Direct numpy (no env object) because this loop is the
    whole cost of a ``T = 10^5`` run.
    """
    if agent != "GradientBandit":
        raise ValueError(f"agent={agent!r} is not part of sgb_any_stepsize: use 'GradientBandit'")
    means = np.asarray(params["means"], dtype=np.float64)
    horizon = int(params["horizon"])
    learner = GradientBandit(
        len(means), eta=float(params["eta"]), baseline=bool(params["baseline"]), seed=seed
    )
    noise = np.random.default_rng([seed, 1]).normal(0.0, float(params["noise_std"]), horizon)
    steps = curve_steps(horizon)
    log_subopt = np.empty(len(steps))
    obs = np.zeros((1, 1), dtype=np.float32)
    next_mark = 0
    for t in range(1, horizon + 1):
        action = learner.select_actions(obs)
        reward = means[action] + noise[t - 1]
        learner.update_batch(obs, action, reward)
        if t == steps[next_mark]:
            log_subopt[next_mark] = learner.log_suboptimality(means)[0]
            next_mark += 1
    metrics: dict[str, float] = {}
    for checkpoint in CHECKPOINTS:
        if checkpoint <= horizon:
            value = float(log_subopt[steps == checkpoint][0])
            metrics[f"log_subopt_t{checkpoint}"] = value
            metrics[f"converged_t{checkpoint}"] = float(value < np.log(CONVERGED_BELOW))
    metrics["log_subopt_final"] = float(log_subopt[-1])
    metrics["converged_final"] = float(log_subopt[-1] < np.log(CONVERGED_BELOW))
    metrics["slope"] = fit_loglog_slope(steps, log_subopt, horizon)
    metrics["p_optimal_final"] = float(learner.policy()[0, means.argmax()])
    return RunResult(
        metrics=metrics,
        curves={"log_subopt": log_subopt},
        curve_steps={"log_subopt": steps},
    )
