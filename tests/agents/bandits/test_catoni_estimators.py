"""Catoni's mean estimator and the robust IRLS regression of rlsuite.agents.bandits.catoni."""

from __future__ import annotations

import numpy as np
import pytest

from rlsuite.agents.bandits.catoni import (
    catoni_alpha,
    catoni_deviation,
    catoni_mean,
    huber_irls_weights,
    irls_linear,
    psi,
)


def test_psi_is_odd_increasing_and_logarithmic() -> None:
    x = np.linspace(-50, 50, 1001)
    values = psi(x)
    assert np.allclose(values, -psi(-x))
    assert np.all(np.diff(values) > 0)
    # Catoni's sandwich: -log(1 - x + x^2/2) <= psi(x) <= log(1 + x + x^2/2).
    assert np.all(values <= np.log1p(x + x**2 / 2) + 1e-12)
    assert np.all(values >= -np.log1p(-x + x**2 / 2) - 1e-12)
    assert psi(np.array(1e6)) < 30.0


def test_catoni_mean_matches_the_mean_on_symmetric_light_tails() -> None:
    x = np.array([-1.0, 1.0, -2.0, 2.0, 0.5, -0.5]) + 3.0
    assert catoni_mean(x, 0.3) == pytest.approx(3.0, abs=1e-9)


def test_catoni_mean_ignores_zero_weight_padding_and_batches() -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(3, 40))
    weights = np.ones_like(data)
    weights[1, 20:] = 0.0
    batched = catoni_mean(data, 0.5, weights)
    assert batched[1] == pytest.approx(catoni_mean(data[1, :20], 0.5), abs=1e-9)
    assert batched[0] == pytest.approx(catoni_mean(data[0], 0.5), abs=1e-9)


def test_catoni_mean_beats_sample_mean_with_one_percent_huge_outliers() -> None:
    rng = np.random.default_rng(7)
    n, n_out, outlier, delta = 2000, 20, 1e4, 0.01
    inliers = rng.normal(0.0, 1.0, n - n_out)
    samples = np.concatenate([inliers, np.full(n_out, outlier)])
    alpha = float(catoni_alpha(n, 1.0, delta))
    estimate = float(catoni_mean(samples, alpha))
    sample_mean_error = abs(samples.mean())
    # Threshold from the estimator's estimating equation: the inliers' sum
    # sum psi(alpha (x_i - mu)) ~ -alpha psi'_min n_in (mu - mean_in) must
    # cancel the outliers' at most n_out psi(alpha M). Inlier arguments stay
    # below alpha * 10 < 1, where psi' >= 1/2, hence the factor 2; add the
    # inliers' own deviation bound (variance 1, prob. 1 - 2 delta).
    shift = 2.0 * n_out * psi(alpha * outlier) / (alpha * (n - n_out))
    threshold = float(catoni_deviation(n - n_out, 1.0, delta)) + shift
    assert abs(estimate) <= threshold
    assert threshold < sample_mean_error / 10.0  # "well below" the sample mean's error


def test_irls_catoni_regression_resists_heavy_tails_where_least_squares_fails() -> None:
    rng = np.random.default_rng(3)
    n, d = 3000, 4
    theta = np.array([1.0, -0.5, 0.25, 0.0])
    x = rng.normal(size=(n, d))
    y = x @ theta + rng.standard_t(1.2, size=n)
    least_squares = irls_linear(x, y, 1e-9, lam=1e-6)  # alpha -> 0: plain ridge
    # alpha = 1 / (noise scale): residuals beyond a few noise scales are damped.
    catoni = irls_linear(x, y, 1.0, lam=1e-6)
    huber = irls_linear(x, y, 1.0, lam=1e-6, irls_weights=huber_irls_weights)
    ls_error = np.linalg.norm(least_squares - theta)
    # t(1.2) has infinite variance: least squares is off by ~0.5 on this seed,
    # the robust fits by about a quarter of that.
    assert np.linalg.norm(catoni - theta) < 0.5 * ls_error
    assert np.linalg.norm(huber - theta) < 0.5 * ls_error
