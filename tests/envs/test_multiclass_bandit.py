"""MulticlassBandit-v0: the supervised-to-bandit reduction on scikit-learn's bundled data."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from sklearn import datasets

import rlsuite.envs  # noqa: F401
from rlsuite.envs.multiclass_bandit import DATASETS, MulticlassBanditVectorEnv

ENV_ID = "rlsuite/MulticlassBandit-v0"


@pytest.mark.parametrize("arm_features", [True, False])
@pytest.mark.parametrize("dataset", DATASETS)
def test_passes_gymnasium_and_sb3_checkers(dataset, arm_features):
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make(ENV_ID, dataset=dataset, arm_features=arm_features)
        gym_check_env(env.unwrapped)
        # SB3 only recommends flattening the 2-D per-arm layout; the flat one must be silent
        sb3_check_env(env, warn=not arm_features)


def test_rows_are_the_standardised_sklearn_rows_and_reward_is_the_label_indicator():
    features, labels = datasets.load_wine(return_X_y=True)
    z = (features - features.mean(axis=0)) / features.std(axis=0)
    env = gym.make(ENV_ID, dataset="wine", arm_features=False)
    for seed in range(20):
        obs, _ = env.reset(seed=seed)
        row = int(np.argmin(np.abs(z - obs).sum(axis=1)))
        np.testing.assert_allclose(obs, z[row], rtol=1e-5, atol=1e-5)
        _, reward, terminated, _, info = env.step(seed % 3)
        assert info["label"] == labels[row] == info["optimal_action"]
        assert reward == info["expected_reward"] == float(seed % 3 == labels[row])
        assert info["regret"] == 1.0 - reward and terminated
        np.testing.assert_array_equal(info["expected_rewards"], np.eye(3)[labels[row]])


def test_arm_features_put_the_context_in_the_block_of_each_arm():
    flat = gym.make(ENV_ID, dataset="iris", arm_features=False)
    arms = gym.make(ENV_ID, dataset="iris")
    x, _ = flat.reset(seed=4)
    blocks, _ = arms.reset(seed=4)
    dim = x.size + 1  # plus the intercept
    assert blocks.shape == (3, 3 * dim)
    for a in range(3):
        np.testing.assert_array_equal(blocks[a, a * dim : (a + 1) * dim], np.append(x, 1.0))
        assert np.count_nonzero(np.delete(blocks[a], np.s_[a * dim : (a + 1) * dim])) == 0


def test_problem_is_fixed_by_problem_seed_not_by_reset():
    a = gym.make(ENV_ID, dataset="digits", n_samples=50, problem_seed=1).unwrapped
    b = gym.make(ENV_ID, dataset="digits", n_samples=50, problem_seed=1).unwrapped
    c = gym.make(ENV_ID, dataset="digits", n_samples=50, problem_seed=2).unwrapped
    np.testing.assert_array_equal(a.features, b.features)
    assert not np.array_equal(a.features, c.features)
    a.reset(seed=0)
    a.reset(seed=99)
    np.testing.assert_array_equal(a.features, b.features)
    vector = MulticlassBanditVectorEnv(num_envs=3, dataset="digits", n_samples=50, problem_seed=1)
    np.testing.assert_array_equal(vector.features, a.features)


def test_vector_env_ground_truth_and_noise_mean():
    env = gym.make_vec(ENV_ID, num_envs=2000, dataset="breast_cancer", noise="gaussian")
    assert isinstance(env.unwrapped, MulticlassBanditVectorEnv)
    env.reset(seed=0)
    labels = env.unwrapped.labels[env.unwrapped.rows]
    actions = np.zeros(2000, dtype=np.int64)
    _, rewards, terminated, _, infos = env.step(actions)
    np.testing.assert_array_equal(infos["expected_reward"], (labels == 0).astype(float))
    np.testing.assert_array_equal(infos["noise_std"], np.ones(2000))
    assert terminated.all()
    # N(0, 1) noise around the indicator: the mean error has std 1 / sqrt(2000)
    assert abs(np.mean(rewards - infos["expected_reward"])) < 4 / np.sqrt(2000)


def test_heavy_tailed_noise_reports_no_std_where_the_variance_is_infinite():
    from rlsuite.envs.noise import StudentT

    env = gym.make(ENV_ID, dataset="iris", noise=StudentT(df=1.5))
    env.reset(seed=0)
    _, reward, _, _, info = env.step(0)
    assert "noise_std" not in info and np.isfinite(reward)


def test_horizon_gives_one_episode_and_step_after_the_end_raises():
    env = gym.make(ENV_ID, dataset="iris", horizon=3).unwrapped
    env.reset(seed=0)
    flags = [env.step(0)[2:4] for _ in range(3)]
    assert flags == [(False, False), (False, False), (False, True)]
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"dataset": "mnist"}, ValueError, "dataset"),
        ({"dataset": "iris", "n_samples": 151}, ValueError, "n_samples"),
        ({"n_samples": 0}, ValueError, "n_samples"),
        ({"arm_features": "yes"}, TypeError, "arm_features"),
        ({"problem_seed": -1}, ValueError, "problem_seed"),
        ({"noise": "cauchy"}, ValueError, "noise"),
        ({"horizon": 0}, ValueError, "horizon"),
    ],
)
def test_bad_arguments_raise(kwargs, error, name):
    with pytest.raises(error, match=name):
        gym.make(ENV_ID, **kwargs)


def test_bad_actions_raise():
    env = gym.make(ENV_ID, dataset="iris")
    env.reset(seed=0)
    with pytest.raises(ValueError):
        env.step(3)
    vector = gym.make_vec(ENV_ID, num_envs=2, dataset="iris")
    vector.reset(seed=0)
    with pytest.raises(ValueError):
        vector.step(np.array([0, 5]))


def _regret(name: str, dataset: str, horizon: int = 600, n_runs: int = 4) -> np.ndarray:
    from rlsuite.agents import make_agent
    from rlsuite.agents.callbacks import RegretLogger

    env = MulticlassBanditVectorEnv(num_envs=n_runs, dataset=dataset)
    n_arms, dim = env.single_observation_space.shape
    dims = {} if name == "Random" else {"dim": dim, "noise_scale": 0.5}
    agent = make_agent(name, n_arms=n_arms, seed=0, n_runs=n_runs, **dims)
    logger = RegretLogger()
    agent.learn(env, horizon, callback=logger)
    return logger.cumulative_regret()[-1]


@pytest.mark.parametrize("dataset", ["iris", "wine"])
def test_linucb_beats_random(dataset):
    # uniform play errs with probability 2/3 on these 3-class sets: ~400 over 600 rounds
    random_regret = _regret("Random", dataset)
    regret = _regret("LinUCB", dataset)
    assert np.all(regret < 0.5 * random_regret.mean()), (regret, random_regret)


def test_vector_env_is_backed_by_one_single_env():
    from rlsuite.envs._single_backed import SingleEnvBackedVectorEnv
    from rlsuite.envs.validation import EpisodeNotRunning

    vector = MulticlassBanditVectorEnv(num_envs=3, dataset="iris", n_samples=30, problem_seed=4)
    assert isinstance(vector, SingleEnvBackedVectorEnv)
    single = gym.make(ENV_ID, dataset="iris", n_samples=30, problem_seed=4).unwrapped
    np.testing.assert_array_equal(vector.single_env.features, single.features)
    assert vector.single_observation_space == single.observation_space
    assert (vector.n_classes, vector.dim, vector.dataset) == (3, 5, "iris")
    with pytest.raises(EpisodeNotRunning):
        vector.step(np.zeros(3, dtype=np.int64))
    with pytest.raises(TypeError, match="n_arm.*MulticlassBanditEnv"):
        MulticlassBanditVectorEnv(num_envs=2, n_arm=3)
    # num_envs * observation entries is checked before any array is made
    with pytest.raises(ValueError, match="num_envs \\* observation size"):
        MulticlassBanditVectorEnv(num_envs=10**6)
