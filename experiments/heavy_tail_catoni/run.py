"""One run of the Catoni study: an agent on ``copies`` copies of the native vector env."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents import make_agent
from rlsuite.envs.linear_contextual_bandit import LinearContextualBanditVectorEnv
from rlsuite.envs.noise import Gaussian, NoiseModel, Spike, StudentT, TruncatedPareto
from rlsuite.experiments.base import COPY_PREFIX, N_COPIES, RunResult
from rlsuite.experiments.heavy_tail_catoni.sweep import ABLATION_AGENTS

__all__ = ["agent_spec", "make_env", "make_noise_model", "play", "run"]

KNOWN_AGENTS = ("OFUL-trueR", "OFUL-sigma", "CatoniOFUL", "VACatoni", "HeavyOFUL")
CURVE_POINTS = 100
#: Rounds at which each copy's cumulative regret is also kept (those before the
#: horizon), so that a long run reports its ratios at shorter horizons too.
CHECKPOINTS: tuple[int, ...] = (1_000, 3_000, 10_000, 20_000, 30_000, 50_000, 100_000)


def make_noise_model(params: dict[str, Any]) -> NoiseModel:
    """The noise family of a setting, at its stated std (and range, where bounded)."""
    family, std = params["noise"], float(params["noise_std"])
    if family == "spike":
        return Spike.with_range(float(params["reward_range"]), std)
    if family == "truncated_pareto":
        return TruncatedPareto(float(params["alpha"]), float(params["reward_range"]), std)
    if family == "gaussian":
        return Gaussian(std)
    if family == "student_t":
        return StudentT(df=float(params["df"]), scale=std)
    raise ValueError(f"noise={family!r} must be spike, truncated_pareto, gaussian or student_t")


def agent_spec(agent: str, params: dict[str, Any], noise: NoiseModel) -> tuple[str, dict]:
    """Registered name and kwargs of an agent label in a setting.

    ``OFUL-trueR`` leaves ``noise_scale`` at its default, half the env's
    stated range (1 for the unbounded families, where nothing is stated);
    ``OFUL-sigma`` declares the largest noise std of the setting, which
    under-covers spiky noise. ``VACatoni-4th`` is told the noise's fourth
    moment (the paper's variance-agnostic assumption).
    """
    kwargs: dict[str, Any] = {"beta_scale": float(params["beta_scale"])}
    if agent == "OFUL-trueR":
        return "OFUL", kwargs
    if agent == "OFUL-sigma":
        return "OFUL", {**kwargs, "noise_scale": float(params["noise_std"])}
    if agent == "HeavyOFUL":
        return "HeavyOFUL", {**kwargs, "epsilon": float(params["moment_epsilon"])}
    if agent == "VACatoni-4th":
        fourth = noise.describe().get("fourth_moment")
        if fourth is None:
            raise ValueError(f"agent={agent!r} needs a bounded noise family with a 4th moment")
        return "VACatoni", {**kwargs, "fourth_moment": float(fourth)}
    if agent in ABLATION_AGENTS:
        name, extra = ABLATION_AGENTS[agent]
        return name, {**kwargs, **extra}
    if agent in KNOWN_AGENTS:
        return agent, kwargs
    known = KNOWN_AGENTS + tuple(ABLATION_AGENTS)
    raise ValueError(f"agent={agent!r} is not part of heavy_tail_catoni: {known}")


def make_env(params: dict[str, Any], noise: NoiseModel) -> LinearContextualBanditVectorEnv:
    """``params["copies"]`` copies of the setting's env with ``noise``."""
    return LinearContextualBanditVectorEnv(
        num_envs=int(params["copies"]),
        n_arms=int(params["n_arms"]),
        dim=int(params["dim"]),
        noise=noise,
        heteroscedastic=bool(params["heteroscedastic"]),
        gap=float(params["gap"]),
    )


def play(
    learner: Any, env: LinearContextualBanditVectorEnv, horizon: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``learner`` on ``env`` (reset with ``seed``) for ``horizon`` rounds.

    Returns the per-round pseudo-regret ``(horizon, copies)`` and uniform
    play's expected regret per copy on the same contexts.
    """
    obs, _ = env.reset(seed=seed)
    regret = np.empty((horizon, env.num_envs))
    random_regret = np.zeros(env.num_envs)
    for t in range(horizon):
        actions = learner.select_actions(obs)
        next_obs, rewards, _, _, info = env.step(actions)
        learner.update_batch(obs, actions, rewards, info)
        means = info["expected_rewards"]
        random_regret += means.max(axis=1) - means.mean(axis=1)
        regret[t] = info["regret"]
        obs = next_obs
    return regret, random_regret


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Play ``agent`` on ``copies`` independent copies for ``horizon`` rounds.

    The vector env is reset with ``seed`` and its draws do not depend on the
    actions, so every agent sees the same contexts and noise; copy ``i`` is
    seed ``i`` of the study. Metrics: the mean and standard error over copies
    of the cumulative pseudo-regret at ``T`` and of uniform play's expected
    regret on the same contexts, and ``n_copies``; curves: ``copy_regret``
    (final regret of each copy, indexed by copy), the mean
    ``cumulative_regret``, and ``copy:regret``, ``copy:random_regret`` and
    ``copy:normalized_regret`` (each copy's own value, so the report scores
    every copy as a replicate). At each of :data:`CHECKPOINTS` before the
    horizon, the mean regret is also a metric (``regret_t{t}``) and each
    copy's a curve (``copy_regret_t{t}``): the same runs at shorter horizons.
    """
    noise = make_noise_model(params)
    name, kwargs = agent_spec(agent, params, noise)
    horizon, copies = int(params["horizon"]), int(params["copies"])
    env = make_env(params, noise)
    learner = make_agent(name, n_arms=env.n_arms, dim=env.dim, seed=seed, n_runs=copies, **kwargs)
    regret, random_regret = play(learner, env, horizon, seed)
    cumulative = np.cumsum(regret, axis=0)
    final = cumulative[-1]
    steps = np.unique(np.linspace(1, horizon, CURVE_POINTS).round().astype(np.int64))
    per_copy = {
        f"{COPY_PREFIX}regret": final,
        f"{COPY_PREFIX}random_regret": random_regret,
        f"{COPY_PREFIX}normalized_regret": final / random_regret,
    }
    checkpoints = [t for t in CHECKPOINTS if t < horizon]
    at_checkpoint = {f"copy_regret_t{t}": cumulative[t - 1] for t in checkpoints}
    se = float(final.std(ddof=1) / np.sqrt(copies)) if copies > 1 else float("nan")
    return RunResult(
        metrics={
            "regret": float(final.mean()),
            "regret_se": se,
            "random_regret": float(random_regret.mean()),
            "normalized_regret": float(final.mean() / random_regret.mean()),
            N_COPIES: float(copies),
            **{f"regret_t{t}": float(cumulative[t - 1].mean()) for t in checkpoints},
        },
        curves={
            "cumulative_regret": cumulative[steps - 1].mean(axis=1),
            "copy_regret": final,
            **at_checkpoint,
            **per_copy,
        },
        curve_steps={
            "cumulative_regret": steps,
            **{name: np.arange(copies) for name in ("copy_regret", *at_checkpoint, *per_copy)},
        },
    )
