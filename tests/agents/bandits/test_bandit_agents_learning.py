"""Every bandit agent beats uniform play; the gradient bandit converges at eta = 1."""

from __future__ import annotations

import numpy as np
import pytest

from rlsuite.agents import make_agent
from rlsuite.agents.bandits.gradient_bandit import GradientBandit
from rlsuite.agents.callbacks import RegretLogger
from rlsuite.envs.linear_contextual_bandit import LinearContextualBanditVectorEnv
from rlsuite.envs.multi_armed_bandit import MultiArmedBanditVectorEnv
from rlsuite.envs.noise import Gaussian

N_RUNS = 2

# Two arms 1 apart with N(0, 0.1^2) noise, so E X^2 <= 0.26 =: u. Even with
# Bubeck et al.'s worst-case constants (median-of-means: width ~ 28 / sqrt(s))
# UCB stops pulling the bad arm after ~1e3 of 3000 rounds, while uniform play
# loses 0.5 per round: 1500 in expectation, sd ~ 27. Margin 0.8 is > 10 sd.
MAB_MEANS = (-0.5, 0.5)
MAB_HORIZON = 3000
MAB_AGENTS = {
    "UCB1": {},
    "EpsilonGreedy": {"epsilon": 0.1},
    "ThompsonSampling": {"noise_std": 0.1},
    "RobustUCB-truncated": {"estimator": "truncated_mean", "u": 0.26},
    "RobustUCB-mom": {"estimator": "median_of_means", "u": 0.26},
    "RobustUCB-catoni": {"estimator": "catoni", "u": 0.26},
    "RobustUCB-heavy": {"estimator": "truncated_mean", "epsilon": 0.5, "u": 0.3},
    "GradientBandit": {"eta": 1.0},
    "GradientBandit-baseline": {"eta": 1.0, "baseline": True},
}


def _mab_regret(name: str, kwargs: dict, means=MAB_MEANS, noise=None) -> np.ndarray:
    env = MultiArmedBanditVectorEnv(
        num_envs=N_RUNS, n_arms=len(means), means=means, noise=noise or Gaussian(0.1)
    )
    agent = make_agent(name.split("-")[0], n_arms=len(means), seed=0, n_runs=N_RUNS, **kwargs)
    logger = RegretLogger()
    agent.learn(env, MAB_HORIZON, callback=logger)
    return logger.cumulative_regret()[-1]


@pytest.mark.parametrize("name", sorted(MAB_AGENTS))
def test_mab_agents_beat_random(name: str) -> None:
    random_regret = _mab_regret("Random", {})
    regret = _mab_regret(name, MAB_AGENTS[name])
    assert np.all(regret < 0.8 * random_regret.mean()), (regret, random_regret)


def test_bernoulli_thompson_sampling_beats_random() -> None:
    means = (0.2, 0.8)
    kwargs = {"posterior": "bernoulli"}
    regret = _mab_regret("ThompsonSampling", kwargs, means, "bernoulli")
    random_regret = _mab_regret("Random", {}, means, "bernoulli")
    assert np.all(regret < 0.5 * random_regret.mean())


# theta* = (1, -1, 0) / sqrt(2) on unit-norm positive features: mean rewards
# spread over about [-0.7, 0.7], so uniform play loses ~0.5 per round (~300
# over 600 rounds); noise N(0, 0.1^2) is revealed as info["noise_std"].
LINEAR_THETA = np.array([1.0, -1.0, 0.0]) / np.sqrt(2.0)
LINEAR_AGENTS = {
    "LinUCB": {"noise_scale": 0.1},
    "CatoniOFUL": {},
    "VACatoni": {"scale_prior": 0.1},
    "HeavyOFUL": {},
}


def _linear_regret(name: str, kwargs: dict, horizon: int = 600) -> np.ndarray:
    env = LinearContextualBanditVectorEnv(
        num_envs=N_RUNS, n_arms=5, dim=3, theta=LINEAR_THETA, noise=Gaussian(0.1)
    )
    dims = {} if name == "Random" else {"dim": 3}
    agent = make_agent(name, n_arms=5, seed=0, n_runs=N_RUNS, **dims, **kwargs)
    logger = RegretLogger()
    agent.learn(env, horizon, callback=logger)
    return logger.cumulative_regret()[-1]


@pytest.mark.parametrize("name", sorted(LINEAR_AGENTS))
def test_linear_agents_beat_random(name: str) -> None:
    random_regret = _linear_regret("Random", {})
    regret = _linear_regret(name, LINEAR_AGENTS[name])
    assert np.all(regret < 0.5 * random_regret.mean()), (regret, random_regret)


GRADIENT_MEANS = np.array([0.2, 0.05, -0.1, -0.4])


def _trained_gradient_bandit(eta: float, horizon: int, n_runs: int) -> GradientBandit:
    agent = GradientBandit(4, eta=eta, seed=1, n_runs=n_runs)
    noise = np.random.default_rng(2).normal(0.0, 0.1, (horizon, n_runs))
    obs = np.zeros((n_runs, 1))
    for t in range(horizon):
        actions = agent.select_actions(obs)
        agent.update_batch(obs, actions, GRADIENT_MEANS[actions] + noise[t])
    return agent


def _gradient_bandit_log_subopt(eta: float, horizon: int, n_runs: int) -> np.ndarray:
    return _trained_gradient_bandit(eta, horizon, n_runs).log_suboptimality(GRADIENT_MEANS)


def test_gradient_bandit_eta_one_converges_by_ten_thousand_steps() -> None:
    log_subopt = _gradient_bandit_log_subopt(1.0, 10_000, n_runs=9)
    assert np.median(log_subopt) < np.log(1e-3)


def test_gradient_bandit_huge_step_size_stays_finite() -> None:
    # The policy checked is the one trained with eta = 1000 (not a fresh, uniform one):
    # huge steps saturate the logits, which must stay finite and normalised.
    agent = _trained_gradient_bandit(1000.0, 2000, n_runs=3)
    log_subopt = agent.log_suboptimality(GRADIENT_MEANS)
    assert not np.any(np.isnan(log_subopt))
    policy = agent.policy()
    assert np.all(np.isfinite(policy)) and np.allclose(policy.sum(axis=1), 1.0)
    assert not np.allclose(policy, 0.25), "2000 updates at eta = 1000 left the policy uniform"
