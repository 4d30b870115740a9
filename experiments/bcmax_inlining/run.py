"""One run of the BC-Max inlining study: train (if a learner) and evaluate on held-out modules."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

import rlsuite.envs  # noqa: F401  registers rlsuite/Inlining-v0
from rlsuite.agents.offline.bc import BC
from rlsuite.agents.offline.bcmax import BCMax
from rlsuite.agents.offline.common import rollout_policies
from rlsuite.agents.offline.inlining_heuristics import inlining_baselines
from rlsuite.agents.offline.iterative_bcmax import IterativeBCMax
from rlsuite.envs.inlining import FAMILIES
from rlsuite.experiments.base import RunResult

__all__ = ["evaluate_modules", "make_agent", "run"]

ENV_ID = "rlsuite/Inlining-v0"
TEST_SEED_OFFSET = 1_000_000_000  # held-out modules never share a seed with training ones


def make_agent(agent: str, params: dict[str, Any], seed: int, env: gym.Env) -> Any:
    """The policy of ``agent``: a heuristic, or a learner fit on the baselines' trajectories."""
    baselines = inlining_baselines()
    if agent in baselines:
        return baselines[agent]
    train_seeds = [seed * 1_000_003 + i for i in range(int(params["n_train"]))]
    trajectories = rollout_policies(env, baselines, train_seeds)
    kwargs = {"epochs": int(params.get("epochs", 15)), "seed": seed}
    if agent == "BC":
        return BC(**kwargs).fit(trajectories)
    if agent == "BCMax":
        return BCMax(**kwargs).fit(trajectories)
    if agent.startswith("IterativeBCMax-"):
        rounds = int(agent.rpartition("-")[2])
        return IterativeBCMax(rounds=rounds, env=env, **kwargs).fit(trajectories)
    raise ValueError(f"agent={agent!r} is not one of {sorted(baselines)} or the learners")


def evaluate_modules(env: gym.Env, policy: Any, seeds: list[int]) -> tuple[np.ndarray, list[str]]:
    """Size reduction (%) and family of each module played greedily by ``policy``."""
    reductions, families = [], []
    for seed in seeds:
        obs, info = env.reset(seed=seed)
        done, reward = False, 0.0
        while not done:
            action, _ = policy.predict(obs, deterministic=True)
            obs, reward, terminated, truncated, _ = env.step(int(action))
            done = terminated or truncated
        reductions.append(100.0 * reward)
        families.append(info["module_family"])
    return np.asarray(reductions), families


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Mean held-out size reduction (%) overall, per family, and of the per-module best baseline."""
    env = gym.make(ENV_ID)
    policy = make_agent(agent, params, seed, env)
    test_seeds = [TEST_SEED_OFFSET + seed * 1_000_003 + i for i in range(int(params["n_test"]))]
    reductions, families = evaluate_modules(env, policy, test_seeds)
    per_baseline = [evaluate_modules(env, b, test_seeds)[0] for b in inlining_baselines().values()]
    metrics = {
        "size_reduction_pct": float(reductions.mean()),
        "oracle_pct": float(np.max(per_baseline, axis=0).mean()),
    }
    fam = np.asarray(families)
    for family in FAMILIES:
        mask = fam == family
        metrics[f"size_reduction_{family}_pct"] = (
            float(reductions[mask].mean()) if mask.any() else float("nan")
        )
    return RunResult(metrics=metrics)
