"""Random, EpsilonGreedy and UCB1: the protocol, SB3 interop, and learning beats random."""

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stable_baselines3.common.evaluation import evaluate_policy

import rlsuite.envs  # noqa: F401
from rlsuite.agents import list_agents, make_agent
from rlsuite.agents.bandits.epsilon_greedy import EpsilonGreedy
from rlsuite.agents.bandits.random_agent import RandomAgent
from rlsuite.agents.bandits.ucb1 import UCB1
from rlsuite.agents.callbacks import BanditCallback, RegretLogger
from rlsuite.envs.multi_armed_bandit import MultiArmedBanditVectorEnv
from rlsuite.envs.noise import StudentT

MEANS = [0.5, 0.5, 1.0, 0.5, 0.5]  # gap 0.5


def _env(**kwargs):
    return gym.make(
        "rlsuite/MultiArmedBandit-v1", n_arms=5, means=MEANS, noise=StudentT(df=3.0), **kwargs
    )


def test_first_agents_are_registered():
    for name in ("Random", "EpsilonGreedy", "UCB1"):
        assert name in list_agents()
    assert isinstance(make_agent("UCB1", n_arms=3), UCB1)
    with pytest.raises(ValueError, match="agent='UCB2'"):
        make_agent("UCB2", n_arms=3)


@pytest.mark.parametrize(
    "agent_cls, kwargs, fraction",
    [(UCB1, {"c": 2.0}, 0.5), (EpsilonGreedy, {"epsilon": 0.1}, 0.75)],
)
def test_learners_beat_random_over_independent_runs(agent_cls, kwargs, fraction):
    # 64 independent runs of 1500 rounds. Random's expected regret is 1500 * 0.4 = 600 and
    # its median over 64 runs is within a few units of that. UCB1's regret is
    # O(K log T / gap); epsilon-greedy pays 0.1 * 0.4 per round for exploring plus the
    # runs that lock onto a wrong arm early, so its bound is looser.
    runs, steps = 64, 1500
    medians = {}
    for name, agent in (
        ("random", RandomAgent(5, n_runs=runs, seed=0)),
        ("learner", agent_cls(5, n_runs=runs, seed=0, **kwargs)),
    ):
        env = MultiArmedBanditVectorEnv(
            num_envs=runs, n_arms=5, means=MEANS, noise=StudentT(df=3.0)
        )
        logger = RegretLogger()
        agent.learn(env, steps, callback=logger)
        medians[name] = float(np.median(logger.cumulative_regret()[-1]))
    assert medians["random"] == pytest.approx(600, rel=0.05)
    assert medians["learner"] < fraction * medians["random"]


def test_evaluate_policy_runs_agents_unchanged():
    agent = UCB1(5, c=2.0, seed=0).learn(_env(), 2000)
    mean_reward, _ = evaluate_policy(agent, _env(), n_eval_episodes=200, deterministic=True)
    # The greedy arm is the best one (mean 1.0); Student-t(3) has std sqrt(3), so the
    # average of 200 rewards has SE 0.12: 1.0 - 4 SE = 0.51 separates it from 0.5.
    assert mean_reward > 0.51
    assert agent.predict(np.zeros(1), deterministic=True)[0] == 2


def test_batched_form_matches_independent_single_runs():
    # EpsilonGreedy with epsilon=0 is deterministic given rewards: feed the same rewards.
    rng = np.random.default_rng(0)
    rewards = rng.normal(size=(50, 3))
    batched = EpsilonGreedy(4, epsilon=0.0, n_runs=3)
    singles = [EpsilonGreedy(4, epsilon=0.0) for _ in range(3)]
    obs = np.zeros((3, 1), dtype=np.float32)
    for t in range(50):
        actions = batched.select_actions(obs)
        single_actions = [agent.select_action(obs[i]) for i, agent in enumerate(singles)]
        np.testing.assert_array_equal(actions, single_actions)
        batched.update_batch(obs, actions, rewards[t])
        for i, agent in enumerate(singles):
            agent.update(obs[i], single_actions[i], rewards[t, i])


def test_learn_on_vector_env_keeps_runs_independent():
    runs = 64
    env = MultiArmedBanditVectorEnv(num_envs=runs, n_arms=5, means=MEANS, noise=StudentT(df=3.0))
    logger = RegretLogger()
    UCB1(5, c=2.0, n_runs=runs, seed=0).learn(env, 1000, callback=logger)
    assert logger.regret.shape == (1000, runs)
    # Median over runs well below random's 400; runs differ because noise differs.
    final = logger.cumulative_regret()[-1]
    assert np.median(final) < 200 and final.std() > 0


def test_callback_can_stop_training():
    class StopAfter(BanditCallback):
        def _on_step(self):
            return self.n_calls < 10

    agent = UCB1(5)
    agent.learn(_env(), 1000, callback=StopAfter())
    assert agent.t == 10


def test_learn_rejects_mismatched_runs():
    with pytest.raises(ValueError, match="n_runs"):
        UCB1(5, n_runs=2).learn(_env(), 10)
    with pytest.raises(ValueError, match="n_runs=2"):
        UCB1(5, n_runs=2).select_action(np.zeros(1))


@settings(max_examples=30, deadline=None)
@given(epsilon=st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1.000001)))
def test_epsilon_outside_unit_interval_is_rejected(epsilon):
    with pytest.raises(ValueError, match="epsilon="):
        EpsilonGreedy(3, epsilon=epsilon)


@settings(max_examples=30, deadline=None)
@given(c=st.floats(max_value=0.0), n_arms=st.integers(min_value=2, max_value=10))
def test_ucb_coefficient_must_be_positive(c, n_arms):
    with pytest.raises(ValueError, match="c="):
        UCB1(n_arms, c=c)


@settings(max_examples=30, deadline=None)
@given(n_arms=st.integers(max_value=1), n_runs=st.integers(max_value=0))
def test_agent_sizes_are_validated(n_arms, n_runs):
    with pytest.raises(ValueError, match="n_arms="):
        RandomAgent(n_arms)
    with pytest.raises(ValueError, match="n_runs="):
        RandomAgent(3, n_runs=n_runs)
