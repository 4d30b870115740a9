"""VACatoni's compiled kernels reproduce the NumPy statement of its peeling and refits.

The references below are VACatoni's NumPy code before the kernels
(commit 5ea92ad, ``_peel``, ``_update_batch`` and ``_fit``), with the IRLS of
:func:`~rlsuite.agents.bandits.catoni.irls_linear_batched_numpy`: the peel
must give the same arms and layers, the update the same state to float
tolerance.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rlsuite.agents.bandits._compiled_va import MAD_TO_STD, _median, peel
from rlsuite.agents.bandits.catoni import (
    catoni_alpha,
    catoni_irls_weights,
    irls_linear_batched_numpy,
)
from rlsuite.agents.bandits.linear_base import ofu_radius, sherman_morrison
from rlsuite.agents.bandits.va_catoni import VACatoni
from rlsuite.envs.linear_contextual_bandit import LinearContextualBanditVectorEnv
from rlsuite.envs.noise import Spike


def _masked_median(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Row medians of ``values`` ``(P, n)`` whose first ``counts`` entries are real, rest ``nan``.

    The NumPy median of VACatoni's refit before the kernels, the reference of
    :func:`~rlsuite.agents.bandits._compiled_va._median`: the same values as
    ``np.nanmedian(values, axis=1)`` (mean of the two middle order statistics
    for an even count), by one sort (``nan`` sorts last). Rows with
    ``counts == 0`` return ``nan``.
    """
    ordered = np.sort(values, axis=1)
    rows = np.arange(len(values))
    low, high = np.maximum((counts - 1) // 2, 0), np.maximum(counts // 2, 0)
    median = 0.5 * (ordered[rows, low] + ordered[rows, high])
    return np.where(counts > 0, median, np.nan)


def test_masked_median_equals_nanmedian() -> None:
    rng = np.random.default_rng(0)
    for n in (1, 2, 5, 8, 33):
        counts = rng.integers(1, n + 1, 7)
        values = np.where(np.arange(n) < counts[:, None], rng.normal(size=(7, n)), np.nan)
        np.testing.assert_array_equal(_masked_median(values, counts), np.nanmedian(values, axis=1))


def _numpy_peel(obs, v_inv, theta, radius, levels):
    """The vectorised NumPy peel: all runs and layers at once, the elimination chain over layers."""
    runs, n_arms, dim = obs.shape
    layers = levels.size
    side = np.ascontiguousarray(v_inv.transpose(0, 2, 1, 3))
    projected = (obs @ side.reshape(runs, dim, layers * dim)).reshape(runs, n_arms, layers, dim)
    widths = np.sqrt(np.maximum(np.einsum("rkld,rkd->rlk", projected, obs), 0.0))
    means = (obs @ theta.transpose(0, 2, 1)).transpose(0, 2, 1)
    spread = radius[..., None] * widths
    ucb, lcb = means + spread, means - spread
    above_level = widths > levels[:, None]
    active = np.zeros(ucb.shape, dtype=bool)
    current = np.ones((runs, n_arms), dtype=bool)
    for level_index in range(layers):
        active[:, level_index] = current
        best_lower = np.where(current, lcb[:, level_index], -np.inf).max(axis=1)
        current = current & (ucb[:, level_index] >= best_lower[:, None])
    uncertain = active & above_level
    pulls = uncertain.any(axis=2)
    done = pulls.any(axis=1)
    rows = np.arange(runs)
    first = np.where(done, pulls.argmax(axis=1), -1)
    layer_of = np.maximum(first, 0)
    choice = np.where(uncertain[rows, layer_of], ucb[rows, layer_of], -np.inf).argmax(axis=1)
    last = np.where(current, ucb[:, -1], -np.inf).argmax(axis=1)
    arm = np.where(done, choice, last)
    width = np.where(done, widths[rows, layer_of, arm], 0.0)
    return arm, first, width


def _random_state(rng, runs, layers, dim, spread):
    """SPD ``V_l^-1`` of random sizes, estimates, log-determinants and scales."""
    factor = rng.normal(size=(runs, layers, dim, dim)) * spread[..., None, None]
    v_inv = factor @ np.swapaxes(factor, -1, -2) / dim + 1e-4 * np.eye(dim)
    theta = rng.normal(size=(runs, layers, dim))
    logdet = rng.uniform(0.0, 30.0, size=(runs, layers))
    scale = rng.uniform(0.05, 2.0, size=(runs, layers))
    return v_inv, theta, logdet, scale


@pytest.mark.parametrize("seed", range(6))
def test_peel_gives_the_numpy_walk_on_random_states(seed: int) -> None:
    rng = np.random.default_rng(seed)
    runs, n_arms, dim, layers = 40, 12, 5, 6
    agent = VACatoni(n_arms, dim, n_layers=layers, n_runs=runs, beta_scale=0.3)
    # Widths from far above to far below every level: walks that stop at
    # every layer, and (tiny V^-1) walks that go past the last one.
    spread = 10.0 ** rng.uniform(-3.5, 0.5, size=(runs, 1)) * np.ones((runs, layers))
    agent.v_inv[:], agent.theta[:], agent.logdet[:], agent.scale[:] = _random_state(
        rng, runs, layers, dim, spread
    )
    obs = rng.normal(size=(runs, n_arms, dim)) / math.sqrt(dim)
    obs[:, 3] = obs[:, 7]  # duplicated arms: ties of the elimination and of argmax
    obs[: runs // 2, :, :] *= rng.uniform(0.1, 1.0, size=(runs // 2, n_arms, 1))
    arm, layer, width = peel(
        obs, agent.v_inv, agent.theta, agent.logdet, agent.scale, agent._levels, agent._peel_consts
    )
    ref_arm, ref_layer, ref_width = _numpy_peel(
        obs, agent.v_inv, agent.theta, agent.radius(), agent._levels
    )
    np.testing.assert_array_equal(layer, ref_layer)
    np.testing.assert_array_equal(arm, ref_arm)
    np.testing.assert_allclose(width, ref_width, rtol=1e-12, atol=0.0)
    assert arm.dtype == np.int64 and layer.dtype == np.int64
    assert (layer == -1).any() and len(set(layer.tolist())) >= 3


def test_peel_prefers_the_first_of_tied_arms() -> None:
    agent = VACatoni(4, 2, n_layers=2, n_runs=1)
    obs = np.array([[[0.3, 0.1], [0.6, 0.2], [0.6, 0.2], [0.1, 0.0]]])
    arm, layer, _ = agent._peel(obs)
    # Empty layers: every arm is uncertain at layer 1; arms 1 and 2 tie for the top bound.
    assert (int(arm[0]), int(layer[0])) == (1, 0)


class _NumpyVACatoni:
    """VACatoni's state and update in NumPy (the pre-kernel ``_update_batch`` and ``_fit``)."""

    def __init__(self, agent: VACatoni, capacity: int) -> None:
        self.agent = agent
        shape = (agent.n_runs, agent.n_layers)
        self.v_inv = agent.v_inv.copy()
        self.logdet = agent.logdet.copy()
        self.fit_logdet = agent._fit_logdet.copy()
        self.theta = agent.theta.copy()
        self.scale = agent.scale.copy()
        self.n_obs = agent.n_obs.copy()
        self.x = np.zeros(shape + (capacity, agent.dim))
        self.y = np.zeros(shape + (capacity,))
        self.w = np.ones(shape + (capacity,))

    def radius(self):
        a = self.agent
        noise, prior = ofu_radius(self.logdet, a.dim, a.lam, a.delta / a.n_layers, a.theta_norm)
        return a.beta_scale * (self.scale * noise + prior)

    def peel(self, obs):
        return _numpy_peel(obs, self.v_inv, self.theta, self.radius(), self.agent._levels)

    def update(self, obs, actions, rewards, peeled):
        a = self.agent
        arm, layer, width = peeled
        runs = np.flatnonzero((layer >= 0) & (arm == actions))
        if runs.size == 0:
            return
        layers = layer[runs]
        weight = a._levels[layers] / width[runs]
        x = obs[runs, arm[runs]]
        slot = self.n_obs[runs, layers]
        self.x[runs, layers, slot] = x
        self.y[runs, layers, slot] = rewards[runs]
        self.w[runs, layers, slot] = weight
        self.n_obs[runs, layers] = slot + 1
        v_inv, logdet = sherman_morrison(
            self.v_inv[runs, layers], self.logdet[runs, layers], weight[:, None] * x
        )
        self.v_inv[runs, layers], self.logdet[runs, layers] = v_inv, logdet
        grew = logdet - self.fit_logdet[runs, layers]
        due = (grew >= math.log(a.refit_ratio)) | (slot + 1 <= 2 * a.dim)
        if due.any():
            self.fit(runs[due], layers[due])

    def fit(self, runs, layers):
        a = self.agent
        counts = self.n_obs[runs, layers]
        n = int(counts.max())
        mask = np.arange(n)[None, :] < counts[:, None]
        x, y = self.x[runs, layers, :n], self.y[runs, layers, :n]
        w = np.where(mask, self.w[runs, layers, :n], 1.0)
        alpha = catoni_alpha(counts, 1.0, a.delta / a.n_layers)
        theta, scale = self.theta[runs, layers], self.scale[runs, layers].copy()
        robust = (counts >= 2 * a.dim) & (a.fourth_moment is None)
        sub = np.flatnonzero(robust)
        for first_pass in (True, False):
            rows: slice | np.ndarray = slice(None) if first_pass else sub
            if sub.size:
                weighted = np.where(
                    mask[sub],
                    w[sub] * (y[sub] - np.einsum("pnd,pd->pn", x[sub], theta[sub])),
                    np.nan,
                )
                centre = _masked_median(weighted, counts[sub])
                mad = _masked_median(np.abs(weighted - centre[:, None]), counts[sub])
                scale[sub] = np.maximum(mad / MAD_TO_STD, 1e-3 * a.scale_prior)
            theta[rows] = irls_linear_batched_numpy(
                x[rows],
                y[rows],
                alpha[rows] / scale[rows],
                sigmas=1.0 / w[rows],
                mask=mask[rows],
                lam=a.lam,
                irls_weights=catoni_irls_weights,
                theta0=theta[rows],
            )
            if sub.size == 0:
                break
        self.theta[runs, layers], self.scale[runs, layers] = theta, scale
        self.fit_logdet[runs, layers] = self.logdet[runs, layers]


@pytest.mark.parametrize("kwargs", [{}, {"fourth_moment": 50.0}, {"n_layers": 3}])
def test_record_and_refit_give_the_numpy_update(kwargs) -> None:
    env = LinearContextualBanditVectorEnv(
        num_envs=5, n_arms=8, dim=4, noise=Spike.with_range(30.0, 0.6)
    )
    agent = VACatoni(8, 4, seed=0, n_runs=5, **kwargs)
    reference = _NumpyVACatoni(agent, capacity=1024)
    obs, _ = env.reset(seed=2)
    for t in range(500):
        peeled = reference.peel(obs)
        actions = agent.select_actions(obs)
        np.testing.assert_array_equal(actions, peeled[0])
        if t % 7 == 3:  # a played arm that is not the peeled one: nothing recorded
            actions = (actions + 1) % 8
        next_obs, rewards, _, _, info = env.step(actions)
        agent.update_batch(obs, actions, rewards, info)
        reference.update(obs, actions, rewards, peeled)
        obs = next_obs
    np.testing.assert_array_equal(agent.n_obs, reference.n_obs)
    assert agent.n_obs.max() > 16  # the histories grew
    np.testing.assert_allclose(agent.v_inv, reference.v_inv, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(agent.logdet, reference.logdet, rtol=1e-12)
    np.testing.assert_allclose(agent.scale, reference.scale, rtol=1e-8)
    np.testing.assert_allclose(agent.theta, reference.theta, rtol=1e-6, atol=1e-9)
    for layer in range(agent.n_layers):
        n = agent.n_obs[:, layer].max()
        mask = np.arange(n)[None, :] < agent.n_obs[:, layer, None]
        np.testing.assert_array_equal(
            np.where(mask, agent._history[layer][:, agent.dim, :n], 0.0),
            np.where(mask, reference.y[:, layer, :n], 0),
        )


def test_update_on_another_obs_peels_that_obs() -> None:
    rng = np.random.default_rng(4)
    seen, played = rng.normal(size=(2, 3, 6, 3)) / 2
    rewards = rng.normal(size=3)
    stale = VACatoni(6, 3, n_runs=3, seed=1)
    fresh = VACatoni(6, 3, n_runs=3, seed=1)
    stale.select_actions(seen)  # caches the peeling of `seen`
    actions = fresh.select_actions(played)
    stale.update_batch(played, actions, rewards)
    fresh.update_batch(played, actions, rewards)
    np.testing.assert_array_equal(stale.n_obs, fresh.n_obs)
    assert stale.n_obs.sum() == 3
    np.testing.assert_array_equal(stale.theta, fresh.theta)
    np.testing.assert_array_equal(stale.v_inv, fresh.v_inv)


@pytest.mark.parametrize("n", [1, 2, 3, 8, 33, 500])
def test_kernel_median_is_numpy_median(n: int) -> None:
    rng = np.random.default_rng(n)
    values = rng.standard_t(1.5, size=n)
    assert _median(values) == np.median(values)
    ties = np.round(values, 0)
    assert _median(ties) == np.median(ties)
