"""The one categorical sampler (``sample_categorical`` / ``CategoricalTable``) and its callers."""

import bisect
import warnings

import numpy as np
import pytest

from rlsuite.envs.validation import CategoricalTable, sample_categorical


def test_stream_matches_the_hand_written_cumsum_samplers_it_replaced():
    rng_probs = np.random.default_rng(0)
    probs = rng_probs.dirichlet(np.ones(6), size=500)
    new = sample_categorical(probs, np.random.default_rng(3))
    u = np.random.default_rng(3).random((500, 1))
    np.testing.assert_array_equal(new, (u > np.cumsum(probs, axis=1)).sum(axis=1))  # agents'
    np.testing.assert_array_equal(new, (np.cumsum(probs, axis=1) > u).argmax(axis=1))  # bandit_log


def test_draws_follow_the_probabilities():
    probs = np.array([0.1, 0.0, 0.6, 0.3])
    draws = sample_categorical(np.tile(probs, (40_000, 1)), np.random.default_rng(1))
    freq = np.bincount(draws, minlength=4) / len(draws)
    # 4 standard errors of a frequency with p <= 0.6 at n = 40000 is < 0.01
    np.testing.assert_allclose(freq, probs, atol=0.01)
    assert freq[1] == 0.0


def test_zero_probability_categories_are_never_drawn_at_the_edges():
    # Leading and trailing zeros; the last cumulative sum rounds below 1.
    probs = np.array([[0.0, 0.1, 0.2, 0.7 - 1e-15, 0.0]])
    table = CategoricalTable(probs)
    assert table.cdf[0, -1] < 1.0
    edges = np.array([0.0, 1e-300, 0.1, np.nextafter(1.0, 0.0)])
    drawn = table.from_uniforms(edges, rows=np.zeros(len(edges), dtype=np.int64))
    np.testing.assert_array_equal(drawn, [1, 1, 1, 3])
    # u exactly on a cumulative sum falls in the bin that ends there: (cdf[a-1], cdf[a]]
    np.testing.assert_array_equal(CategoricalTable([0.5, 0.5]).from_uniforms([0.5]), [0])


def test_rows_index_the_table_and_sample_draws_one_uniform_per_row():
    probs = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    table = CategoricalTable(probs)
    rows = np.array([2, 0, 1, 1, 2])
    np.testing.assert_array_equal(
        table.sample(np.random.default_rng(0), rows=rows), [1, 0, 2, 2, 1]
    )
    rng = np.random.default_rng(5)
    table.sample(rng, rows=rows)
    assert rng.random() == np.random.default_rng(5).random(6)[-1]  # exactly 5 uniforms used
    # 1-D probabilities: one draw, a 0-d array
    assert CategoricalTable([0.0, 1.0]).sample(np.random.default_rng(0)).shape == ()


def test_pav_sampled_gradient_equals_the_per_response_loop_it_replaced():
    from rlsuite.agents.process import PAVPolicyGradient
    from rlsuite.envs.planted_sequence import PlantedSequenceEnv

    def old_loop(agent, env):  # the bisect sampler of the per-response loop, before the table
        cdf = np.cumsum(agent.policy_probs(), axis=1).tolist()
        actions = np.empty((agent.batch_size, agent.length), dtype=np.int64)
        for i in range(agent.batch_size):
            _, info = env.reset()
            uniforms = agent.rng.random(agent.length).tolist()
            for h in range(agent.length):
                a = min(bisect.bisect_right(cdf[int(info["matching_state"])], uniforms[h]), 14)
                actions[i, h] = a
                _, _, _, _, info = env.step(a)
        return actions

    new = PAVPolicyGradient(prover=4.0, batch_size=16, seed=3, init_gamma=3.0)
    old = PAVPolicyGradient(prover=4.0, batch_size=16, seed=3, init_gamma=3.0)
    env = PlantedSequenceEnv()
    env.reset(seed=0)
    for agent in (new, old):
        agent.set_target(env.unwrapped.target, env.unwrapped.length)
    played = []
    real_step = env.step

    def recording_step(action):
        played.append(action)
        return real_step(action)

    env.step = recording_step
    new._sampled_gradient(env)
    np.testing.assert_array_equal(np.reshape(played, (16, -1)), old_loop(old, PlantedSequenceEnv()))


def test_pav_refuses_an_env_whose_target_is_not_the_agents():
    from rlsuite.agents.process import PAVPolicyGradient
    from rlsuite.envs.planted_sequence import PlantedSequenceEnv

    agent = PAVPolicyGradient(prover=4.0, batch_size=4, seed=0, init_gamma=50.0)
    agent.set_target([1, 2, 3, 4, 5], length=10)  # not the env's y*
    env = PlantedSequenceEnv()
    env.reset(seed=0)
    with warnings.catch_warnings(), pytest.raises(RuntimeError, match="matching_state"):
        warnings.simplefilter("ignore")
        agent._sampled_gradient(env)
