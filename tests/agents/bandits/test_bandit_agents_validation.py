"""Invalid constructor arguments and observations raise ValueError naming the culprit."""

from __future__ import annotations

import numpy as np
import pytest

from rlsuite.agents import make_agent
from rlsuite.agents.bandits.catoni_oful import CatoniOFUL
from rlsuite.agents.bandits.gradient_bandit import GradientBandit
from rlsuite.agents.bandits.lin_ucb import LinUCB
from rlsuite.agents.bandits.robust_ucb import RobustUCB
from rlsuite.agents.bandits.thompson_sampling import ThompsonSampling


@pytest.mark.parametrize(
    ("factory", "name"),
    [
        (lambda: GradientBandit(4, eta=0.0), "eta"),
        (lambda: GradientBandit(4, eta=-1.0), "eta"),
        (lambda: GradientBandit(4, eta=float("nan")), "eta"),
        (lambda: GradientBandit(4, eta=1.0, baseline="yes"), "baseline"),
        (lambda: GradientBandit(1, eta=1.0), "n_arms"),
        (lambda: RobustUCB(3, epsilon=0.0), "epsilon"),
        (lambda: RobustUCB(3, epsilon=1.5), "epsilon"),
        (lambda: RobustUCB(3, estimator="catoni", epsilon=0.5), "epsilon"),
        (lambda: RobustUCB(3, estimator="trimmed"), "estimator"),
        (lambda: RobustUCB(3, u=0.0), "u"),
        (lambda: ThompsonSampling(3, posterior="poisson"), "posterior"),
        (lambda: ThompsonSampling(3, noise_std=0.0), "noise_std"),
        (lambda: LinUCB(5, 0), "dim"),
        (lambda: LinUCB(5, 3, lam=0.0), "lam"),
        (lambda: LinUCB(5, 3, delta=1.0), "delta"),
        (lambda: CatoniOFUL(5, 3, sigma_min=0.0), "sigma_min"),
        (lambda: make_agent("HeavyOFUL", n_arms=5, dim=3, epsilon=0.0), "epsilon"),
        (lambda: make_agent("VACatoni", n_arms=5, dim=3, n_layers=0), "n_layers"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_parameter(factory, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        factory()


@pytest.mark.parametrize("agent", ["LinUCB", "CatoniOFUL", "VACatoni", "HeavyOFUL"])
def test_linear_agents_reject_wrong_context_shape(agent: str) -> None:
    learner = make_agent(agent, n_arms=5, dim=3, n_runs=2)
    with pytest.raises(ValueError, match="obs has shape"):
        learner.select_actions(np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match="obs has shape"):
        learner.select_actions(np.zeros((5, 3)))


def test_known_variance_agents_need_the_noise_level_in_info() -> None:
    learner = CatoniOFUL(5, 3)
    contexts = np.ones((1, 5, 3)) / np.sqrt(3)
    with pytest.raises(ValueError, match="noise_std"):
        learner.update_batch(contexts, np.array([0]), np.array([1.0]), {})


def test_bernoulli_thompson_rejects_rewards_outside_unit_interval() -> None:
    learner = ThompsonSampling(3, posterior="bernoulli")
    with pytest.raises(ValueError, match="rewards"):
        learner.update(np.zeros(1), 0, 2.0)
