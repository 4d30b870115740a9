"""rl-zoo3 trains PPO for 2,000 steps on an rlsuite id (``--gym-packages rlsuite.envs``)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("rl_zoo3")

ENV_ID = "rlsuite/MultiArmedBandit-v1"
# rl-zoo3 ships hyperparameters only for its own envs; ours come from a config file.
HYPERPARAMS = f"""
{ENV_ID}:
  n_envs: 2
  policy: MlpPolicy
  n_timesteps: 2000
  n_steps: 64
  batch_size: 64
"""


def test_rl_zoo3_train_ppo_on_a_registered_id(tmp_path):
    import gymnasium as gym
    from stable_baselines3 import PPO

    import rlsuite.envs  # noqa: F401

    config = tmp_path / "hyperparams.yml"
    config.write_text(HYPERPARAMS)
    command = [
        sys.executable, "-m", "rl_zoo3.train", "--algo", "ppo", "--env", ENV_ID,
        "--gym-packages", "rlsuite.envs", "-conf", str(config), "--env-kwargs", "n_arms:4",
        "-n", "2000", "--seed", "0", "--device", "cpu", "--eval-freq", "-1",
        "-f", str(tmp_path / "logs"), "--verbose", "0",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    run = tmp_path / "logs" / "ppo" / "rlsuite-MultiArmedBandit-v1_1"
    # one-step episodes: each of the 2 Monitor files logs one row per step taken,
    # PPO rounds 2,000 up to whole rollouts of n_envs * n_steps = 128 steps
    monitors = [pd.read_csv(run / f"{i}.monitor.csv", skiprows=1) for i in range(2)]
    assert sum(len(m) for m in monitors) == 2048
    assert all(set(m["l"]) == {1} for m in monitors)
    model = PPO.load(run / "rlsuite-MultiArmedBandit-v1.zip", device="cpu")
    probe = gym.make(ENV_ID, n_arms=4)
    obs, _ = probe.reset(seed=0)
    action, _ = model.predict(obs, deterministic=True)
    assert probe.action_space.contains(np.int64(action))
