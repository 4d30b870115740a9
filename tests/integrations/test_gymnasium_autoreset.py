"""What the README says about Gymnasium's autoreset modes on one-round bandits."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import rlsuite.envs  # noqa: F401

ENV_ID = "rlsuite/MultiArmedBandit-v1"


def _zero_reward_share(**make_vec_kwargs) -> float:
    env = gym.make_vec(ENV_ID, num_envs=4, n_arms=3, means=[1.0, 1.0, 1.0], noise="bernoulli",
                       **make_vec_kwargs)  # fmt: skip
    env.reset(seed=0)
    rewards = [env.step(np.zeros(4, dtype=np.int64))[1] for _ in range(10)]
    env.close()
    return float(np.mean(np.asarray(rewards) == 0.0))


def test_next_step_autoreset_wastes_every_other_step_and_same_step_does_not():
    # every arm pays 1 with probability 1, so a reward of 0 marks a reset step
    assert _zero_reward_share(vectorization_mode="sync") == pytest.approx(0.5)
    same_step = {"autoreset_mode": AutoresetMode.SAME_STEP}
    assert _zero_reward_share(vectorization_mode="sync", vector_kwargs=same_step) == 0.0
    assert _zero_reward_share(vectorization_mode="vector_entry_point") == 0.0


# SB3's make_vec_env asks every env for render_mode="rgb_array"; ours render nothing.
@pytest.mark.filterwarnings("ignore:.*render_mode='rgb_array'")
def test_sb3_takes_the_single_env_id_through_make_vec_env():
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv

    venv = make_vec_env(ENV_ID, n_envs=4, seed=0, env_kwargs={"n_arms": 3})
    assert isinstance(venv, DummyVecEnv) and venv.num_envs == 4
