"""One run of the expert-level DP study: generate experts, fit one learner, evaluate it."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from rlsuite.experiments.base import RunResult

__all__ = ["run"]

#: Evaluation episodes per run (seeded, deterministic policy).
EVAL_EPISODES = 10


def make_learner(agent: str, params: dict[str, Any], seed: int):
    """Construct the learner ``agent`` for ``params`` (learner kwargs may be in ``params``)."""
    from rlsuite.agents import make_agent

    kwargs = dict(params.get("agent_kwargs", {}).get(agent, {}))
    if agent == "BehaviorCloning":
        return make_agent(agent, seed=seed, **kwargs)
    return make_agent(agent, epsilon=params["epsilon"], delta=params["delta"], seed=seed, **kwargs)


def evaluate(learner: Any, env_id: str, seed: int, n_episodes: int = EVAL_EPISODES) -> float:
    """Mean return of ``learner`` under SB3's ``evaluate_policy`` on seeded envs."""
    import gymnasium as gym
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv

    env = DummyVecEnv([lambda: Monitor(gym.make(env_id))])
    env.seed(10_000 + seed)
    mean_return, _ = evaluate_policy(learner, env, n_eval_episodes=n_episodes, deterministic=True)
    env.close()
    return float(mean_return)


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Fit ``agent`` on ``n_experts`` experts of ``params["env_id"]`` and score it."""
    from rlsuite.offline_data.experts import REF_SCORES, generate_expert_episodes

    env_id = params["env_id"]
    episodes = generate_expert_episodes(
        env_id, params["n_experts"], params["episodes_per_expert"], seed=seed
    )
    learner = make_learner(agent, params, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Opacus' secure-RNG and hook notices
        learner.fit(episodes)
        mean_return = evaluate(learner, env_id, seed)
    low, high = REF_SCORES[env_id]
    metrics = {
        "return": mean_return,
        "normalized_return": (mean_return - low) / (high - low),
        "epsilon_spent": float(learner.epsilon_spent),
        "delta_spent": float(learner.delta_spent),
    }
    if agent == "ConsensusDP":
        metrics["released_transitions"] = float(np.sum(learner.released_lengths))
        metrics["noise_multiplier"] = float(learner.noise_multiplier)
    elif agent == "ExpertDPSGD":
        metrics["noise_multiplier"] = float(learner.noise_multiplier)
    elif agent == "PATEConsensus":
        metrics["answered_queries"] = float(learner.n_answered)
    return RunResult(metrics=metrics)
