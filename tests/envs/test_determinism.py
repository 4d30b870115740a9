"""Same seed, separate processes, identical reward sequences (all randomness is np_random)."""

import json
import subprocess
import sys

import gymnasium as gym
import pytest

import rlsuite.envs  # noqa: F401

RLSUITE_IDS = sorted(env_id for env_id in gym.registry if env_id.startswith("rlsuite/"))

SCRIPT = """
import json, sys
import gymnasium as gym, numpy as np
import rlsuite.envs
env = gym.make(sys.argv[1])
env.action_space.seed(123)
obs, info = env.reset(seed=7)
rewards = []
for _ in range(100):
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    rewards.append(np.asarray(reward, dtype=float).tolist())
    if terminated or truncated:
        obs, info = env.reset()
print(json.dumps(rewards))
"""


def _rewards(env_id: str) -> list:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, env_id], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("env_id", RLSUITE_IDS)
def test_same_seed_same_rewards_across_processes(env_id):
    first, second = _rewards(env_id), _rewards(env_id)
    assert len(first) == 100
    assert first == second


@pytest.mark.parametrize(
    "env_id", ["rlsuite/MultiArmedBandit-v1", "rlsuite/LinearContextualBandit-v0"]
)
def test_different_seeds_differ(env_id):
    env = gym.make(env_id, noise="student_t", horizon=20)
    draws = []
    for seed in (1, 2):
        env.reset(seed=seed)
        draws.append([env.step(0)[1] for _ in range(20)])
    assert draws[0] != draws[1]
