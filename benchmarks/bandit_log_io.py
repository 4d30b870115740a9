"""Write and read back logged bandit feedback: ours against Minari's own paths.

Logs ``--rounds`` (default 10^6) rounds of a uniform logging policy on a
10-armed bandit, then, ``--repeats`` times, writes and reads it with

* ``ours``: :func:`rlsuite.offline_data.bandit_log.write_bandit_feedback`
  (rounds stored as long Minari episodes, hdf5, written atomically) and
  :func:`~rlsuite.offline_data.bandit_log.load_bandit_feedback`;
* ``minari_bulk``: ``minari.create_dataset_from_buffers`` on the same
  long-episode buffers, read back with one
  ``dataset.storage.get_episodes(range(total_episodes))`` call;
* ``one_step``: Minari's usual one-episode-per-round layout on
  ``--one-step-rounds`` (default 10^3; about 135 rounds/s here) rounds, as a
  rounds-per-second rate.

Reads are timed twice. ``cold``: the first read in a fresh subprocess (after
its imports), so no Python-level cache or open file handle helps; the OS page
cache may still hold the file, which nobody without root can drop. ``warm``:
the second read in that same subprocess. Every figure is min/median/max over
the repeats; ratios are ours over Minari's bulk path in the same repeat
(``< 1``: ours is faster). The last printed line is JSON.
Run: ``python benchmarks/bandit_log_io.py --rounds 100000 --repeats 3`` (< 1 min).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

# run as a script, benchmarks/ is on sys.path
from timing import summary

READ_SCRIPT = """
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import minari
from rlsuite.offline_data.bandit_log import load_bandit_feedback
kind, dataset_id = sys.argv[1], sys.argv[2]

def read():
    start = time.perf_counter()
    if kind == "ours":
        n = load_bandit_feedback(dataset_id).n_rounds
    else:
        dataset = minari.load_dataset(dataset_id)
        episodes = dataset.storage.get_episodes(range(dataset.total_episodes))
        n = sum(len(episode["actions"]) for episode in episodes)
    return time.perf_counter() - start, n

cold, n_cold = read()
warm, n_warm = read()
print(json.dumps({"cold_s": cold, "warm_s": warm, "rounds": [n_cold, n_warm]}))
"""


def long_episode_buffers(feedback, rounds_per_episode: int = 1_000_000) -> list:
    """The same episodes ``write_bandit_feedback`` stores, as Minari ``EpisodeBuffer`` s."""
    from minari.data_collector import EpisodeBuffer

    buffers = []
    for episode, start in enumerate(range(0, feedback.n_rounds, rounds_per_episode)):
        stop = min(start + rounds_per_episode, feedback.n_rounds)
        truncations = np.zeros(stop - start, dtype=bool)
        truncations[-1] = True
        buffers.append(
            EpisodeBuffer(
                id=episode,
                observations=np.concatenate(
                    [feedback.context[start:stop], feedback.context[stop - 1 : stop]]
                ),
                actions=feedback.action[start:stop],
                rewards=feedback.reward[start:stop],
                terminations=np.zeros(stop - start, dtype=bool),
                truncations=truncations,
                infos={
                    key: getattr(feedback, key)[start:stop]
                    for key in ("pscore", "action_dist", "expected_reward")
                },
            )
        )
    return buffers


def minari_bulk_write(feedback, buffers, dataset_id: str) -> None:
    """Minari's one-call writer on ``buffers``."""
    import gymnasium as gym
    import minari

    ctx = feedback.context
    minari.create_dataset_from_buffers(
        dataset_id,
        buffers,
        observation_space=gym.spaces.Box(-np.inf, np.inf, ctx.shape[1:], ctx.dtype),
        action_space=gym.spaces.Discrete(feedback.n_actions),
        algorithm_name="bench",
        author="bench",
        author_email="bench@example.com",
        code_permalink="bench",
        description="bench",
    )


