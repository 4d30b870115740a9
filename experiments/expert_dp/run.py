"""One run of the expert-level DP study: generate experts, fit one learner, evaluate it."""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from rlsuite.experiments.base import RunResult

__all__ = ["run"]

#: Evaluation episodes per run (seeded, deterministic policy).
EVAL_EPISODES = 10


def make_study_experts(params: dict[str, Any], seed: int) -> list:
    """The experts of ``params`` for ``seed`` (``params["experts"]``: scripted or trained)."""
    from rlsuite.offline_data.experts import make_experts

    kind = params.get("experts", "scripted")
    return make_experts(params["env_id"], params["n_experts"], seed, kind)


def make_learner(agent: str, params: dict[str, Any], seed: int, experts: list | None = None):
    """Construct the learner ``agent`` for ``params`` (learner kwargs may be in ``params``)."""
    from rlsuite.agents import make_agent

    kwargs = dict(params.get("agent_kwargs", {}).get(agent, {}))
    if agent == "ConsensusDP" and params.get("expert_probabilities", True):
        # The Prefix Query counts with the experts' own action probabilities (the
        # experts that generated this seed's dataset, see generate_expert_episodes).
        if experts is None:
            experts = make_study_experts(params, seed)
        kwargs.setdefault("expert_policies", experts)
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
    experts = make_study_experts(params, seed)
    episodes = generate_expert_episodes(
        env_id, params["n_experts"], params["episodes_per_expert"], seed=seed, experts=experts
    )
    learner = make_learner(agent, params, seed, experts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Opacus' secure-RNG and hook notices
        start = time.perf_counter()
        learner.fit(episodes)
        fit_seconds = time.perf_counter() - start
        mean_return = evaluate(learner, env_id, seed)
    low, high = REF_SCORES[env_id]
    metrics = {
        "return": mean_return,
        "fit_seconds": fit_seconds,
        "normalized_return": (mean_return - low) / (high - low),
        "epsilon_spent": float(learner.epsilon_spent),
        "delta_spent": float(learner.delta_spent),
    }
    if agent == "ConsensusDP":
        lengths = learner.released_lengths
        metrics["released_transitions"] = float(np.sum(lengths))
        metrics["released_share"] = float(learner.released_share)
        for q in (10, 50, 90, 100):
            metrics[f"prefix_length_q{q}"] = float(np.percentile(lengths, q))
        metrics["release_epsilon"] = float(learner.release_epsilon)
        metrics["threshold"] = float(learner.threshold)
        metrics["noise_multiplier"] = float(learner.noise_multiplier)
        # How fast consensus decays along the candidates: median count after h steps.
        for h in (1, 10, 50):
            at_h = [c[h - 1] for c in learner.prefix_counts if len(c) >= h]
            metrics[f"count_median_h{h}"] = float(np.median(at_h)) if at_h else float("nan")
    elif agent == "ExpertDPSGD":
        metrics["noise_multiplier"] = float(learner.noise_multiplier)
    elif agent == "PATEConsensus":
        metrics["answered_queries"] = float(learner.n_answered)
    return RunResult(metrics=metrics)
