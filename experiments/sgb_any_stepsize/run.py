"""One run of the SGB study: a batched GradientBandit on ``copies`` copies of the vector env."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

import rlsuite.envs  # noqa: F401 - registers the bandit envs
from rlsuite.agents.bandits.gradient_bandit import GradientBandit
from rlsuite.envs.noise import Gaussian
from rlsuite.experiments.base import COPY_PREFIX, N_COPIES, RunResult
from rlsuite.experiments.sgb_any_stepsize.sweep import CHECKPOINTS, CONVERGED_BELOW

__all__ = ["QUANTILES", "curve_steps", "fit_loglog_slopes", "run"]

ENV_ID = "rlsuite/MultiArmedBandit-v1"
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)


def curve_steps(horizon: int, n_points: int = 150) -> np.ndarray:
    """Log-spaced rounds ``1..horizon`` (plus the checkpoints) where the curves are kept."""
    steps = np.geomspace(1, horizon, n_points).round().astype(np.int64)
    extra = [c for c in CHECKPOINTS if c <= horizon]
    return np.unique(np.concatenate([steps, extra, [horizon]]))


def fit_loglog_slopes(steps: np.ndarray, log_subopt: np.ndarray, horizon: int) -> np.ndarray:
    """Least-squares slope of ``log subopt`` on ``log t`` over ``t in [T/100, T]``, per copy.

    ``log_subopt`` is ``(len(steps), copies)``. ``-1`` is the ``O(1/t)``
    rate; about 0 means the copy sat on a suboptimal arm over the window.
    Copies with a non-finite value in the window get ``nan``.
    """
    window = steps >= max(horizon // 100, 1)
    if window.sum() < 2:
        return np.full(log_subopt.shape[1], np.nan)
    x = np.log(steps[window])
    y = log_subopt[window]
    x_centred = x - x.mean()
    slopes = (x_centred[:, None] * (y - y.mean(axis=0))).sum(axis=0) / (x_centred**2).sum()
    return np.where(np.isfinite(y).all(axis=0), slopes, np.nan)


def _eta_results(
    steps: np.ndarray, log_subopt: np.ndarray, log_pi_opt: np.ndarray, horizon: int, prefix: str
) -> tuple[dict[str, float], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Metrics, curves and per-copy values of the copies of one ``eta`` (array columns).

    The per-copy values (``copy:<prefix>conv_t<c>`` and
    ``copy:<prefix>converged_final``, 0 or 1 per copy) are indexed by copy.
    """
    converged = log_subopt < np.log(CONVERGED_BELOW)
    metrics: dict[str, float] = {}
    per_copy: dict[str, np.ndarray] = {}
    for checkpoint in CHECKPOINTS:
        if checkpoint <= horizon:
            at = converged[steps == checkpoint][0]
            metrics[f"{prefix}conv_t{checkpoint}"] = float(at.mean())
            per_copy[f"{COPY_PREFIX}{prefix}conv_t{checkpoint}"] = at.astype(np.float64)
    final = converged[-1]
    per_copy[f"{COPY_PREFIX}{prefix}converged_final"] = final.astype(np.float64)
    slopes = fit_loglog_slopes(steps, log_subopt, horizon)[final]
    slopes = slopes[np.isfinite(slopes)]
    metrics[f"{prefix}converged_final"] = float(final.mean())
    metrics[f"{prefix}copies"] = float(log_subopt.shape[1])
    for name, q in (("slope_q25", 0.25), ("slope_median", 0.5), ("slope_q75", 0.75)):
        metrics[f"{prefix}{name}"] = float(np.quantile(slopes, q)) if slopes.size else np.nan
    curves: dict[str, np.ndarray] = {f"{prefix}frac_converged": converged.mean(axis=1)}
    finite = np.where(np.isfinite(log_subopt), log_subopt, -745.0)  # exp underflow floor
    for q in QUANTILES:
        curves[f"{prefix}log_subopt_q{q:g}"] = np.quantile(finite, q, axis=1)
        if (~final).any():
            stuck = log_pi_opt[:, ~final]
            curves[f"{prefix}stuck_log_pi_opt_q{q:g}"] = np.quantile(stuck, q, axis=1)
    return metrics, curves, per_copy


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Train ``copies`` GradientBandits per ``eta`` for ``horizon`` rounds, all in one batch.

    The vector env is reset with ``seed`` (reward noise) and the agent's
    action sampling is seeded with ``seed``: a run is a deterministic function
    of its arguments. Per ``eta`` (prefix ``eta<eta>/``), metrics: the
    fraction of copies converged at each checkpoint (``conv_t<c>``) and at
    ``T``, and the quartiles of the log-log slope over the copies converged
    at ``T``. Curves: ``frac_converged``, quantiles ``log_subopt_q<q>`` over
    all copies, and quantiles ``stuck_log_pi_opt_q<q>`` of ``log pi(a*)``
    over the copies not converged at ``T`` (the quantity that governs
    their escape). Independent copies: ``n_copies = copies`` and, per
    ``eta``, ``copy:`` curves of ``conv_t<c>`` and ``converged_final``; copy
    ``i`` of the run is copy ``i`` of every ``eta`` (separate sub-envs and
    sampling streams), so the report scores each copy as one replicate.
    """
    if agent != "GradientBandit":
        raise ValueError(f"agent={agent!r} is not part of sgb_any_stepsize: use 'GradientBandit'")
    means = np.asarray(params["means"], dtype=np.float64)
    etas = [float(eta) for eta in params["etas"]]
    horizon, copies = int(params["horizon"]), int(params["copies"])
    env = gym.make_vec(
        ENV_ID,
        num_envs=copies * len(etas),
        vectorization_mode="vector_entry_point",
        n_arms=means.size,
        means=means,
        noise=Gaussian(float(params["noise_std"])),
    )
    learner = GradientBandit(
        means.size,
        eta=np.repeat(etas, copies),
        baseline=bool(params["baseline"]),
        seed=seed,
        n_runs=copies * len(etas),
    )
    steps = curve_steps(horizon)
    log_subopt = np.empty((len(steps), learner.n_runs))
    log_pi_opt = np.empty((len(steps), learner.n_runs))
    best = int(means.argmax())
    obs, _ = env.reset(seed=seed)
    next_mark = 0
    for t in range(1, horizon + 1):
        actions = learner.select_actions(obs)
        obs, rewards, _, _, _ = env.step(actions)
        learner.update_batch(obs, actions, rewards)
        if t == steps[next_mark]:
            log_subopt[next_mark] = learner.log_suboptimality(means)
            log_pi_opt[next_mark] = learner.log_policy()[:, best]
            next_mark += 1
    env.close()
    metrics: dict[str, float] = {N_COPIES: float(copies)}
    curves: dict[str, np.ndarray] = {}
    per_copy: dict[str, np.ndarray] = {}
    for i, eta in enumerate(etas):
        columns = slice(i * copies, (i + 1) * copies)
        m, c, p = _eta_results(
            steps, log_subopt[:, columns], log_pi_opt[:, columns], horizon, f"eta{eta:g}/"
        )
        metrics.update(m)
        curves.update(c)
        per_copy.update(p)
    at = {name: steps for name in curves}
    at.update({name: np.arange(copies) for name in per_copy})
    return RunResult(metrics=metrics, curves={**curves, **per_copy}, curve_steps=at)
