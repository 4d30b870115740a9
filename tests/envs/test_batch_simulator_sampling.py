"""``batch_simulator.sample_actions`` is the project's ``sample_categorical``, stream for stream.

The hand-rolled sampler it replaced is kept here as the reference: on the same
generator state both consume the same uniforms and give the same actions,
except in the measure-zero cases where the old one drew an action of
probability 0.
"""

import numpy as np
import pytest

from rlsuite.envs.batch_simulator import sample_actions


def _old_sample_actions(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The cumsum sampler ``sample_actions`` was before it used ``sample_categorical``."""
    draws = (np.cumsum(probs, axis=1) < rng.random((len(probs), 1))).sum(axis=1)
    return np.minimum(draws, probs.shape[1] - 1)


class _FixedUniforms:
    """A generator stand-in whose ``random(shape)`` returns the given uniforms."""

    def __init__(self, uniforms: np.ndarray) -> None:
        self.uniforms = np.asarray(uniforms, dtype=float)

    def random(self, shape: tuple[int, ...]) -> np.ndarray:
        return self.uniforms.reshape(shape)


@pytest.mark.parametrize("n_actions", [2, 3, 7])
def test_identical_draws_and_stream_as_the_old_cumsum_sampler(n_actions):
    rows = np.random.default_rng(n_actions).dirichlet(np.full(n_actions, 0.5), size=20_000)
    rows[::7, 0] = 0.0  # some actions of probability 0
    rows[3::7, -1] = 0.0  # (other rows: no row loses every action)
    rows /= rows.sum(axis=1, keepdims=True)
    new_rng, old_rng = np.random.default_rng(123), np.random.default_rng(123)
    for _ in range(3):  # successive calls keep the streams in step
        new = sample_actions(rows, new_rng)
        old = _old_sample_actions(rows, old_rng)
        np.testing.assert_array_equal(new, old)
        assert new.dtype.kind == "i" and new.shape == (len(rows),)
    assert new_rng.random() == old_rng.random()  # the same number of uniforms consumed


def test_an_action_of_probability_zero_is_never_drawn():
    probs = np.array([[0.0, 1.0], [0.5, 0.5]])
    # u = 0: the old sampler gave action 0 of the first row, whose probability is 0.
    assert _old_sample_actions(probs, _FixedUniforms([0.0, 0.0])).tolist() == [0, 0]
    assert sample_actions(probs, _FixedUniforms([0.0, 0.0])).tolist() == [1, 0]
    # A last cumulative sum rounded below the uniform: the old one fell onto action 2 (p = 0).
    tail = np.array([[0.1, 0.2, 0.7 - 2e-16, 0.0]])
    u = np.nextafter(np.cumsum(tail)[2], 1.0)
    assert _old_sample_actions(tail, _FixedUniforms([u])).tolist() == [3]
    assert sample_actions(tail, _FixedUniforms([u])).tolist() == [2]
