"""One run of the heavy-tailed Catoni study."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents import make_agent
from rlsuite.envs.linear_contextual_bandit import LinearContextualBanditVectorEnv
from rlsuite.envs.noise import Gaussian, NoiseModel, StudentT
from rlsuite.experiments.base import RunResult
from rlsuite.experiments.heavy_tail_catoni.sweep import ABLATION_AGENTS

__all__ = ["make_noise_model", "run"]

KNOWN_AGENTS = ("OFUL", "LinUCB", "CatoniOFUL", "VACatoni", "HeavyOFUL")
CURVE_POINTS = 100


def make_noise_model(params: dict[str, Any]) -> NoiseModel:
    """The unit-scale noise family named by ``params["noise"]`` (and ``df``)."""
    if params["noise"] == "gaussian":
        return Gaussian(1.0)
    if params["noise"] == "student_t":
        return StudentT(df=float(params["df"]))
    raise ValueError(f"noise={params['noise']!r} must be 'gaussian' or 'student_t'")


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Play ``agent`` for ``horizon`` rounds on the linear bandit and record its regret.

    The env is seeded with ``seed``, so every agent sees the same contexts
    and noise draws for a seed (draws do not depend on the actions); the
    agent's own generator is seeded with ``seed`` too. ``random_regret`` is
    the expected regret of uniform play on the same contexts, the
    normaliser of the analysis's score.
    """
    known = KNOWN_AGENTS + tuple(ABLATION_AGENTS)
    if agent not in known:
        raise ValueError(f"agent={agent!r} is not part of heavy_tail_catoni: {known}")
    name, extra = ABLATION_AGENTS.get(agent, (agent, {}))
    horizon = int(params["horizon"])
    n_arms, dim = int(params["n_arms"]), int(params["dim"])
    env = LinearContextualBanditVectorEnv(
        num_envs=1,
        n_arms=n_arms,
        dim=dim,
        noise=make_noise_model(params),
        heteroscedastic=bool(params.get("heteroscedastic", False)),
    )
    kwargs: dict[str, Any] = {"beta_scale": float(params["beta_scale"]), "seed": seed, **extra}
    if name == "HeavyOFUL":
        kwargs["epsilon"] = float(params["moment_epsilon"])
    learner = make_agent(name, n_arms=n_arms, dim=dim, **kwargs)
    obs, _ = env.reset(seed=seed)
    regret = np.empty(horizon)
    random_regret = 0.0
    for t in range(horizon):
        actions = learner.select_actions(obs)
        next_obs, rewards, _, _, info = env.step(actions)
        learner.update_batch(obs, actions, rewards, info)
        # Step info describes the round just played.
        means = info["expected_rewards"][0]
        random_regret += means.max() - means.mean()
        regret[t] = info["regret"][0]
        obs = next_obs
    cumulative = np.cumsum(regret)
    steps = np.unique(np.linspace(1, horizon, CURVE_POINTS).round().astype(np.int64))
    return RunResult(
        metrics={
            "regret": float(cumulative[-1]),
            "random_regret": float(random_regret),
            "normalized_regret": float(cumulative[-1] / random_regret),
        },
        curves={"cumulative_regret": cumulative[steps - 1]},
        curve_steps={"cumulative_regret": steps},
    )
