"""Bandit throughput: per-step Gymnasium loop vs native vector env vs two floors.

Measured in one run on one machine, so only the ratios matter:

(a) ``gym.make`` + ``EpsilonGreedy.select_action`` / ``update`` one step at a time;
(b) ``MultiArmedBanditVectorEnv`` with R runs and a batched ``EpsilonGreedy``
    (select, step, update), for every R in ``--runs``;
(c) the RNG floor: the same Student-t rewards alone, R draws per call;
(d) the real floor of one epsilon-greedy step written by hand on bare arrays:
    the Student-t draw, the value refresh of the pulled arms, the argmax and
    the two scatter-adds (counts and sums), nothing else;
(e) that floor plus the exploration draws (a uniform per run, an arm per
    exploring run): what is left above it is overhead (checks, infos, calls).

The batched ``EpsilonGreedy`` in (b) takes its greedy arm and updates its
statistics with compiled loops (``rlsuite.agents.bandits._compiled_mab``,
numba; bit-identical to the numpy forms), while the floors (d) and (e) are
written in numpy: numpy's ``argmax(axis=1)`` over ten arms costs about twice
the compiled loop, so against (d) and (e) part of (b)'s margin is that.

Each rate is the fastest chunk of calls (about 1 ms) within one short window
(robust to preemption by other processes), taken ``--repeats`` times in
alternation (b, c, d, e, b, c, d, e, ...), so that each ratio is formed from
windows measured next to each other; ratios are reported min/median/max, and
also as the ratio of the fastest windows over all repeats (the least contended
measurement of each, ``fastest_window_slowdown``).

Usage: ``OMP_NUM_THREADS=1 python benchmarks/bandit_throughput.py [--runs 1 1024 1000000]``.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json

import gymnasium as gym
import numpy as np

# run as a script, benchmarks/ is on sys.path
from timing import rate, summary

import rlsuite.envs  # noqa: F401
from rlsuite.agents.bandits.epsilon_greedy import EpsilonGreedy
from rlsuite.envs.multi_armed_bandit import MultiArmedBanditVectorEnv
from rlsuite.envs.noise import StudentT


def vector_step_fn(runs: int, arms: int, noise):
    env = MultiArmedBanditVectorEnv(num_envs=runs, n_arms=arms, noise=noise)
    agent = EpsilonGreedy(arms, epsilon=0.1, seed=0, n_runs=runs)
    state = {"obs": env.reset(seed=0)[0]}

    def step() -> None:
        actions = agent.select_actions(state["obs"])
        obs, rewards, _, _, infos = env.step(actions)
        agent.update_batch(state["obs"], actions, rewards, infos)
        state["obs"] = obs

    return step


def epsilon_floor_fn(runs: int, arms: int, noise, explore: bool = False):
    """One epsilon-greedy step on bare arrays (no validation, no info).

    ``explore=False`` is the issue's floor (no exploration draw); ``explore=True``
    adds the agent's exploration draws (one uniform per run, an arm per exploring
    run), the part of a step that is the algorithm's own work and not overhead.
    """
    rng = np.random.default_rng(0)
    means = rng.random((runs, arms)).reshape(-1)
    counts, sums = np.zeros(runs * arms), np.zeros(runs * arms)
    values = np.full((runs, arms), np.inf)
    flat_values = values.reshape(-1)
    offsets = np.arange(runs) * arms

    def step() -> None:
        actions = values.argmax(axis=1)
        if explore:
            exploring = rng.random(runs) < 0.1
            actions[exploring] = rng.integers(arms, size=np.count_nonzero(exploring))
        flat = offsets + actions
        rewards = means[flat] + noise.sample(rng, runs)
        # Each statistic gathered once and written back, as the agent does.
        pulled_counts = counts[flat] + 1.0
        pulled_sums = sums[flat] + rewards
        counts[flat] = pulled_counts
        sums[flat] = pulled_sums
        flat_values[flat] = pulled_sums / pulled_counts

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1, 1024, 10**6])
    parser.add_argument("--arms", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=0.3, help="length of one window")
    parser.add_argument("--repeats", type=int, default=7)
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

    loop = [rate(loop_step, 1, args.seconds) for _ in range(3)]
    print(f"(a) per-step gym loop: {np.median(loop):14,.0f} steps/s (median)")
    result: dict[str, object] = {"loop_steps_per_s": summary(loop), "runs": {}}
    for runs in args.runs:
        vector = vector_step_fn(runs, args.arms, noise)
        floor = epsilon_floor_fn(runs, args.arms, noise)
        rng = np.random.default_rng(0)

        def draws(runs=runs, rng=rng) -> None:
            noise.sample(rng, runs)

        seconds = args.seconds if runs < 1 << 16 else 3 * args.seconds
        explore_floor = epsilon_floor_fn(runs, args.arms, noise, explore=True)
        rates = {"vector": [], "rng_floor": [], "epsilon_greedy_floor": [], "explore_floor": []}
        for _ in range(args.repeats):
            rates["vector"].append(rate(vector, runs, seconds))
            rates["rng_floor"].append(rate(draws, runs, seconds))
            rates["epsilon_greedy_floor"].append(rate(floor, runs, seconds))
            rates["explore_floor"].append(rate(explore_floor, runs, seconds))
        vec = np.asarray(rates["vector"])
        entry = {
            "vector_steps_per_s": summary(vec),
            "rng_floor_per_s": summary(rates["rng_floor"]),
            "epsilon_greedy_floor_per_s": summary(rates["epsilon_greedy_floor"]),
            "vector_over_loop": summary(vec / np.median(loop)),
            "slowdown_vs_rng_floor": summary(np.asarray(rates["rng_floor"]) / vec),
            "slowdown_vs_epsilon_greedy_floor": summary(
                np.asarray(rates["epsilon_greedy_floor"]) / vec
            ),
            "slowdown_vs_floor_with_exploration": summary(np.asarray(rates["explore_floor"]) / vec),
            # The fastest window of each over all repeats: the least contended measurement
            # of each (on a loaded machine the paired ratios above spread widely).
            "fastest_window_slowdown": {
                "epsilon_greedy_floor": round(max(rates["epsilon_greedy_floor"]) / vec.max(), 4),
                "floor_with_exploration": round(max(rates["explore_floor"]) / vec.max(), 4),
            },
        }
        result["runs"][str(runs)] = entry
        rf, ef = entry["slowdown_vs_rng_floor"], entry["slowdown_vs_epsilon_greedy_floor"]
        xf = entry["slowdown_vs_floor_with_exploration"]
        best = entry["fastest_window_slowdown"]
        print(
            f"(b) R={runs:<8d} {np.median(vec):14,.0f} steps/s; x slower than floor "
            f"(min/median/max): RNG {rf['min']:.2f}/{rf['median']:.2f}/{rf['max']:.2f}, "
            f"eps-greedy step {ef['min']:.2f}/{ef['median']:.2f}/{ef['max']:.2f}, "
            f"with exploration {xf['min']:.2f}/{xf['median']:.2f}/{xf['max']:.2f}; "
            f"fastest windows: {best['epsilon_greedy_floor']:.2f} "
            f"(with exploration {best['floor_with_exploration']:.2f})"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
