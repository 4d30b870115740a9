import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import rlsuite.envs  # noqa: F401 - registers the IDs
from rlsuite.envs.preference_bandit import (
    PreferenceBanditEnv,
    make_preference_dataset,
    sampling_probs,
)


def test_default_env_passes_gymnasium_and_sb3_checkers():
    env = gym.make("rlsuite/PreferenceBandit-v1")
    check_env(env.unwrapped)
    sb3_check_env(env)


def test_reset_with_seed_is_deterministic_and_reward_range_is_exact():
    a = PreferenceBanditEnv(reward_range=4.0, reference_policy="random")
    b = PreferenceBanditEnv(reward_range=4.0, reference_policy="random")
    obs_a, _ = a.reset(seed=3)
    obs_b, _ = b.reset(seed=3)
    np.testing.assert_array_equal(obs_a, obs_b)
    np.testing.assert_array_equal(a.rewards, b.rewards)
    np.testing.assert_array_equal(a.reference_probs, b.reference_probs)
    np.testing.assert_allclose(np.ptp(a.rewards, axis=1), 4.0)
    assert obs_a.dtype == np.float32 and obs_a.sum() == 1.0


def test_step_reports_true_reward_and_ground_truth():
    env = PreferenceBanditEnv(n_contexts=3, n_responses=5, reference_policy="uniform")
    obs, info = env.reset(seed=0)
    x = int(obs.argmax())
    assert info["context"] == x
    _, reward, terminated, truncated, info = env.step(2)
    assert isinstance(reward, float) and terminated and not truncated
    assert reward == pytest.approx(env.rewards[x, 2]) == info["expected_reward"]
    assert info["optimal_action"] == int(env.rewards[x].argmax())
    assert info["regret"] == pytest.approx(env.rewards[x].max() - reward)
    assert info["log_reference_prob"] == pytest.approx(np.log(1 / 5))


def test_kl_to_reference_in_info_once_a_policy_is_set():
    env = PreferenceBanditEnv(n_contexts=2, n_responses=3, reference_policy="uniform")
    env.reset(seed=0)
    greedy = np.eye(3)[env.rewards.argmax(axis=1)]
    env.set_policy(greedy)
    _, info = env.reset()
    assert info["kl_to_reference"] == pytest.approx(np.log(3))
    assert env.kl_to_reference(env.reference_probs) == pytest.approx(0.0)
    assert env.expected_return(greedy) == pytest.approx(env.rewards.max(axis=1).mean())


def test_horizon_gives_one_truncated_episode_with_fresh_contexts():
    env = PreferenceBanditEnv(n_contexts=4, horizon=3)
    env.reset(seed=1)
    flags = [env.step(0)[2:4] for _ in range(3)]
    assert flags == [(False, False), (False, False), (False, True)]


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_responses": 1}, "n_responses"),
        ({"n_contexts": 0}, "n_contexts"),
        ({"reward_range": 0.0}, "reward_range"),
        ({"temperature": -1.0}, "temperature"),
        ({"reference_policy": "sft"}, "reference_policy"),
        ({"rewards": np.zeros((2, 2))}, "rewards"),
    ],
)
def test_bad_parameters_raise_value_error_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PreferenceBanditEnv(**kwargs)


def test_out_of_range_action_raises():
    env = PreferenceBanditEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.step(16)


def test_bradley_terry_labels_match_the_logistic_probability():
    # Two responses with reward gap 1 at temperature 1: P(better wins) = sigmoid(1) = 0.731.
    # With 20000 pairs (about half of them distinct) the frequency has sd < 0.005; tol 0.02.
    env = PreferenceBanditEnv(n_contexts=1, n_responses=2, rewards=[[1.0, 0.0]])
    env.reset(seed=0)
    data = make_preference_dataset(env, "uniform", 20000, seed=1)
    distinct = data.chosen != data.rejected
    freq = np.mean(data.chosen[distinct] == 0)
    assert freq == pytest.approx(1 / (1 + np.exp(-1.0)), abs=0.02)


def test_zero_temperature_labels_are_clean_and_censored_mu_skips_the_best():
    env = PreferenceBanditEnv(temperature=0.0)
    env.reset(seed=2)
    data = make_preference_dataset(env, "censored", 3000, seed=0)
    r = env.rewards
    distinct = data.chosen != data.rejected
    assert np.all(
        r[data.contexts, data.chosen][distinct] > r[data.contexts, data.rejected][distinct]
    )
    top = np.argsort(-r, axis=1)[:, :4]
    assert not np.any(np.take_along_axis(data.seen_mask(), top, axis=1))
    mu = sampling_probs(r, "skewed")
    assert np.all(mu.argmin(axis=1) == r.argmax(axis=1)) and np.all(mu > 0)


def test_dataset_needs_a_drawn_problem_and_valid_arguments():
    with pytest.raises(RuntimeError, match="reset"):
        make_preference_dataset(PreferenceBanditEnv(problem_seed=None), "uniform", 10, seed=0)
    env = PreferenceBanditEnv()  # v1: the problem exists from construction
    assert len(make_preference_dataset(env, "uniform", 10, seed=0)) == 10
    with pytest.raises(ValueError, match="sampling_policy"):
        make_preference_dataset(env, "greedy", 10, seed=0)
    with pytest.raises(ValueError, match="n_pairs"):
        make_preference_dataset(env, "uniform", 0, seed=0)


def test_a_reward_table_beyond_max_size_entries_is_refused_naming_the_product():
    with pytest.raises(ValueError, match=r"n_contexts \* n_responses = 4000 \* 4000 = 16000000"):
        PreferenceBanditEnv(n_contexts=4000, n_responses=4000)
