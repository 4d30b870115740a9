"""Bandit throughput: per-step Gymnasium loop vs native vector env vs the RNG floor.

Measures, in one run on one machine (so only the ratios matter):

(a) ``gym.make`` + ``EpsilonGreedy.select_action`` / ``update`` one step at a time;
(b) ``MultiArmedBanditVectorEnv`` with R runs and a batched ``EpsilonGreedy`` update;
(c) the floor: drawing the same Student-t noise alone, R values per call.

Usage: ``python benchmarks/bandit_throughput.py [--runs 10000] [--arms 10] [--seconds 2]``.
The last line is JSON with ``loop_steps_per_s``, ``vector_steps_per_s``,
``rng_floor_per_s``, ``speedup_vs_loop`` and ``slowdown_vs_floor``.
"""

from __future__ import annotations

import argparse
import json
import time

import gymnasium as gym
import numpy as np

import rlsuite.envs  # noqa: F401
from rlsuite.agents.bandits.epsilon_greedy import EpsilonGreedy
from rlsuite.envs.multi_armed_bandit import MultiArmedBanditVectorEnv
from rlsuite.envs.noise import StudentT


def _rate(step, units_per_call: int, seconds: float) -> float:
    """Units per second of ``step()``, best of three timed windows of ``seconds / 3``."""
    best = 0.0
    for _ in range(3):
        calls, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / 3:
            for _ in range(10):
                step()
            calls += 10
        best = max(best, calls * units_per_call / elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--arms", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    noise = StudentT(df=3.0)

    env = gym.make("rlsuite/MultiArmedBandit-v1", n_arms=args.arms, noise=noise)
    agent = EpsilonGreedy(args.arms, epsilon=0.1, seed=0)
    state = {"obs": env.reset(seed=0)[0]}

    def loop_step() -> None:
        action = agent.select_action(state["obs"])
        obs, reward, terminated, truncated, info = env.step(action)
        agent.update(state["obs"], action, reward, info)
        if terminated or truncated:
            obs, _ = env.reset()
        state["obs"] = obs

    vector_env = MultiArmedBanditVectorEnv(num_envs=args.runs, n_arms=args.arms, noise=noise)
    batched = EpsilonGreedy(args.arms, epsilon=0.1, seed=0, n_runs=args.runs)
    vector_obs = {"obs": vector_env.reset(seed=0)[0]}

    def vector_step() -> None:
        actions = batched.select_actions(vector_obs["obs"])
        obs, rewards, _, _, infos = vector_env.step(actions)
        batched.update_batch(vector_obs["obs"], actions, rewards, infos)
        vector_obs["obs"] = obs

    rng = np.random.default_rng(0)

    def floor_step() -> None:
        noise.sample(rng, args.runs)

    loop = _rate(loop_step, 1, args.seconds)
    vector = _rate(vector_step, args.runs, args.seconds)
    floor = _rate(floor_step, args.runs, args.seconds)
    print(f"(a) per-step gym loop      : {loop:14,.0f} steps/s")
    print(f"(b) vector env R={args.runs:<7}  : {vector:14,.0f} steps/s")
    print(f"(c) RNG floor              : {floor:14,.0f} draws/s")
    print(
        json.dumps(
            {
                "loop_steps_per_s": round(loop),
                "vector_steps_per_s": round(vector),
                "rng_floor_per_s": round(floor),
                "speedup_vs_loop": round(vector / loop, 1),
                "slowdown_vs_floor": round(floor / vector, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
