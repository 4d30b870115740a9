"""SB3's PPO, A2C and DQN learn a heavy-tailed bandit unchanged."""

import gymnasium as gym
import numpy as np
import pytest
import torch

import rlsuite.envs  # noqa: F401
from rlsuite.envs.noise import StudentT

MEANS = [0.5, 0.5, 1.0, 0.5, 0.5]  # 5 arms, gap 0.5, Student-t(df=3) noise (std 1.73)
BEST = 2


def _make_model(name: str, env: gym.Env):
    from stable_baselines3 import A2C, DQN, PPO

    if name == "PPO":
        return PPO("MlpPolicy", env, n_steps=256, batch_size=64, learning_rate=3e-3, seed=0)
    if name == "A2C":
        return A2C("MlpPolicy", env, n_steps=8, learning_rate=3e-3, seed=0)
    # One-step episodes: gamma=0 makes the Q target the immediate reward.
    return DQN(
        "MlpPolicy",
        env,
        learning_starts=200,
        buffer_size=5000,
        exploration_fraction=0.5,
        target_update_interval=100,
        learning_rate=1e-3,
        gamma=0.0,
        seed=0,
    )


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("algo", ["PPO", "A2C", "DQN"])
def test_sb3_picks_the_best_arm_within_budget(algo):
    torch.set_num_threads(1)
    env = gym.make("rlsuite/MultiArmedBandit-v1", n_arms=5, means=MEANS, noise=StudentT(df=3.0))
    model = _make_model(algo, env)
    model.learn(3000)
    action, _ = model.predict(np.zeros(1, dtype=np.float32), deterministic=True)
    assert int(action) == BEST