def timed_reads(kind: str, dataset_id: str, n_rounds: int) -> tuple[float, float]:
    """(cold, warm) read seconds of ``kind`` in a fresh subprocess."""
    result = subprocess.run(
        [sys.executable, "-c", READ_SCRIPT, kind, dataset_id],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    times = json.loads(result.stdout.strip().splitlines()[-1])
    if times["rounds"] != [n_rounds, n_rounds]:
        raise RuntimeError(f"{kind} read {times['rounds']} rounds, wrote {n_rounds}")
    return times["cold_s"], times["warm_s"]


def one_step_rate(feedback, n_rounds: int) -> float:
    """Rounds per second of Minari's one-step-episode path (write + one bulk read)."""
    import minari
    from minari.data_collector import EpisodeBuffer

    buffers = [
        EpisodeBuffer(
            id=i,
            observations=np.repeat(feedback.context[i : i + 1], 2, axis=0),
            actions=feedback.action[i : i + 1],
            rewards=feedback.reward[i : i + 1],
            terminations=np.ones(1, dtype=bool),
            truncations=np.zeros(1, dtype=bool),
            infos={
                key: getattr(feedback, key)[i : i + 1]
                for key in ("pscore", "action_dist", "expected_reward")
            },
        )
        for i in range(n_rounds)
    ]
    start = time.perf_counter()
    minari_bulk_write(feedback, buffers, "bench/one-step-v0")
    loaded = minari.load_dataset("bench/one-step-v0")
    total = sum(len(ep["rewards"]) for ep in loaded.storage.get_episodes(range(n_rounds)))
    elapsed = time.perf_counter() - start
    if total != n_rounds:
        raise RuntimeError(f"one-step read {total} rounds, wrote {n_rounds}")
    return n_rounds / elapsed


def main() -> None:
    """Run the benchmark and print the JSON summary last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1_000_000)
    parser.add_argument("--one-step-rounds", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ["MINARI_DATASETS_PATH"] = tempfile.mkdtemp(prefix="rlsuite-bench-")
    import warnings

    import rlsuite.envs  # noqa: F401  registers the bandit ids
    from rlsuite.agents.bandits.random_agent import RandomAgent
    from rlsuite.offline_data.bandit_log import (
        load_bandit_feedback,
        log_bandit,
        write_bandit_feedback,
    )

    warnings.filterwarnings("ignore")
    feedback = log_bandit(
        "rlsuite/MultiArmedBandit-v1",
        RandomAgent(10),
        args.rounds,
        seed=0,
        num_envs=min(10_000, args.rounds),
        env_kwargs={"n_arms": 10},
    )
    times: dict[str, list[float]] = {
        f"{who}_{what}": []
        for who in ("ours", "minari_bulk")
        for what in ("write_s", "cold_read_s", "warm_read_s")
    }
    for repeat in range(args.repeats):
        ours_id, bulk_id = f"bench/ours{repeat}-v0", f"bench/bulk{repeat}-v0"
        start = time.perf_counter()
        write_bandit_feedback(feedback, ours_id)
        times["ours_write_s"].append(time.perf_counter() - start)
        start = time.perf_counter()
        minari_bulk_write(feedback, long_episode_buffers(feedback), bulk_id)
        times["minari_bulk_write_s"].append(time.perf_counter() - start)
        for who, dataset_id in (("ours", ours_id), ("minari_bulk", bulk_id)):
            cold, warm = timed_reads(who if who == "ours" else "minari", dataset_id, args.rounds)
            times[f"{who}_cold_read_s"].append(cold)
            times[f"{who}_warm_read_s"].append(warm)
    loaded = load_bandit_feedback("bench/bulk0-v0")  # our reader on Minari's file: same data
    assert np.array_equal(loaded.action, feedback.action)
    assert np.array_equal(loaded.pscore, feedback.pscore)
    ratios = {
        f"ours_over_minari_bulk_{what}": summary(
            np.divide(times[f"ours_{what}"], times[f"minari_bulk_{what}"])
        )
        for what in ("write_s", "cold_read_s", "warm_read_s")
    }
    one_step = one_step_rate(feedback, min(args.one_step_rounds, args.rounds))
    ours_total = np.add(times["ours_write_s"], times["ours_cold_read_s"])
    result = {
        "rounds": args.rounds,
        "repeats": args.repeats,
        **{key: summary(values) for key, values in times.items()},
        **ratios,
        "one_step_episode_rounds_per_s": round(one_step, 1),
        "speedup_over_one_step": summary(args.rounds / ours_total / one_step),
    }
    for key, value in result.items():
        if isinstance(value, dict):
            print(f"{key:38s} {value['min']:>10.4g} {value['median']:>10.4g} {value['max']:>10.4g}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
