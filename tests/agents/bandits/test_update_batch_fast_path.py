"""The fast path of ``BanditAgent.update_batch`` accepts exactly what the full checks accept."""

from __future__ import annotations

import numpy as np
import pytest

from rlsuite.agents.bandits.epsilon_greedy import EpsilonGreedy

N_ARMS, N_RUNS = 4, 5


def _agent(n_runs: int = N_RUNS) -> EpsilonGreedy:
    return EpsilonGreedy(N_ARMS, epsilon=0.1, seed=0, n_runs=n_runs)


@pytest.mark.parametrize("n_runs", [1, N_RUNS])
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.uint64])
def test_every_integer_dtype_is_range_checked(n_runs, dtype):
    agent, obs, rewards = _agent(n_runs), np.zeros((n_runs, 1)), np.ones(n_runs)
    agent.update_batch(obs, np.full(n_runs, N_ARMS - 1, dtype=dtype), rewards)
    bad = np.zeros(n_runs, dtype=dtype)
    bad[-1] = N_ARMS
    with pytest.raises(ValueError, match=r"out of range: each action must be in \[0, 3\]"):
        agent.update_batch(obs, bad, rewards)
    if np.issubdtype(dtype, np.signedinteger):
        bad[-1] = -1  # huge once viewed as unsigned: the one max catches it
        with pytest.raises(ValueError, match="out of range"):
            agent.update_batch(obs, bad, rewards)
    assert agent.t == 1


@pytest.mark.parametrize("n_runs", [1, N_RUNS])
@pytest.mark.parametrize("bad_reward", [np.nan, np.inf, -np.inf])
def test_a_non_finite_reward_of_one_run_is_rejected(n_runs, bad_reward):
    agent = _agent(n_runs)
    rewards = np.ones(n_runs)
    rewards[-1] = bad_reward
    with pytest.raises(ValueError, match="must be finite"):
        agent.update_batch(np.zeros((n_runs, 1)), np.zeros(n_runs, dtype=np.int64), rewards)
    assert agent.t == 0 and not agent.counts.any()


def test_finite_rewards_whose_sum_overflows_are_accepted():
    agent = _agent(2)
    agent.update_batch(np.zeros((2, 1)), np.array([0, 1]), np.array([1e308, 1e308]))
    assert agent.sums[:, :2].tolist() == [[1e308, 0.0], [0.0, 1e308]]


def test_lists_and_other_dtypes_still_take_the_checked_path():
    agent = _agent(2)
    agent.update_batch([[0.0], [0.0]], [0, 1], [1, 2])  # lists, integer rewards: converted
    assert agent.sums[:, :2].tolist() == [[1.0, 0.0], [0.0, 2.0]]
    with pytest.raises(ValueError, match=r"must be 2 integers \(one per run\)"):
        agent.update_batch(np.zeros((2, 1)), np.array([0.0, 1.0]), np.ones(2))
    with pytest.raises(ValueError, match=r"rewards has shape \(3,\)"):
        agent.update_batch(np.zeros((2, 1)), np.array([0, 1]), np.ones(3))
    with pytest.raises(ValueError, match="obs has shape"):
        agent.update_batch(np.zeros((2, 2)), np.array([0, 1]), np.ones(2))


def test_the_single_run_update_matches_the_batched_one():
    rng = np.random.default_rng(1)
    single, batch = _agent(1), _agent(2)
    for _ in range(50):
        arm, reward = int(rng.integers(N_ARMS)), float(rng.normal())
        single.update_batch(np.zeros((1, 1)), np.array([arm]), np.array([reward]))
        batch.update_batch(np.zeros((2, 1)), np.array([arm, arm]), np.array([reward, reward]))
    np.testing.assert_array_equal(single.counts[0], batch.counts[0])
    np.testing.assert_array_equal(single.sums[0], batch.sums[0])
    np.testing.assert_array_equal(single.values[0], batch.values[0])
    assert single.t == batch.t == 50


def test_huge_finite_rewards_of_both_signs_are_accepted():
    agent = _agent(2)
    agent.update_batch(np.zeros((2, 1)), np.array([0, 1]), np.array([1e200, -1e200]))
    assert agent.sums[:, :2].tolist() == [[1e200, 0.0], [0.0, -1e200]]


def test_byte_swapped_rewards_take_the_checked_path():
    agent = _agent(2)
    rewards = np.array([1.5, np.nan], dtype=">f8")
    with pytest.raises(ValueError, match="must be finite"):
        agent.update_batch(np.zeros((2, 1)), np.array([0, 1]), rewards)
    agent.update_batch(np.zeros((2, 1)), np.array([0, 1]), np.array([1.5, 2.5], dtype=">f8"))
    assert agent.sums[:, :2].tolist() == [[1.5, 0.0], [0.0, 2.5]]


def test_batched_exploration_draws_one_uniform_per_run_then_one_arm_per_explorer():
    # The stream the studies' seeds were recorded with: R uniforms, then the exploring
    # runs' arms in one ``integers`` call, written in run order.
    n_runs = 257
    agent = EpsilonGreedy(N_ARMS, epsilon=0.3, seed=7, n_runs=n_runs)
    rng, reward_rng = np.random.default_rng(7), np.random.default_rng(8)
    for _ in range(20):
        expected = agent.values.argmax(axis=1)
        explore = rng.random(n_runs) < 0.3
        expected[explore] = rng.integers(N_ARMS, size=np.count_nonzero(explore))
        actions = agent.select_actions(np.zeros((n_runs, 1)))
        np.testing.assert_array_equal(actions, expected)
        agent.update_batch(np.zeros((n_runs, 1)), actions, reward_rng.normal(size=n_runs))
