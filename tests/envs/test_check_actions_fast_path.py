"""The fast path of ``check_actions`` accepts exactly what the checked path accepts."""

from __future__ import annotations

import numpy as np
import pytest

from rlsuite.envs._vector import end_rounds
from rlsuite.envs.validation import check_actions


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint64])
@pytest.mark.parametrize("num_envs", [1, 5])
def test_valid_actions_pass_and_every_bad_one_raises(dtype, num_envs):
    good = np.arange(num_envs, dtype=dtype) % 3
    assert check_actions(good, num_envs, 3) is good
    bad = good.copy()
    bad[-1] = 3
    with pytest.raises(ValueError, match=r"out of range: must be in \[0, 2\]"):
        check_actions(bad, num_envs, 3)
    if np.issubdtype(dtype, np.signedinteger):
        bad[-1] = -1  # an unsigned view makes it huge: the one comparison catches it
        with pytest.raises(ValueError, match="out of range"):
            check_actions(bad, num_envs, 3)


def test_other_inputs_take_the_checked_path():
    np.testing.assert_array_equal(check_actions([0, 2], 2, 3), [0, 2])
    with pytest.raises(ValueError, match=r"integers of shape \(2,\)"):
        check_actions(np.array([0.0, 1.0]), 2, 3)
    with pytest.raises(ValueError, match=r"integers of shape \(2,\)"):
        check_actions(np.array([0, 1, 2]), 2, 3)
    with pytest.raises(ValueError, match="out of range"):
        check_actions([0, -1], 2, 3)
    # n_actions beyond the dtype's range: every value is in range.
    assert check_actions(np.array([255], dtype=np.uint8), 1, 300)[0] == 255


def test_end_rounds_truncates_at_the_horizon_only():
    t = np.array([0, 1, 2])
    terminated, truncated = end_rounds(t, 3)
    assert not terminated.any() and truncated.tolist() == [False, False, True]
    assert t.tolist() == [1, 2, 0]
    terminated, truncated = end_rounds(t, None)
    # One-round episodes: every copy terminates and no counter moves.
    assert terminated.all() and not truncated.any() and t.tolist() == [1, 2, 0]


def test_end_rounds_single_copy_matches_the_array_path():
    single, batch = np.array([0]), np.array([0, 0])
    for _ in range(7):
        one = end_rounds(single, 3)
        two = end_rounds(batch, 3)
        assert single[0] == batch[0]
        assert one[0].tolist() == two[0][:1].tolist()
        assert one[1].tolist() == two[1][:1].tolist()
        assert one[1].dtype == bool and one[1].shape == (1,)


def test_end_rounds_single_copy_without_horizon_matches_the_array_path():
    single, batch = np.array([0]), np.array([0, 0])
    for _ in range(3):
        one, two = end_rounds(single, None), end_rounds(batch, None)
        assert single[0] == batch[0]
        assert one[0].tolist() == [True] and one[1].tolist() == [False]
        assert one[0].dtype == two[0].dtype == bool
        assert one[1].dtype == two[1].dtype == bool
    # Fresh arrays every round: a caller may keep or modify them.
    first, _ = end_rounds(single, None)
    first[0] = False
    assert end_rounds(single, None)[0][0]


@pytest.mark.parametrize("num_envs", [1, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint64, np.int32, np.int64])
def test_mab_vector_env_takes_every_integer_dtype(num_envs, dtype):
    from rlsuite.envs.multi_armed_bandit import MultiArmedBanditVectorEnv

    env = MultiArmedBanditVectorEnv(num_envs=num_envs, n_arms=5, noise="gaussian")
    env.reset(seed=3)
    actions = np.arange(num_envs, dtype=dtype) % 5
    _, rewards, _, _, infos = env.step(actions)
    reference = MultiArmedBanditVectorEnv(num_envs=num_envs, n_arms=5, noise="gaussian")
    reference.reset(seed=3)
    _, expected, _, _, ref_infos = reference.step(actions.astype(np.int64))
    np.testing.assert_array_equal(rewards, expected)
    np.testing.assert_array_equal(infos["expected_reward"], env.means[np.arange(num_envs), actions])
    np.testing.assert_array_equal(infos["regret"], ref_infos["regret"])


def _noise_models():
    from rlsuite.envs.noise import NOISE_NAMES, Spike

    return [*sorted(NOISE_NAMES), Spike(p=0.1)]


@pytest.mark.parametrize("noise", _noise_models(), ids=str)
def test_mab_vector_env_rewards_follow_the_noise_models_own_sampler(noise):
    """The additive fast path draws what ``noise.sample_rewards`` draws from the same stream."""
    from rlsuite.envs.multi_armed_bandit import MultiArmedBanditVectorEnv

    for num_envs in (1, 6):
        env = MultiArmedBanditVectorEnv(num_envs=num_envs, n_arms=4, noise=noise)
        env.reset(seed=11)
        rng = np.random.default_rng()
        rng.bit_generator.state = env.np_random.bit_generator.state
        actions = np.arange(num_envs) % 4
        for _ in range(3):
            _, rewards, _, _, infos = env.step(actions)
            expected = env.noise.sample_rewards(rng, infos["expected_reward"])
            np.testing.assert_array_equal(rewards, expected)
