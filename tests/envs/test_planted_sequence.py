import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import rlsuite.envs  # noqa: F401
from rlsuite.envs.planted_sequence import PlantedSequenceEnv, matching_automaton


def _contains(tokens, target):
    n = len(target)
    return any(list(tokens[i : i + n]) == list(target) for i in range(len(tokens) - n + 1))


def _longest_match(tokens, target):
    if _contains(tokens, target):
        return len(target)
    return max(j for j in range(len(target)) if j == 0 or list(tokens[-j:]) == list(target[:j]))


def test_default_env_passes_both_checkers():
    env = gym.make("rlsuite/PlantedSequence-v1")
    check_env(env.unwrapped)
    sb3_check_env(env)
    assert env.observation_space == gym.spaces.MultiDiscrete([16] * 10)
    assert env.action_space == gym.spaces.Discrete(15)


def test_target_is_fixed_by_problem_seed_and_not_by_reset_seeds():
    env = PlantedSequenceEnv(problem_seed=2)
    targets = [env.reset(seed=s)[1]["target"] for s in (0, 1)] + [env.reset()[1]["target"]]
    for target in targets[1:]:
        np.testing.assert_array_equal(target, targets[0])
    assert targets[0].shape == (5,) and targets[0].min() >= 0 and targets[0].max() < 15
    others = [PlantedSequenceEnv(problem_seed=s).target for s in (3, 4)]
    assert not all(np.array_equal(targets[0], other) for other in others)
    # problem_seed=None is v0: the target of reset(seed=s) is v1's target of problem_seed=s.
    legacy = PlantedSequenceEnv(problem_seed=None)
    np.testing.assert_array_equal(legacy.reset(seed=2)[1]["target"], targets[0])
    np.testing.assert_array_equal(legacy.reset()[1]["target"], targets[0])
    np.testing.assert_array_equal(legacy.reset(seed=3)[1]["target"], others[0])
    fixed = PlantedSequenceEnv(target=[1, 2, 3, 4, 5])
    np.testing.assert_array_equal(fixed.reset(seed=7)[1]["target"], [1, 2, 3, 4, 5])


def test_reward_is_one_iff_target_occurs_and_state_matches_kmp():
    # A 3-token vocabulary and a self-overlapping target make hits and
    # KMP fall-backs frequent, so 300 random responses exercise both branches.
    target = [0, 0, 1, 0, 0]
    env = PlantedSequenceEnv(vocab_size=3, length=10, target=target)
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(300):
        obs, info = env.reset()
        tokens = rng.integers(0, 3, 10)
        for h, token in enumerate(tokens):
            obs, reward, terminated, truncated, info = env.step(int(token))
            assert info["matching_state"] == _longest_match(tokens[: h + 1], target)
            assert obs[h] == token and (obs[h + 1 :] == 3).all()
            assert not truncated and terminated == (h == 9)
        assert reward == float(_contains(tokens, target)) == float(info["is_success"])
        assert isinstance(reward, float)
        hits += reward
    assert 0 < hits < 300


def test_matching_automaton_is_absorbing_at_success():
    automaton = matching_automaton([2, 2], vocab_size=3)
    np.testing.assert_array_equal(automaton, [[0, 0, 1], [0, 0, 2], [2, 2, 2]])


def test_writing_the_target_succeeds_and_seeded_episodes_repeat():
    env = PlantedSequenceEnv()
    _, info = env.reset(seed=3)
    for token in [0, 1, *info["target"], 0, 0, 0]:
        _, reward, *_ = env.step(int(token))
    assert reward == 1.0
    first = [env.reset(seed=4)[1]["target"].tolist() for _ in range(2)]
    assert first[0] == first[1]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"vocab_size": 1},
        {"length": 0},
        {"target_length": 11},
        {"target_length": 0},
        {"target": [1, 2, 3]},
        {"target": [1, 2, 3, 4, 15]},
        {"target": [0.5, 1, 2, 3, 4]},
    ],
)
def test_invalid_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        PlantedSequenceEnv(**kwargs)


@pytest.mark.parametrize("action", [15, -1, 1.5, [1]])
def test_invalid_actions_raise(action):
    env = PlantedSequenceEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError):
        env.step(action)


def test_stepping_past_the_end_raises():
    env = PlantedSequenceEnv(length=5)
    env.reset(seed=0)
    for _ in range(5):
        env.step(0)
    with pytest.raises(RuntimeError):
        env.step(0)
