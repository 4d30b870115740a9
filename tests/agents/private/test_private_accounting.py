"""Accounting of the private learners against independent dp_accounting computations."""

import math

import numpy as np
import pytest

pytest.importorskip("dp_accounting")
from dp_accounting.pld import common, privacy_loss_distribution  # noqa: E402
from dp_accounting.rdp import rdp_privacy_accountant  # noqa: E402

from rlsuite.agents.private.accounting import (  # noqa: E402
    calibrate,
    laplace_sum_tail,
    pate_epsilon,
    svt_threshold,
)
from rlsuite.agents.private.consensus_dp import ConsensusDP  # noqa: E402


def test_laplace_sum_tail_matches_monte_carlo():
    rng = np.random.default_rng(0)
    n = 400_000
    sums = rng.laplace(0, 1.0, n) + rng.laplace(0, 2.0, n)
    for x in (0.0, 1.0, 4.0, 9.0):
        # Binomial sd of the empirical tail is <= 0.5 / sqrt(n) < 8e-4; 4e-3 is > 5 sd.
        assert abs((sums >= x).mean() - laplace_sum_tail(x, 1.0, 2.0)) < 4e-3
    assert math.isclose(laplace_sum_tail(0.0, 1.0, 1.0), 0.5)


@pytest.mark.parametrize("epsilon_prime,delta_prime", [(0.1, 1e-7), (1.0, 1e-3), (2.5, 1e-6)])
def test_svt_threshold_puts_delta_prime_in_the_tail(epsilon_prime, delta_prime):
    threshold = svt_threshold(epsilon_prime, delta_prime)
    tail = laplace_sum_tail(threshold - 1.0, 1 / epsilon_prime, 2 / epsilon_prime)
    assert tail == pytest.approx(delta_prime, rel=1e-6)


def _independent_pld(noise, rate, steps, release, candidates, delta):
    """dp_accounting PLD at a 10x finer discretisation than the learner's."""
    total = privacy_loss_distribution.from_gaussian_mechanism(
        noise, sampling_prob=rate, value_discretization_interval=1e-4
    ).self_compose(steps)
    if release is not None:
        params = common.DifferentialPrivacyParameters(2 * release[0], release[1])
        total = total.compose(
            privacy_loss_distribution.from_privacy_parameters(params, 1e-4).self_compose(candidates)
        )
    return total.get_epsilon_for_delta(delta)


@pytest.mark.parametrize("noise", [0.8, 2.0])
@pytest.mark.parametrize("rate,steps", [(0.05, 100), (0.2, 400)])
def test_consensus_composition_matches_dp_accounting(noise, rate, steps):
    learner = ConsensusDP(epsilon=8.0, delta=1e-5, sample_rate=rate, steps=steps, n_candidates=3)
    ours = learner.compose(noise, steps)
    independent = _independent_pld(noise, rate, steps, learner.release_parameters(), 3, 1e-5)
    assert ours == pytest.approx(independent, rel=0.01)


@pytest.mark.parametrize("sigma1,sigma2,checks,answered", [(150, 40, 640, 286), (20, 5, 50, 10)])
def test_pate_epsilon_matches_closed_form_rdp(sigma1, sigma2, checks, answered):
    orders = np.concatenate([np.linspace(1.1, 10.9, 99), np.arange(11, 257)])
    # Closed-form RDP of both Gaussian mechanisms (PATE 2018, Prop. 8), dp_accounting conversion.
    rdp = checks * orders / (2 * sigma1**2) + answered * orders / sigma2**2
    independent, _ = rdp_privacy_accountant.compute_epsilon(orders, rdp, 1e-5)
    ours = pate_epsilon(sigma1, sigma2, checks, answered, 1e-5, orders=list(orders))
    assert ours == pytest.approx(independent, rel=0.01)


def test_pate_2018_table2_mnist_sanity():
    # 250 teachers, T=200, sigma1=150, sigma2=40, 640 queries, 286 answered, delta=1e-5.
    # The paper's data-dependent bound is 1.97; the data-independent bound must be larger
    # but of the same order, and below the classic RDP -> DP conversion.
    ours = pate_epsilon(150, 40, 640, 286, 1e-5)
    orders = np.arange(2, 200)
    classic = min(
        640 * a / (2 * 150**2) + 286 * a / 40**2 + math.log(1e5) / (a - 1) for a in orders
    )
    assert 1.97 < ours < classic < 4.0


def test_calibrate_refuses_unreachable_target_and_ends_feasible():
    with pytest.raises(ValueError, match="not reachable"):
        calibrate(lambda z, _: 10.0 / z, 1e-4, 1.0, low=0.1, high=100.0)
    z = calibrate(lambda z, _: 10.0 / z, 2.0, 1.0, low=0.1, high=100.0, rtol=1e-6)
    assert z == pytest.approx(5.0, rel=1e-5) and 10.0 / z <= 2.0
    # Little privacy needed: the smallest noise searched is used, never less.
    assert calibrate(lambda z, _: 10.0 / z, 1e3, 1.0, low=0.1, high=100.0) == 0.1
