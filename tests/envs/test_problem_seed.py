"""One problem per env instance: ``problem_seed`` fixes it, ``reset(seed=...)`` only the noise."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3.common.env_util import make_vec_env

import rlsuite.envs  # noqa: F401

#: env id -> the arrays that define its problem (arm means, reward table, y*, domains, ...)
PROBLEM = {
    "rlsuite/MultiArmedBandit-v1": lambda env: [env.means],
    "rlsuite/PreferenceBandit-v1": lambda env: [env.rewards],
    "rlsuite/PlantedSequence-v1": lambda env: [env.target],
    "rlsuite/DataMixture-v1": lambda env: [env.transitions],
    "rlsuite/DataMixture-v2": lambda env: [env.transitions, env.end_task_transitions],
    "rlsuite/MultiObjectiveBandit-v0": lambda env: [
        env.expected_reward_table,
        env.reference_log_probs,
    ],
}
KWARGS = {"rlsuite/PreferenceBandit-v1": {"reference_policy": "random"}}


def _problem(env_id: str, env: gym.Env) -> list[np.ndarray]:
    return [np.array(part) for part in PROBLEM[env_id](env.unwrapped)]


def _assert_same(first: list[np.ndarray], second: list[np.ndarray]) -> None:
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.filterwarnings("ignore:.*reward returned by `step\\(\\)` must be")
@pytest.mark.parametrize("env_id", sorted(PROBLEM))
def test_sb3_copies_and_a_separately_seeded_eval_env_pose_one_problem(env_id):
    kwargs = KWARGS.get(env_id, {})
    train = make_vec_env(env_id, n_envs=4, seed=0, env_kwargs=kwargs)
    train.reset()
    problems = [_problem(env_id, env) for env in train.envs]
    evaluation = gym.make(env_id, **kwargs)
    evaluation.reset(seed=12345)
    for problem in problems[1:] + [_problem(env_id, evaluation)]:
        _assert_same(problems[0], problem)
    # ... and another problem_seed is another problem.
    other = gym.make(env_id, problem_seed=1, **kwargs)
    other.reset(seed=0)
    assert not all(
        np.array_equal(a, b) for a, b in zip(problems[0], _problem(env_id, other), strict=True)
    )


def test_sb3_bandit_copies_see_one_best_arm_and_one_set_of_means_with_their_own_noise():
    env_id, kwargs = "rlsuite/MultiArmedBandit-v1", {"noise": "student_t"}
    train = make_vec_env(env_id, n_envs=4, seed=0, env_kwargs=kwargs)
    train.reset()
    _, rewards, _, infos = train.step(np.zeros(4, dtype=np.int64))
    _, eval_info = gym.make(env_id, **kwargs).reset(seed=99)
    assert len({info["optimal_action"] for info in infos} | {eval_info["optimal_action"]}) == 1
    for info in infos:
        np.testing.assert_array_equal(info["expected_rewards"], eval_info["expected_rewards"])
    assert len(set(rewards.tolist())) == 4  # copies seeded 0..3 draw their own noise


@pytest.mark.parametrize(
    "env_id",
    [
        "rlsuite/MultiArmedBandit-v1",
        "rlsuite/PreferenceBandit-v1",
        "rlsuite/MultiObjectiveBandit-v0",
    ],
)
def test_native_vector_env_copies_share_the_single_env_problem(env_id):
    single = gym.make(env_id)
    vector = gym.make_vec(env_id, num_envs=3, vectorization_mode="vector_entry_point")
    vector.reset(seed=7)
    _, info = single.reset(seed=8)
    _, _, _, _, infos = vector.step(np.zeros(3, dtype=np.int64))
    if "MultiArmed" in env_id:
        for row in infos["expected_rewards"]:
            np.testing.assert_array_equal(row, single.unwrapped.means)
    elif "Preference" in env_id:
        for row in vector.unwrapped.rewards:
            np.testing.assert_array_equal(row, single.unwrapped.rewards)
    else:
        table = single.unwrapped.expected_reward_table
        np.testing.assert_array_equal(infos["expected_rewards"], table[infos["context"]])


@pytest.mark.parametrize("env_id", [env_id for env_id in PROBLEM if env_id.endswith("-v1")])
def test_v0_is_kept_deprecated_and_draws_the_problem_at_seeded_resets(env_id):
    old_id = env_id.replace("-v1", "-v0")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = gym.make(old_id)
    assert any("out of date" in str(w.message) for w in caught)
    old.reset(seed=5)
    # v0's reset(seed=5) drew the problem that v1 fixes with problem_seed=5.
    _assert_same(_problem(env_id, old), _problem(env_id, gym.make(env_id, problem_seed=5)))
    old.reset(seed=6)
    assert not all(
        np.array_equal(a, b)
        for a, b in zip(
            _problem(env_id, old), _problem(env_id, gym.make(env_id, problem_seed=5)), strict=True
        )
    )


@pytest.mark.parametrize("bad", [-1, 2**63, 1.5, "0", True])
def test_problem_seed_is_checked(bad):
    error = ValueError if isinstance(bad, int) and not isinstance(bad, bool) else TypeError
    for env_id in PROBLEM:
        with pytest.raises(error, match="problem_seed="):
            gym.make(env_id, problem_seed=bad)
