import numpy as np
import pytest

from rlsuite.agents.multiobjective.metrics import expected_utility, hypervolume, pareto_front


def test_hypervolume_of_a_staircase_front_by_hand():
    # Boxes [0,1]x[0,3], [1,2]x[0,2], [2,3]x[0,1]: 3 + 2 + 1.
    assert hypervolume([[1, 3], [2, 2], [3, 1]], [0, 0]) == pytest.approx(6.0)
    # Shifted reference: (1-0.5)(3-0.5) + (2-1)(2-0.5) + (3-2)(1-0.5) = 1.25 + 1.5 + 0.5.
    assert hypervolume([[3, 1], [1, 3], [2, 2]], [0.5, 0.5]) == pytest.approx(3.25)


def test_hypervolume_ignores_dominated_points_and_points_outside_ref():
    front = [[1, 3], [2, 2], [3, 1]]
    extra = front + [[1.5, 1.5], [0.5, 2.5], [4, -1], [2, 2]]
    assert hypervolume(extra, [0, 0]) == pytest.approx(6.0)
    assert hypervolume([[-1, 5]], [0, 0]) == 0.0
    assert hypervolume([[0, 5]], [0, 0]) == 0.0  # on the boundary: zero volume


def test_hypervolume_of_a_single_point_and_in_three_dimensions():
    assert hypervolume([[0.7, 0.4]], [0.2, 0.1]) == pytest.approx(0.5 * 0.3)
    # Three 2x1x1 boxes: 3*2 - 3*1 (pairwise overlaps) + 1 (triple) = 4.
    assert hypervolume([[2, 1, 1], [1, 2, 1], [1, 1, 2]], [0, 0, 0]) == pytest.approx(4.0)


def test_hypervolume_grows_when_a_point_improves():
    base = hypervolume([[1, 3], [2, 2], [3, 1]], [0, 0])
    assert hypervolume([[1, 3], [2.5, 2], [3, 1]], [0, 0]) > base


def test_pareto_front_filters_dominated_and_duplicate_points():
    front = pareto_front([[1, 3], [2, 2], [1, 2], [2, 2], [0, 3]])
    np.testing.assert_array_equal(front, [[1, 3], [2, 2]])


def test_expected_utility_by_hand():
    front = [[1, 0], [0, 1], [0.6, 0.6]]
    weights = [[1, 0], [0.5, 0.5], [0, 1]]
    # max(1, 0, .6) = 1; max(.5, .5, .6) = .6; max(0, 1, .6) = 1 -> 2.6 / 3.
    assert expected_utility(front, weights) == pytest.approx(2.6 / 3)
    assert expected_utility([[1, 0], [0, 1]], weights) == pytest.approx(2.5 / 3)


@pytest.mark.parametrize(
    "points, ref, match",
    [
        ([1, 2], [0, 0], "points"),
        (np.zeros((0, 2)), [0, 0], "points"),
        ([[1, np.inf]], [0, 0], "points"),
        ([[1, 2]], [0, 0, 0], "ref"),
        ([[1, 2]], [0, np.nan], "ref"),
    ],
)
def test_hypervolume_invalid_input_raises(points, ref, match):
    with pytest.raises(ValueError, match=match):
        hypervolume(points, ref)


@pytest.mark.parametrize(
    "weights, match",
    [
        ([[0.5, 0.6]], "weights"),
        ([[1.5, -0.5]], "weights"),
        ([[1, 0, 0]], "weights"),
        ([1, 0], "weights"),
    ],
)
def test_expected_utility_invalid_weights_raise(weights, match):
    with pytest.raises(ValueError, match=match):
        expected_utility([[1, 0], [0, 1]], weights)
