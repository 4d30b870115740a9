"""Noise families: moments agree with theory and with scipy.stats, within statistical bounds."""

import math

import numpy as np
import pytest
from scipy import stats

from rlsuite.envs.noise import (
    Bernoulli,
    Gaussian,
    LogNormal,
    Pareto,
    StudentT,
    make_noise,
)

N = 10**6
# 5 standard errors: a false alarm has probability < 6e-7 per check (normal approximation).
Z = 5.0


def _reference(noise):
    """The same family in scipy.stats, shifted to mean 0, to check our closed forms."""
    if isinstance(noise, Gaussian):
        return stats.norm(0.0, noise.std)
    if isinstance(noise, StudentT):
        return stats.t(noise.df, scale=noise.scale)
    if isinstance(noise, Pareto):
        return stats.pareto(noise.alpha, loc=-noise.raw_mean, scale=noise.scale)
    if isinstance(noise, LogNormal):
        shift = noise.scale * math.exp(noise.sigma**2 / 2)
        return stats.lognorm(noise.sigma, loc=-shift, scale=noise.scale)
    if isinstance(noise, Bernoulli):
        return stats.bernoulli(noise.p, loc=-noise.p)
    raise AssertionError(noise)


# Families with a finite 4th moment, so the sample variance has a finite standard error.
FINITE_KURTOSIS = [
    Gaussian(2.0),
    Bernoulli(0.3),
    StudentT(df=6.0, scale=0.5),
    Pareto(alpha=5.0, scale=1.0),
    LogNormal(sigma=0.5, scale=1.0),
]


@pytest.mark.parametrize("noise", FINITE_KURTOSIS, ids=repr)
def test_closed_form_moments_match_scipy(noise):
    ref = _reference(noise)
    assert noise.mean == pytest.approx(ref.mean(), abs=1e-12)
    assert noise.variance == pytest.approx(ref.var(), rel=1e-9)


@pytest.mark.parametrize("noise", FINITE_KURTOSIS, ids=repr)
def test_empirical_mean_and_variance_within_standard_errors(noise):
    draws = noise.sample(np.random.default_rng(0), N)
    var = noise.variance
    # SE of the mean is sqrt(var / n); SE of the sample variance is var * sqrt((kurt + 2) / n)
    # with kurt the excess kurtosis (exact for i.i.d. draws up to O(1/n)).
    kurtosis = float(_reference(noise).stats(moments="k"))
    assert abs(draws.mean() - noise.mean) < Z * math.sqrt(var / N)
    assert abs(draws.var() - var) < Z * var * math.sqrt((kurtosis + 2.0) / N)


@pytest.mark.parametrize(
    "noise, variance, order",
    [
        (StudentT(df=1.5), math.inf, 1.5),
        (StudentT(df=2.0), math.inf, 2.0),
        (StudentT(df=3.0), 3.0, 3.0),
        (Pareto(alpha=1.5), math.inf, 1.5),
        (Pareto(alpha=2.5), 2.5 / (1.5**2 * 0.5), 2.5),
        (Gaussian(1.0), 1.0, math.inf),
        (LogNormal(1.0), math.expm1(1.0) * math.e, math.inf),
    ],
    ids=repr,
)
def test_variance_and_moment_order_flags(noise, variance, order):
    assert noise.variance == pytest.approx(variance)
    assert noise.moment_order == order
    assert noise.describe()["variance"] == noise.variance


def test_infinite_variance_family_still_has_the_right_mean():
    # df = 1.5: the mean exists, the variance does not, so the sample mean converges slowly;
    # use the median (robust, = 0 by symmetry) with the median's SE 1 / (2 f(0) sqrt(n)).
    noise = StudentT(df=1.5)
    draws = noise.sample(np.random.default_rng(1), N)
    se_median = 1.0 / (2 * stats.t(1.5).pdf(0.0) * math.sqrt(N))
    assert abs(np.median(draws)) < Z * se_median
    assert math.isinf(noise.std)


def test_pareto_without_mean_is_rejected():
    with pytest.raises(ValueError, match="alpha"):
        Pareto(alpha=1.0)
    with pytest.raises(ValueError, match="alpha"):
        Pareto(alpha=0.5)


def test_student_t_without_mean_is_rejected():
    with pytest.raises(ValueError, match="df"):
        StudentT(df=1.0)


def test_bernoulli_arms_draw_bernoulli_rewards():
    means = np.array([0.1, 0.9])
    rewards = Bernoulli().sample_rewards(np.random.default_rng(0), np.repeat(means, N // 2))
    assert set(np.unique(rewards)) == {0.0, 1.0}
    first, second = rewards[: N // 2].mean(), rewards[N // 2 :].mean()
    se = math.sqrt(0.09 / (N // 2))
    assert abs(first - 0.1) < Z * se and abs(second - 0.9) < Z * se


@pytest.mark.parametrize("name", ["gaussian", "bernoulli", "student_t", "pareto", "lognormal"])
def test_names_make_default_models(name):
    assert make_noise(name).name == name


def test_unknown_noise_name_is_rejected():
    with pytest.raises(ValueError, match="noise='cauchy'"):
        make_noise("cauchy")
