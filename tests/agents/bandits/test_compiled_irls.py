"""The compiled kernels of rlsuite.agents.bandits._compiled reproduce their NumPy statements."""

from __future__ import annotations

import numpy as np
import pytest

from rlsuite.agents import make_agent
from rlsuite.agents.bandits._compiled import (
    irls_fit,
    irls_fit_rows,
    refit_histories,
    whiten_and_store,
)
from rlsuite.agents.bandits.catoni import (
    catoni_alpha,
    catoni_irls_weights,
    huber_irls_weights,
    irls_linear_batched,
    irls_linear_batched_numpy,
)
from rlsuite.agents.bandits.linear_base import sherman_morrison


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
        xt = np.ascontiguousarray(x[b].T)
        steps = irls_fit(
            xt, y[b], inv_sigma[b], base[b], alpha[b], huber, lam, theta[b], warm, 1e-8, 50
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
    xt = np.ascontiguousarray(x[0].T)
    assert (
        irls_fit(xt, y[0], inv_sigma, inv_sigma**2, alpha[0], True, 1.0, theta, False, 0.0, 3) == 3
    )
    expected = irls_linear_batched_numpy(
        x, y, alpha, sigmas=sigmas, mask=mask, irls_weights=huber_irls_weights, tol=0.0, max_iter=3
    )
    np.testing.assert_allclose(theta, expected[0], rtol=1e-10, atol=1e-12)
    # Converged, then warm-started at the fixed point: one step, which stays put.
    irls_fit(xt, y[0], inv_sigma, inv_sigma**2, alpha[0], True, 1.0, theta, True, 1e-13, 200)
    again = theta.copy()
    assert (
        irls_fit(xt, y[0], inv_sigma, inv_sigma**2, alpha[0], True, 1.0, again, True, 1e-8, 50) == 1
    )
    np.testing.assert_allclose(again, theta, rtol=0, atol=1e-10)


def test_whiten_and_store_is_the_weighted_sherman_morrison_update() -> None:
    rng = np.random.default_rng(4)
    n_runs, d, capacity, slot = 3, 4, 8, 5
    a = rng.normal(size=(n_runs, d, d))
    gram = np.eye(d) + a @ np.swapaxes(a, 1, 2)
    v_inv, logdet = np.linalg.inv(gram), np.linalg.slogdet(gram)[1]
    x, rewards = rng.normal(size=(n_runs, d)), rng.normal(size=n_runs)
    sigma = np.array([0.01, 0.5, 3.0])
    sigma_min, gamma = 0.05, d**-0.25
    hist_x, hist_y, hist_level = (
        np.zeros((n_runs, capacity, d)),
        np.zeros((n_runs, capacity)),
        np.ones((n_runs, capacity)),
    )
    uncertainty = np.empty(n_runs)
    new_v_inv, new_logdet = v_inv.copy(), logdet.copy()
    whiten_and_store(
        x,
        rewards,
        sigma,
        sigma_min,
        gamma,
        new_v_inv,
        new_logdet,
        hist_x,
        hist_y,
        hist_level,
        slot,
        uncertainty,
    )
    u = np.sqrt(np.einsum("rd,rde,re->r", x, v_inv, x))
    level = np.maximum(np.maximum(sigma, sigma_min), gamma * np.sqrt(u))
    np.testing.assert_allclose(uncertainty, u, rtol=1e-12)
    np.testing.assert_allclose(hist_level[:, slot], level, rtol=1e-12)
    np.testing.assert_array_equal(hist_x[:, slot], x)
    np.testing.assert_array_equal(hist_y[:, slot], rewards)
    whitened = x / level[:, None]
    updated = gram + whitened[:, :, None] * whitened[:, None, :]
    np.testing.assert_allclose(new_v_inv, np.linalg.inv(updated), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(new_logdet, np.linalg.slogdet(updated)[1], rtol=1e-12)


@pytest.mark.parametrize("huber", [False, True])
def test_refit_histories_refits_the_given_runs_in_place(huber: bool) -> None:
    x, y, sigmas, _, _, alpha, theta0 = _problems(5, n_problems=4, n=120, d=3)
    n, runs, scale = 90, np.array([0, 2]), np.array([0.3, 1.7])
    theta = theta0.copy()
    refit_histories(x, y, sigmas, alpha, n, runs, scale, huber, 0.5, theta, 1e-8, 50)
    expected = irls_linear_batched_numpy(
        x[runs, :n],
        y[runs, :n],
        scale[:, None] * alpha[runs, :n],
        sigmas=sigmas[runs, :n],
        mask=np.ones((2, n), dtype=bool),
        lam=0.5,
        irls_weights=huber_irls_weights if huber else catoni_irls_weights,
        theta0=theta0[runs],
    )
    np.testing.assert_allclose(theta[runs], expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(theta[[1, 3]], theta0[[1, 3]])


@pytest.mark.parametrize("name", ["CatoniOFUL", "HeavyOFUL"])
def test_agent_state_is_the_numpy_statement_of_its_update(name: str) -> None:
    """Whitening levels, ``V^-1``, ``log det V`` and a refit, recomputed in NumPy."""
    n_runs, n_arms, dim, rounds = 3, 4, 3, 40
    rng = np.random.default_rng(6)
    agent = make_agent(name, n_arms=n_arms, dim=dim, n_runs=n_runs, seed=0)
    v_inv, logdet = agent.v_inv.copy(), agent.logdet.copy()
    gamma = dim**-0.25
    for t in range(rounds):
        obs = rng.normal(size=(n_runs, n_arms, dim))
        actions = agent.select_actions(obs)
        rewards = rng.standard_t(2.0, size=n_runs)
        sigma = rng.uniform(0.01, 2.0, size=n_runs)
        agent.update_batch(obs, actions, rewards, {"noise_std": sigma})
        x = obs[np.arange(n_runs), actions]
        u = np.sqrt(np.einsum("rd,rde,re->r", x, v_inv, x))
        level = np.maximum(np.maximum(sigma, agent.sigma_min), gamma * np.sqrt(u))
        np.testing.assert_allclose(agent._sigma_bar[:, t], level, rtol=1e-12)
        v_inv, logdet = sherman_morrison(v_inv, logdet, x / level[:, None])
        np.testing.assert_allclose(agent.v_inv, v_inv, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(agent.logdet, logdet, rtol=1e-12)
    theta0 = agent.theta.copy()
    agent.refit_all()
    n = agent._count
    if name == "CatoniOFUL":
        alpha, weights = np.full(n_runs, catoni_alpha(n, 1.0, agent.delta)), catoni_irls_weights
    else:
        alpha, weights = agent._aux[:, :n], huber_irls_weights
    expected = irls_linear_batched_numpy(
        agent._x[:, :n],
        agent._y[:, :n],
        alpha,
        sigmas=agent._sigma_bar[:, :n],
        mask=np.ones((n_runs, n), dtype=bool),
        lam=agent.lam,
        irls_weights=weights,
        theta0=theta0,
    )
    np.testing.assert_allclose(agent.theta, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("huber", [False, True])
def test_irls_fit_sums_long_histories_in_blocks_to_the_same_estimate(huber: bool) -> None:
    x, y, sigmas, mask, weights, alpha, theta0 = _problems(7, n_problems=2, n=2500, d=4)
    inv_sigma = np.where(mask, 1.0 / sigmas, 0.0)
    theta = theta0.copy()
    irls_fit_rows(
        x, y, inv_sigma, inv_sigma**2 * weights, alpha, huber, 1.0, theta, False, 1e-8, 50
    )
    expected = irls_linear_batched_numpy(
        x,
        y,
        alpha,
        sigmas=sigmas,
        mask=mask,
        sample_weights=weights,
        irls_weights=huber_irls_weights if huber else catoni_irls_weights,
    )
    np.testing.assert_allclose(theta, expected, rtol=1e-10, atol=1e-12)


def test_irls_without_samples_is_zero() -> None:
    theta = irls_linear_batched(
        np.zeros((2, 0, 3)),
        np.zeros((2, 0)),
        np.ones(2),
        sigmas=np.ones((2, 0)),
        mask=np.ones((2, 0), dtype=bool),
    )
    np.testing.assert_array_equal(theta, np.zeros((2, 3)))


def test_catoni_weights_stay_finite_where_the_square_overflows() -> None:
    # log1p(a + a^2 / 2) / a overflows in a^2 beyond ~1.3e154; the weight itself is tiny there.
    a = np.array([1e99, 1e101, 1e200, 1.7e308, np.inf])
    weights = catoni_irls_weights(a)
    assert np.all(np.isfinite(weights)) and weights[-1] == 0.0
    np.testing.assert_allclose(weights[:-1], (2 * np.log(a[:-1]) - np.log(2)) / a[:-1], rtol=1e-12)
    # Continuous across the switch at 1e100 (both forms agree there to float precision).
    below, above = catoni_irls_weights(np.array([1e100, np.nextafter(1e100, np.inf)]))
    assert above == pytest.approx(below, rel=1e-12)


@pytest.mark.parametrize("huber", [False, True])
def test_irls_with_rewards_near_the_float_range_matches_numpy_without_raising(huber: bool) -> None:
    # One reward near the largest float: the NumPy loop returns a (finite or NaN) estimate,
    # and the compiled one must return the same instead of raising from its solver.
    x, y, sigmas, mask, weights, alpha, theta0 = _problems(4, n_problems=3, n=20)
    y[:, 3] = 1.7e308
    y[2, 5] = 1.7e308  # two of them: the ridge start's sums overflow
    kwargs = dict(sigmas=sigmas, mask=mask, lam=1.0, theta0=None)
    weight = huber_irls_weights if huber else catoni_irls_weights
    compiled = irls_linear_batched(x, y, alpha, irls_weights=weight, **kwargs)
    reference = irls_linear_batched_numpy(x, y, alpha, irls_weights=weight, **kwargs)
    np.testing.assert_allclose(compiled, reference, rtol=1e-9, equal_nan=True)
