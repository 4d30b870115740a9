"""MO-Gymnasium's wrappers and vector env on MultiObjectiveBandit-v0."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest

mo_gym = pytest.importorskip("mo_gymnasium")

import rlsuite.envs  # noqa: E402, F401

MO_ID = "rlsuite/MultiObjectiveBandit-v0"
WEIGHTS = np.array([0.25, 0.75])


def test_linear_reward_equals_the_registered_scalarized_id():
    from mo_gymnasium.wrappers import LinearReward

    theirs = LinearReward(mo_gym.make(MO_ID, noise="gaussian"), weight=WEIGHTS)
    ours = gym.make("rlsuite/ScalarizedMultiObjectiveBandit-v0", weights=WEIGHTS, noise="gaussian")
    for seed in range(5):
        theirs.reset(seed=seed)
        ours.reset(seed=seed)
        _, their_reward, _, _, info = theirs.step(seed)
        _, our_reward, _, _, _ = ours.step(seed)
        assert their_reward == pytest.approx(our_reward, rel=1e-6)
        assert their_reward == pytest.approx(float(info["vector_reward"] @ WEIGHTS), rel=1e-6)


def test_mo_record_episode_statistics_sums_the_vector_rewards():
    from mo_gymnasium.wrappers import MORecordEpisodeStatistics

    env = MORecordEpisodeStatistics(mo_gym.make(MO_ID, horizon=4), gamma=1.0)
    env.reset(seed=0)
    total = np.zeros(2)
    for action in range(4):
        _, reward, _, truncated, info = env.step(action)
        total += reward
    assert truncated
    np.testing.assert_allclose(info["episode"]["r"], total)
    assert info["episode"]["l"] == 4


def test_mo_sync_vector_env_steps_vector_rewards_without_our_refusal():
    from mo_gymnasium.wrappers.vector import MOSyncVectorEnv

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = MOSyncVectorEnv([lambda: gym.make(MO_ID) for _ in range(3)])
        env.reset(seed=0)
        _, rewards, terminated, _, _ = env.step(np.array([0, 1, 2]))
    assert rewards.shape == (3, 2) and terminated.all()
    assert set(np.unique(rewards)) <= {0.0, 1.0}  # Bernoulli objectives
