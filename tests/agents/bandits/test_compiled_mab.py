"""The compiled bandit kernels compute exactly what the numpy forms they replace compute."""

from __future__ import annotations

import numpy as np
import pytest

from rlsuite.agents.bandits._compiled_mab import add_pulled_rewards, row_argmax
from rlsuite.agents.bandits.epsilon_greedy import EpsilonGreedy


def test_row_argmax_matches_numpy_with_ties_infinities_and_nans() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        values = rng.random((int(rng.integers(1, 40)), int(rng.integers(1, 9))))
        for fill, share in ((np.inf, 0.2), (-np.inf, 0.1), (np.nan, 0.05), (0.5, 0.3)):
            values[rng.random(values.shape) < share] = fill
        np.testing.assert_array_equal(row_argmax(values), values.argmax(axis=1))


def test_row_argmax_reads_non_contiguous_rows() -> None:
    values = np.random.default_rng(1).random((20, 12))[:, ::2]
    np.testing.assert_array_equal(row_argmax(values), values.argmax(axis=1))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint64, np.uint8])
def test_add_pulled_rewards_is_bit_identical_to_the_numpy_update(dtype: type) -> None:
    rng = np.random.default_rng(2)
    runs, arms = 64, 5
    counts, sums = np.zeros((runs, arms)), np.zeros((runs, arms))
    means = np.full((runs, arms), np.inf)
    expected = counts.copy(), sums.copy(), means.copy()
    rows = np.arange(runs)
    for _ in range(50):
        actions = rng.integers(arms, size=runs).astype(dtype)
        rewards = rng.standard_t(2.0, size=runs) * 1e3
        add_pulled_rewards(counts, sums, means, actions, rewards)
        c, s, m = expected
        c[rows, actions] += 1.0
        s[rows, actions] += rewards
        m[rows, actions] = s[rows, actions] / c[rows, actions]
    for got, want in zip((counts, sums, means), expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_batched_epsilon_greedy_equals_single_runs_fed_the_same_draws() -> None:
    # Run r of a batched agent and a single-run agent see the same rewards; with
    # epsilon = 0 (no draws) the compiled path must choose and learn exactly alike.
    runs, arms = 8, 4
    batched = EpsilonGreedy(arms, epsilon=0.0, seed=0, n_runs=runs)
    singles = [EpsilonGreedy(arms, epsilon=0.0, seed=0) for _ in range(runs)]
    rng = np.random.default_rng(3)
    obs = np.zeros((runs, 1))
    for _ in range(200):
        actions = batched.select_actions(obs)
        rewards = rng.normal(size=runs) + actions
        for run, agent in enumerate(singles):
            assert agent.select_actions(obs[:1])[0] == actions[run]
            agent.update_batch(obs[:1], actions[run : run + 1], rewards[run : run + 1])
        batched.update_batch(obs, actions, rewards)
    for run, agent in enumerate(singles):
        np.testing.assert_array_equal(batched.values[run], agent.values[0])
