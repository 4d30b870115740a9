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
    assert terminated.all() and not truncated.any() and t.tolist() == [2, 3, 1]


def test_end_rounds_single_copy_matches_the_array_path():
    single, batch = np.array([0]), np.array([0, 0])
    for _ in range(7):
        one = end_rounds(single, 3)
        two = end_rounds(batch, 3)
        assert single[0] == batch[0]
        assert one[0].tolist() == two[0][:1].tolist()
        assert one[1].tolist() == two[1][:1].tolist()
        assert one[1].dtype == bool and one[1].shape == (1,)
