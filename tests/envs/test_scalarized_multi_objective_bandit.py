"""ScalarizedMultiObjectiveBandit-v0 and MultiObjectiveBandit-v0 outside MO tools."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env

import rlsuite.envs  # noqa: F401
from rlsuite.envs.multi_objective_bandit import MultiObjectiveBanditEnv

MO_ID = "rlsuite/MultiObjectiveBandit-v0"
SCALAR_ID = "rlsuite/ScalarizedMultiObjectiveBandit-v0"
WEIGHTS = [0.25, 0.75]


def test_passes_gymnasium_and_sb3_checkers_without_warnings():
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gym_check_env(gym.make(SCALAR_ID, weights=WEIGHTS).unwrapped)
        sb3_check_env(gym.make(SCALAR_ID, weights=WEIGHTS))
        sb3_check_env(gym.make(SCALAR_ID, n_objectives=3, horizon=4))


def test_same_instance_and_reward_is_the_weighted_vector_reward():
    scalar = gym.make(SCALAR_ID, weights=WEIGHTS, noise="gaussian")
    vector = gym.make(MO_ID, noise="gaussian")
    np.testing.assert_array_equal(
        scalar.unwrapped.expected_reward_table, vector.unwrapped.expected_reward_table
    )
    assert not hasattr(scalar.unwrapped, "reward_space")  # not taken for an MO env
    for seed in range(5):
        scalar.reset(seed=seed)
        vector.reset(seed=seed)
        _, reward, _, _, info = scalar.step(seed % 4)
        _, vector_reward, _, _, vector_info = vector.step(seed % 4)
        assert isinstance(reward, float)
        assert reward == pytest.approx(float(np.dot(vector_reward, WEIGHTS)), rel=1e-6)
        values = vector_info["expected_rewards"] @ np.array(WEIGHTS)
        assert info["expected_reward"] == pytest.approx(values[seed % 4])
        assert info["optimal_action"] == int(np.argmax(values))
        assert info["regret"] == pytest.approx(values.max() - values[seed % 4])


def test_native_vector_env_matches_the_single_env_ground_truth():
    env = gym.make_vec(SCALAR_ID, num_envs=64, weights=WEIGHTS)
    table = MultiObjectiveBanditEnv().expected_reward_table @ np.array(WEIGHTS)
    env.reset(seed=0)
    actions = np.arange(64) % 32
    contexts = env.unwrapped.contexts.copy()
    _, rewards, terminated, _, infos = env.step(actions)
    assert rewards.shape == (64,) and terminated.all()
    np.testing.assert_allclose(infos["expected_reward"], table[contexts, actions])
    np.testing.assert_allclose(
        infos["regret"], table[contexts].max(axis=1) - table[contexts, actions]
    )
    np.testing.assert_allclose(rewards, infos["vector_reward"] @ np.array(WEIGHTS))


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_gymnasium_vectorizers_work_on_the_scalar_id_and_refuse_the_vector_reward(mode):
    env = gym.make_vec(SCALAR_ID, num_envs=2, vectorization_mode=mode, weights=WEIGHTS)
    env.reset(seed=0)
    _, rewards, _, _, _ = env.step(np.array([0, 1]))
    assert rewards.shape == (2,)
    env.close()
    env = gym.make_vec(MO_ID, num_envs=2, vectorization_mode=mode)
    env.reset(seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # AsyncVectorEnv logs the worker's error as a warning
        with pytest.raises(TypeError, match="vector_entry_point.*MOSyncVectorEnv"):
            env.step(np.array([0, 1]))
        env.close(terminate=True) if mode == "async" else env.close()


def test_gym_make_of_the_vector_reward_env_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make(MO_ID)
        env.reset(seed=0)
        env.step(0)


# SB3's make_vec_env asks every env for render_mode="rgb_array"; ours render nothing.
@pytest.mark.filterwarnings("ignore:.*render_mode='rgb_array'")
def test_sb3_make_vec_env_and_eval_env_on_the_registered_id():
    from stable_baselines3 import A2C
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.monitor import Monitor

    kwargs = {"weights": WEIGHTS, "n_contexts": 2, "n_actions": 4}
    venv = make_vec_env(SCALAR_ID, n_envs=2, seed=0, env_kwargs=kwargs)
    model = A2C("MlpPolicy", venv, n_steps=4, seed=0).learn(64)
    mean, _ = evaluate_policy(model, Monitor(gym.make(SCALAR_ID, **kwargs)), n_eval_episodes=5)
    assert 0.0 <= mean <= 1.0  # a weighted Bernoulli reward


@pytest.mark.parametrize("weights", [[0.5], [0.7, 0.7], [-0.5, 1.5], [np.nan, 1.0]])
def test_invalid_weights_raise(weights):
    with pytest.raises(ValueError, match="weights"):
        gym.make(SCALAR_ID, weights=weights)
    with pytest.raises(ValueError, match="weights"):
        gym.make_vec(SCALAR_ID, num_envs=2, weights=weights)
