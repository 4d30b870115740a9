"""One run of the expert-level DP study: generate experts, fit one learner, evaluate it.

The run stores the raw ``return`` and its two references, ``random_return``
(a uniformly random policy, :data:`~rlsuite.offline_data.experts.REF_SCORES`)
and ``expert_return`` (the mean return of the run's own dataset episodes, i.e.
of the experts actually used, with the run's seed), so the report normalises
from stored data: ``(return - random_return) / (expert_return - random_return)``.
Databases recorded before ``expert_return`` was a metric get it from
:func:`add_expert_returns` (it regenerates the datasets, no training):
``python -m rlsuite.experiments.expert_dp.run --add-expert-returns DB``.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from rlsuite.experiments.base import RunResult

__all__ = ["add_expert_returns", "normalised_return", "reference_returns", "run"]

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
    # The per-episode form (its mean is the default form's mean): one return type.
    returns, _ = evaluate_policy(
        learner, env, n_eval_episodes=n_episodes, deterministic=True, return_episode_rewards=True
    )
    env.close()
    return float(np.mean(returns))


def reference_returns(env_id: str, episodes: list) -> dict[str, float]:
    """``random_return`` (REF_SCORES) and ``expert_return`` (mean return of ``episodes``)."""
    from rlsuite.offline_data.experts import REF_SCORES

    return {
        "random_return": float(REF_SCORES[env_id][0]),
        "expert_return": float(np.mean([ep.rewards.sum() for ep in episodes])),
    }


def normalised_return(mean_return: Any, random_return: Any, expert_return: Any) -> Any:
    """``(return - random) / (expert - random)``: 0 = random policy, 1 = the experts' own return."""
    return (mean_return - random_return) / (expert_return - random_return)


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Fit ``agent`` on ``n_experts`` experts of ``params["env_id"]`` and score it."""
    from rlsuite.offline_data.experts import generate_expert_episodes

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
    references = reference_returns(env_id, episodes)
    metrics = {
        "return": mean_return,
        **references,
        "fit_seconds": fit_seconds,
        "normalized_return": normalised_return(
            mean_return, references["random_return"], references["expert_return"]
        ),
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


def add_expert_returns(db: str, experiment: str = "expert_dp") -> int:
    """Add ``random_return`` and ``expert_return`` to the runs of ``db`` that lack them.

    Regenerates each (env, seed, expert setting)'s dataset exactly as :func:`run`
    does (same experts, same seed; no learner is fitted) and writes the two
    references, and ``normalized_return`` recomputed from them, into the
    ``metrics`` table. Returns the number of runs updated.
    """
    import json
    import sqlite3

    from rlsuite.offline_data.experts import generate_expert_episodes

    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT r.setting, r.agent, r.seed, r.params, m.value FROM runs r JOIN metrics m"
            " USING (experiment, setting, agent, seed) WHERE r.experiment = ? AND m.metric ="
            " 'return' AND NOT EXISTS (SELECT 1 FROM metrics e WHERE e.experiment = r.experiment"
            " AND e.setting = r.setting AND e.agent = r.agent AND e.seed = r.seed AND e.metric ="
            " 'expert_return')",
            (experiment,),
        ).fetchall()
        cache: dict[tuple, dict[str, float]] = {}
        updates = []
        for setting, agent, seed, params_json, mean_return in rows:
            params = json.loads(params_json)
            key = (params["env_id"], params.get("experts", "scripted"), params["n_experts"],
                   params["episodes_per_expert"], seed)  # fmt: skip
            if key not in cache:
                experts = make_study_experts(params, seed)
                episodes = generate_expert_episodes(
                    params["env_id"], params["n_experts"], params["episodes_per_expert"],
                    seed=seed, experts=experts,
                )  # fmt: skip
                cache[key] = reference_returns(params["env_id"], episodes)
            refs = cache[key]
            normalised = normalised_return(
                mean_return, refs["random_return"], refs["expert_return"]
            )
            for metric, value in (*refs.items(), ("normalized_return", normalised)):
                updates.append((experiment, setting, agent, seed, metric, float(value)))
        with conn:
            conn.executemany("INSERT OR REPLACE INTO metrics VALUES (?,?,?,?,?,?)", updates)
        return len(rows)
    finally:
        conn.close()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Add expert_return to recorded expert_dp runs.")
    parser.add_argument("--add-expert-returns", metavar="DB", required=True)
    args = parser.parse_args()
    print(f"{add_expert_returns(args.add_expert_returns)} runs updated")
