"""Bounded known-variance noise (Spike, TruncatedPareto): stated moments, range and support hold."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rlsuite.envs.noise import BoundedNoise, Spike, TruncatedPareto, make_noise

N = 4 * 10**5
Z = 5.0  # 5 standard errors: a false alarm has probability < 6e-7 per check

FAMILIES = [
    Spike(p=0.05, std=2.0),
    Spike.with_range(63.2, 1.0),
    TruncatedPareto(alpha=1.5, reward_range=50.0, std=1.0),
    TruncatedPareto(alpha=3.0, reward_range=10.0, std=0.5),
]


@pytest.mark.parametrize("noise", FAMILIES, ids=repr)
def test_draws_match_stated_mean_variance_fourth_moment_and_support(noise: BoundedNoise) -> None:
    x = noise.sample(np.random.default_rng(0), N)
    low, high = noise.support
    assert x.min() >= low - 1e-12 and x.max() <= high + 1e-12
    assert high - low == pytest.approx(noise.range)
    m4 = noise.abs_moment(4.0)
    # SE of the mean: sqrt(var / n); of the sample variance: sqrt((m4 - var^2) / n).
    assert abs(x.mean()) <= Z * math.sqrt(noise.variance / N)
    assert abs((x**2).mean() - noise.variance) <= Z * math.sqrt((m4 - noise.variance**2) / N)
    assert abs(np.abs(x).mean() - noise.abs_moment(1.0)) <= Z * math.sqrt(noise.variance / N)
    info = noise.describe()
    assert info["range"] == noise.range and info["fourth_moment"] == m4
    assert info["variance"] == pytest.approx(noise.std**2)


def test_spike_range_and_variance_are_exact() -> None:
    noise = Spike.with_range(1000.0, 1.0)
    assert noise.range == pytest.approx(1000.0) and noise.variance == 1.0
    assert noise.abs_moment(4.0) == pytest.approx(1.0 / noise.p)  # kurtosis 1 / p
    assert noise.abs_moment(2.0) == pytest.approx(noise.variance)


def test_truncated_pareto_solves_scale_for_range_and_variance() -> None:
    noise = TruncatedPareto(alpha=1.5, reward_range=1000.0, std=1.0)
    assert noise.support == (-500.0, 500.0)
    assert noise.abs_moment(2.0) == pytest.approx(1.0, rel=1e-9)
    assert 2 * noise.scale * noise.cap == pytest.approx(1000.0)


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: Spike(p=0.0), "p"),
        (lambda: Spike(p=1.5), "p"),
        (lambda: Spike.with_range(1.0, 1.0), "reward_range"),
        (lambda: TruncatedPareto(reward_range=2.0, std=1.0), "reward_range"),
        (lambda: TruncatedPareto(alpha=-1.0), "alpha"),
    ],
)
def test_bad_parameters_raise(build, match) -> None:
    with pytest.raises(ValueError, match=match):
        build()


def test_names_make_the_families() -> None:
    assert isinstance(make_noise("spike"), Spike)
    assert isinstance(make_noise("truncated_pareto"), TruncatedPareto)


@pytest.mark.parametrize("noise", FAMILIES, ids=repr)
def test_single_draw_is_a_scalar(noise: BoundedNoise) -> None:
    value = float(noise.sample(np.random.default_rng(0)))
    assert noise.support[0] <= value <= noise.support[1]
