"""The compiled IRLS kernel reproduces the NumPy IRLS of rlsuite.agents.bandits.catoni."""

from __future__ import annotations

import numpy as np
import pytest

from rlsuite.agents.bandits._compiled import irls_fit, irls_fit_rows
from rlsuite.agents.bandits.catoni import (
    catoni_irls_weights,
    huber_irls_weights,
    irls_linear_batched_numpy,
)


def _problems(seed: int, n_problems: int = 6, n: int = 200, d: int = 5):
    """Padded heavy-tailed regressions with per-sample noise levels, weights and scales."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_problems, n, d))
    theta_star = rng.normal(size=(n_problems, d))
    y = np.einsum("bnd,bd->bn", x, theta_star) + rng.standard_t(1.5, size=(n_problems, n))
    sigmas = rng.uniform(0.3, 3.0, size=(n_problems, n))
    lengths = rng.integers(1, n + 1, size=n_problems)
    lengths[0] = n
    mask = np.arange(n)[None, :] < lengths[:, None]
    weights = rng.uniform(0.2, 2.0, size=(n_problems, n))
    alpha = rng.uniform(0.02, 2.0, size=(n_problems, n))
    theta0 = rng.normal(size=(n_problems, d))
    return x, y, sigmas, mask, weights, alpha, theta0


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("huber", [False, True])
@pytest.mark.parametrize("warm", [False, True])
def test_irls_fit_matches_the_numpy_iteration_row_by_row(
    seed: int, huber: bool, warm: bool
) -> None:
    x, y, sigmas, mask, weights, alpha, theta0 = _problems(seed)
    lam = 0.7
    expected = irls_linear_batched_numpy(
        x,
        y,
        alpha,
        sigmas=sigmas,
        mask=mask,
        sample_weights=weights,
        lam=lam,
        irls_weights=huber_irls_weights if huber else catoni_irls_weights,
        theta0=theta0 if warm else None,
    )
    inv_sigma = np.where(mask, 1.0 / sigmas, 0.0)
    base = inv_sigma**2 * weights
    theta = theta0.copy()
    for b in range(x.shape[0]):
        steps = irls_fit(
            x[b], y[b], inv_sigma[b], base[b], alpha[b], huber, lam, theta[b], warm, 1e-8, 50
        )
        assert 1 <= steps <= 50
    np.testing.assert_allclose(theta, expected, rtol=1e-10, atol=1e-12)
    rows = theta0.copy()
    irls_fit_rows(x, y, inv_sigma, base, alpha, huber, lam, rows, warm, 1e-8, 50)
    np.testing.assert_array_equal(rows, theta)


def test_irls_fit_stops_at_the_iteration_cap_and_counts_steps() -> None:
    x, y, sigmas, mask, _, alpha, _ = _problems(3, n_problems=1)
    inv_sigma = 1.0 / sigmas[0]
    theta = np.zeros(x.shape[2])
    assert (
        irls_fit(x[0], y[0], inv_sigma, inv_sigma**2, alpha[0], True, 1.0, theta, False, 0.0, 3)
        == 3
    )
    expected = irls_linear_batched_numpy(
        x, y, alpha, sigmas=sigmas, mask=mask, irls_weights=huber_irls_weights, tol=0.0, max_iter=3
    )
    np.testing.assert_allclose(theta, expected[0], rtol=1e-10, atol=1e-12)
    # Converged, then warm-started at the fixed point: one step, which stays put.
    irls_fit(x[0], y[0], inv_sigma, inv_sigma**2, alpha[0], True, 1.0, theta, True, 1e-13, 200)
    again = theta.copy()
    assert (
        irls_fit(x[0], y[0], inv_sigma, inv_sigma**2, alpha[0], True, 1.0, again, True, 1e-8, 50)
        == 1
    )
    np.testing.assert_allclose(again, theta, rtol=0, atol=1e-10)
