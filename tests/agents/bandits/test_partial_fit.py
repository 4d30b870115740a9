"""``partial_fit`` folds a whole log into the same state as round-by-round ``update_batch``."""

from __future__ import annotations

import numpy as np
import pytest

from rlsuite.agents import make_agent
from rlsuite.agents.bandits import AGENTS
from rlsuite.offline_data.bandit_log import BanditFeedback

K, D, N = 4, 3, 300

MAB = {
    "Random": {},
    "EpsilonGreedy": {"epsilon": 0.1},
    "UCB1": {},
    "ThompsonSampling": {},
    "RobustUCB": {"estimator": "truncated_mean"},
    "GradientBandit": {"eta": 0.5, "baseline": True},
}
LINEAR = {"LinUCB": {}, "OFUL": {}, "CatoniOFUL": {}, "VACatoni": {}, "HeavyOFUL": {}}
STATE = (
    "t counts sums values logits reward_mean samples v_inv logdet b theta "
    "n_obs _x _y _sigma_bar _aux scale _history"
).split()


def test_every_registered_bandit_agent_is_covered():
    assert set(AGENTS) == set(MAB) | set(LINEAR)


def make_log(n_runs: int, linear: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    actions = rng.integers(K, size=(N, n_runs))
    rewards = rng.standard_t(3, size=(N, n_runs)) + 0.3 * actions
    contexts = rng.normal(size=(N, n_runs, K, D)) / np.sqrt(D) if linear else None
    return actions, rewards, contexts


def replay(agent, actions, rewards, contexts, noise_std=None):
    for i in range(len(actions)):
        obs = np.zeros((agent.n_runs, 1)) if contexts is None else contexts[i]
        infos = None if noise_std is None else {"noise_std": np.full(agent.n_runs, noise_std)}
        agent.update_batch(obs, actions[i], rewards[i], infos)
    return agent


def assert_same_state(folded, replayed, rtol):
    for name in STATE:
        if hasattr(replayed, name):
            got, want = getattr(folded, name), getattr(replayed, name)
            # A tuple holds one array per part (VACatoni's per-layer histories).
            pairs = zip(got, want, strict=True) if isinstance(want, tuple) else [(got, want)]
            for got, want in pairs:
                np.testing.assert_allclose(
                    np.asarray(got, dtype=float),
                    np.asarray(want, dtype=float),
                    rtol=rtol,
                    atol=1e-10,
                    err_msg=name,
                )


@pytest.mark.parametrize("n_runs", [1, 3])
@pytest.mark.parametrize("name", sorted(MAB))
def test_multi_armed_agents_match_round_by_round(name, n_runs):
    actions, rewards, _ = make_log(n_runs, linear=False)
    kwargs = {"n_arms": K, "seed": 1, "n_runs": n_runs, **MAB[name]}
    replayed = replay(make_agent(name, **kwargs), actions, rewards, None)
    folded = make_agent(name, **kwargs)
    if n_runs == 1:
        folded.partial_fit(actions[:, 0], rewards[:, 0])
    else:
        folded.partial_fit(actions[:150], rewards[:150]).partial_fit(actions[150:], rewards[150:])
    if hasattr(folded, "counts"):  # counts are exact
        np.testing.assert_array_equal(folded.counts, replayed.counts)
    if name == "RobustUCB":
        # Samples are exact; estimates are those of the next round's L for every arm.
        np.testing.assert_array_equal(
            folded.samples[..., : replayed.samples.shape[2]], replayed.samples
        )
        rows, arms = np.nonzero(replayed.counts > 0)
        fresh = replayed._estimate(rows, arms, replayed._log_term())
        np.testing.assert_allclose(folded.estimates[rows, arms], fresh, rtol=1e-12)
        return
    assert_same_state(folded, replayed, rtol=1e-12)
    obs = np.zeros((n_runs, 1))
    np.testing.assert_array_equal(folded.greedy_actions(obs), replayed.greedy_actions(obs))


@pytest.mark.parametrize("estimator", ["median_of_means", "catoni"])
def test_robust_ucb_estimators_fold_the_same_samples(estimator):
    actions, rewards, _ = make_log(1, linear=False, seed=2)
    kwargs = {"n_arms": K, "estimator": estimator}
    replayed = replay(make_agent("RobustUCB", **kwargs), actions, rewards, None)
    folded = make_agent("RobustUCB", **kwargs).partial_fit(actions[:, 0], rewards[:, 0])
    rows, arms = np.nonzero(replayed.counts > 0)
    fresh = replayed._estimate(rows, arms, replayed._log_term())
    np.testing.assert_allclose(folded.estimates[rows, arms], fresh, rtol=1e-7)


def test_bernoulli_thompson_with_binary_rewards_is_exact():
    rng = np.random.default_rng(3)
    actions, rewards = rng.integers(K, size=N), rng.integers(2, size=N).astype(float)
    replayed = make_agent("ThompsonSampling", n_arms=K, posterior="bernoulli")
    for a, r in zip(actions, rewards):
        replayed.update(np.zeros(1), int(a), float(r))
    folded = make_agent("ThompsonSampling", n_arms=K, posterior="bernoulli")
    folded.partial_fit(actions, rewards)
    np.testing.assert_array_equal(folded.sums, replayed.sums)
    with pytest.raises(ValueError, match="rewards out of range"):
        folded.partial_fit(actions, rewards + 1.5)


@pytest.mark.parametrize("n_runs", [1, 2])
@pytest.mark.parametrize("name", sorted(LINEAR))
def test_linear_agents_match_round_by_round(name, n_runs):
    actions, rewards, contexts = make_log(n_runs, linear=True)
    kwargs = {"n_arms": K, "dim": D, "seed": 1, "n_runs": n_runs, **LINEAR[name]}
    noise = {"noise_std": np.full((N, n_runs), 0.7)}
    replayed = replay(make_agent(name, **kwargs), actions, rewards, contexts, noise_std=0.7)
    folded = make_agent(name, **kwargs)
    if n_runs == 1:
        folded.partial_fit(actions[:, 0], rewards[:, 0], contexts[:, 0], infos=noise)
    else:
        folded.partial_fit(actions, rewards, contexts, infos=noise)
    if name in ("CatoniOFUL", "HeavyOFUL"):
        # One IRLS refit at the end instead of the rarely-switching schedule.
        replayed.refit_all()
        assert_same_state(folded, replayed, rtol=1e-6)
    else:
        assert_same_state(folded, replayed, rtol=1e-8)
    np.testing.assert_array_equal(
        folded.select_actions(contexts[0]), replayed.select_actions(contexts[0])
    )


def test_bandit_feedback_and_bad_logs():
    actions, rewards, contexts = make_log(1, linear=True)
    fb = BanditFeedback(
        contexts[:, 0],
        actions[:, 0],
        rewards[:, 0],
        np.full(N, 0.25),
        np.full((N, K), 0.25),
        np.zeros((N, K)),
    )
    from_feedback = make_agent("LinUCB", n_arms=K, dim=D).partial_fit(fb)
    from_arrays = make_agent("LinUCB", n_arms=K, dim=D).partial_fit(
        actions[:, 0], rewards[:, 0], contexts[:, 0]
    )
    np.testing.assert_array_equal(from_feedback.theta, from_arrays.theta)
    agent = make_agent("UCB1", n_arms=K)
    with pytest.raises(ValueError, match="out of range"):
        agent.partial_fit(np.full(3, K), np.zeros(3))
    with pytest.raises(ValueError, match="finite"):
        agent.partial_fit(np.zeros(3, dtype=int), np.array([0.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match="shape"):
        agent.partial_fit(np.zeros((3, 2), dtype=int), np.zeros((3, 2)))
    with pytest.raises(TypeError, match="integers"):
        agent.partial_fit(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="needs contexts"):
        make_agent("LinUCB", n_arms=K, dim=D).partial_fit(actions[:, 0], rewards[:, 0])
    assert agent.t == 0  # nothing half-folded
