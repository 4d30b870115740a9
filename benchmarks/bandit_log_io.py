"""Write and read back logged bandit feedback: long episodes against one-step episodes.

Logs ``--rounds`` (default 10^6) rounds of a uniform logging policy on a
10-armed bandit, then times

* ``write_s`` / ``read_s``: :func:`rlsuite.offline_data.bandit_log.write_bandit_feedback`
  (rounds stored as long Minari episodes, hdf5) and
  :func:`~rlsuite.offline_data.bandit_log.load_bandit_feedback`;
* Minari's usual path on ``--one-step-rounds`` (default 10^4) rounds, one
  episode per round with ``minari.create_dataset_from_buffers``, written and
  read back, giving ``one_step_episode_rounds_per_s``.

``speedup`` is ``rounds / (write_s + read_s)`` divided by the one-step rate.
Targets: ``write_s + read_s <= 5`` for 10^6 rounds and ``speedup >= 50``.
The last printed line is JSON. Run: ``python benchmarks/bandit_log_io.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np


def one_step_rate(feedback, n_rounds: int) -> float:
    """Rounds per second of Minari's one-step-episode path (write + read)."""
    import gymnasium as gym
    import minari
    from minari.data_collector import EpisodeBuffer

    k = feedback.n_actions
    buffers = [
        EpisodeBuffer(
            id=i,
            observations=np.repeat(feedback.context[i : i + 1], 2, axis=0),
            actions=feedback.action[i : i + 1],
            rewards=feedback.reward[i : i + 1],
            terminations=np.ones(1, dtype=bool),
            truncations=np.zeros(1, dtype=bool),
            infos={
                "pscore": feedback.pscore[i : i + 1],
                "action_dist": feedback.action_dist[i : i + 1],
                "expected_reward": feedback.expected_reward[i : i + 1],
            },
        )
        for i in range(n_rounds)
    ]
    start = time.perf_counter()
    dataset = minari.create_dataset_from_buffers(
        "bench/one-step-v0",
        buffers,
        observation_space=gym.spaces.Box(0.0, 1.0, feedback.context.shape[1:], np.float32),
        action_space=gym.spaces.Discrete(k),
        algorithm_name="bench",
        author="bench",
        author_email="bench@example.com",
        code_permalink="bench",
        description="bench",
        eval_env=None,
    )
    written = time.perf_counter()
    # One read of every episode (one file open), Minari's fastest bulk read.
    loaded = minari.load_dataset(dataset.spec.dataset_id)
    total = sum(len(ep["rewards"]) for ep in loaded.storage.get_episodes(range(n_rounds)))
    elapsed = time.perf_counter() - start
    write_s = written - start
    print(f"one-step episodes: write {write_s:.2f} s, read {elapsed - write_s:.2f} s")
    assert total == n_rounds
    return n_rounds / elapsed


def main() -> None:
    """Run the benchmark and print the JSON summary last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1_000_000)
    parser.add_argument("--one-step-rounds", type=int, default=10_000)
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
    n_arms = 10
    feedback = log_bandit(
        "rlsuite/MultiArmedBandit-v1",
        RandomAgent(n_arms),
        args.rounds,
        seed=0,
        num_envs=10_000,
        env_kwargs={"n_arms": n_arms},
    )
    start = time.perf_counter()
    write_bandit_feedback(feedback, "bench/long-v0")
    write_s = time.perf_counter() - start
    start = time.perf_counter()
    loaded = load_bandit_feedback("bench/long-v0")
    read_s = time.perf_counter() - start
    assert np.array_equal(loaded.action, feedback.action)
    assert np.array_equal(loaded.pscore, feedback.pscore)
    one_step = one_step_rate(feedback, min(args.one_step_rounds, args.rounds))
    summary = {
        "rounds": args.rounds,
        "write_s": round(write_s, 3),
        "read_s": round(read_s, 3),
        "one_step_episode_rounds_per_s": round(one_step, 1),
        "speedup": round(args.rounds / (write_s + read_s) / one_step, 1),
    }
    print(f"long episodes: {args.rounds / (write_s + read_s):,.0f} rounds/s")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
