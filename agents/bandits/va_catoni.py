"""Variance-agnostic Catoni bandit: peeling by uncertainty level, Catoni per layer."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlsuite.agents.bandits.catoni import catoni_alpha, catoni_irls_weights, irls_linear_batched
from rlsuite.agents.bandits.linear_base import LinearBanditAgent, ofu_radius, sherman_morrison
from rlsuite.envs.validation import check_int, check_real

__all__ = ["VACatoni"]

#: MAD of a standard normal; divides the MAD into a scale comparable to a std.
_MAD_TO_STD = 0.6744897501960817


def _masked_median(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Row medians of ``values`` ``(P, n)`` whose first ``counts`` entries are real, rest ``nan``.

    The same values as ``np.nanmedian(values, axis=1)`` (mean of the two
    middle order statistics for an even count), by one sort: ``nan`` sorts
    last. ``np.nanmedian`` goes through masked arrays for short rows, which
    cost most of a refit. Rows with ``counts == 0`` return ``nan``.
    """
    ordered = np.sort(values, axis=1)
    rows = np.arange(len(values))
    low, high = np.maximum((counts - 1) // 2, 0), np.maximum(counts // 2, 0)
    median = 0.5 * (ordered[rows, low] + ordered[rows, high])
    return np.where(counts > 0, median, np.nan)


class VACatoni(LinearBanditAgent):
    """Variance-agnostic Catoni bandit (Ye, Jin, Agarwal & Zhang 2025, Alg. 2), linear class.

    The noise level is unknown. Rounds are peeled into ``n_layers`` layers by
    uncertainty level ``2^-l`` (``l = 1..L``), each layer with its own data,
    weighted Gram matrix ``V_l`` and Catoni estimate ``theta_l``. Round ``t``
    walks down the layers with the active arm set ``A`` (all arms at first):

    1. if some ``a`` in ``A`` has ``||x_a||_{V_l^-1} > 2^-l``, pull the most
       optimistic such arm and add the round to layer ``l`` with weight
       ``w_t = 2^-l / ||x_a||_{V_l^-1}`` (so ``||w_t x_a||_{V_l^-1} = 2^-l``:
       every sample of a layer carries the same uncertainty);
    2. otherwise keep the arms whose upper bound in layer ``l`` reaches the
       best lower bound, ``<theta_l, x_a> + beta_l ||x_a|| >= max_b
       (<theta_l, x_b> - beta_l ||x_b||)``, and go to layer ``l + 1``;
    3. past the last layer, pull the optimistic arm of ``A`` in layer ``L``
       without recording the round (it would break the layers'
       independence structure, as in SupLinUCB).

    Layer ``l`` fits the Catoni M-estimator (IRLS) to the weighted residuals
    ``w_s (y_s - <x_s, theta>) / s_l``, where ``s_l`` is a robust scale of
    those residuals (their median absolute deviation / 0.6745, refreshed at
    every refit; ``scale_prior`` until the layer has ``2 dim`` samples), and
    ``beta_l = s_l sqrt(log det V_l - d log lam + 2 log(L / delta)) + sqrt(lam) S``.

    Deviations from the paper
    -------------------------
    * Linear specialisation of the version-space step, as in
      :class:`~rlsuite.agents.bandits.catoni_oful.CatoniOFUL`.
    * The paper sets each layer's Catoni scale from the layer's uncertainty
      level and a fourth-moment bound. Given that bound
      (``fourth_moment = m4 >= E eta^4``), every layer's scale is
      ``s_l = m4^{1/4}``, the standard-deviation bound it implies
      (``sigma <= (E eta^4)^{1/4}``, Jensen). Without it (the default) we
      normalise the layer's residuals by their MAD, a robust statistic that
      needs no moment (no variance estimate is formed); for noise that is 0
      most of the time, such as rare spikes, the MAD is near 0 and the
      radius shrinks accordingly.
    * In step 1 the paper may pull any uncertain arm; we pull the optimistic
      one among them, which keeps the layer invariant and wastes less regret.
    * Layers are refit when ``det V_l`` doubles (rarely-switching schedule).
      Every sample of layer ``l`` has weighted uncertainty ``2^-l``, so
      ``det V_l`` grows by the factor ``1 + 4^-l`` per sample and doubles
      every ``~0.69 * 4^l`` samples (178 at ``l = 4``): a layer's refits grow
      linearly with its sample count, not as ``d log T`` as in OFUL.

    All runs and layers are peeled at once (arrays with a layer axis; the
    elimination chain is the one loop, over layers), and the (run, layer)
    pairs due for a refit are refit as one padded batch.

    Parameters
    ----------
    n_arms : int
        Arms per round.
    dim : int
        Feature dimension.
    n_layers : int
        Number of layers ``L`` (finest level ``2^-L``).
    scale_prior : float
        Residual scale assumed while a layer has under ``2 dim`` samples.
    refit_ratio : float
        Refit a layer when its ``det V`` grew by this factor, ``>= 1``.
    fourth_moment : float or None
        Bound on the noise's fourth moment ``E eta^4``, ``> 0``; ``None``
        (default): the MAD scale above.
    **kwargs
        ``lam``, ``theta_norm``, ``delta``, ``beta_scale``, ``seed``, ``n_runs``:
        see :class:`~rlsuite.agents.bandits.linear_base.LinearBanditAgent`.
    """

    def __init__(
        self,
        n_arms: int,
        dim: int,
        n_layers: int = 8,
        scale_prior: float = 1.0,
        refit_ratio: float = 2.0,
        fourth_moment: float | None = None,
        **kwargs: Any,
    ) -> None:
        self.fourth_moment = (
            None
            if fourth_moment is None
            else check_real("fourth_moment", fourth_moment, 0.0, low_open=True)
        )
        self.n_layers = check_int("n_layers", n_layers)
        self.scale_prior = check_real("scale_prior", scale_prior, 0.0, low_open=True)
        self.refit_ratio = check_real("refit_ratio", refit_ratio, 1.0)
        super().__init__(n_arms, dim, **kwargs)

    def _reset_state(self) -> None:
        shape = (self.n_runs, self.n_layers)
        v_inv, self.logdet = self._fresh_gram(*shape)
        # Every layer's V_l^-1 side by side, (n_runs, d, n_layers, d): one
        # (n_arms, d) @ (d, n_layers d) product per run gives V_l^-1 x_a for all
        # layers at once, without rearranging the matrices every round.
        self._v_inv_side = np.ascontiguousarray(v_inv.transpose(0, 2, 1, 3))
        self.theta = np.zeros(shape + (self.dim,))
        prior = self.scale_prior if self.fourth_moment is None else self.fourth_moment**0.25
        self.scale = np.full(shape, prior)
        self.n_obs = np.zeros(shape, dtype=np.int64)
        self._fit_logdet = self.logdet.copy()
        self._last_peel: tuple[np.ndarray, int, tuple[np.ndarray, ...]] | None = None
        # Per (run, layer) growable history: features, rewards, weights.
        self._x = np.zeros(shape + (16, self.dim))
        self._y = np.zeros(shape + (16,))
        self._w = np.ones(shape + (16,))
        self._levels = 2.0 ** -np.arange(1, self.n_layers + 1)

    @property
    def v_inv(self) -> np.ndarray:
        """``V_l^-1`` of every run and layer, ``(n_runs, n_layers, d, d)`` (a view)."""
        return self._v_inv_side.transpose(0, 2, 1, 3)

    def radius(self) -> np.ndarray:
        """``beta_l`` of every run and layer, ``(n_runs, n_layers)``."""
        noise_term, prior_term = ofu_radius(
            self.logdet, self.dim, self.lam, self.delta / self.n_layers, self.theta_norm
        )
        return self.beta_scale * (self.scale * noise_term + prior_term)

    def _peel(self, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(arm, layer, width)`` per run; ``layer = -1`` where the round is not recorded.

        Widths, bounds and which arms are uncertain are computed for all runs
        and layers at once (arrays with a layer axis). The only sequential
        part is the elimination: layer ``l``'s active set is the previous one
        filtered by layer ``l - 1``'s bounds, three ``(n_runs, n_arms)``
        operations per layer. The chain stops at the deepest layer it can
        matter for: a run all of whose arms are uncertain at layer ``m`` pulls
        at ``m`` or above, because an active set is never empty (the arm with
        the best lower bound keeps its upper bound above it). A run's active
        sets below the layer where it pulls are not used, so the result is
        that of the walk described in the class docstring.
        """
        runs, layers, dim = self.n_runs, self.n_layers, self.dim
        projected = (obs @ self._v_inv_side.reshape(runs, dim, layers * dim)).reshape(
            runs, self.n_arms, layers, dim
        )
        quad = np.einsum("rkld,rkd->rlk", projected, obs)
        widths = np.sqrt(np.maximum(quad, 0.0))  # (n_runs, n_layers, n_arms)
        means = (obs @ self.theta.transpose(0, 2, 1)).transpose(0, 2, 1)
        spread = self.radius()[..., None] * widths
        ucb, lcb = means + spread, means - spread
        above_level = widths > self._levels[:, None]
        every_arm = above_level.all(axis=2)
        depth = layers
        if every_arm.any(axis=1).all():
            depth = int(every_arm.argmax(axis=1).max()) + 1
        active = np.zeros(ucb.shape, dtype=bool)
        current = np.ones((runs, self.n_arms), dtype=bool)
        for level_index in range(depth):
            active[:, level_index] = current
            best_lower = np.where(current, lcb[:, level_index], -np.inf).max(axis=1)
            current = current & (ucb[:, level_index] >= best_lower[:, None])
        # Step 1 at every layer at once; the first layer with an uncertain arm pulls.
        uncertain = active & above_level
        pulls = uncertain.any(axis=2)
        done = pulls.any(axis=1)
        rows = np.arange(runs)
        first = np.where(done, pulls.argmax(axis=1), -1)
        layer_of = np.maximum(first, 0)
        choice = np.where(uncertain[rows, layer_of], ucb[rows, layer_of], -np.inf).argmax(axis=1)
        if depth == layers:
            last = np.where(current, ucb[:, -1], -np.inf).argmax(axis=1)
            arm = np.where(done, choice, last)
        else:
            arm = choice  # every run pulled above the depth the chain went to
        width = np.where(done, widths[rows, layer_of, arm], 0.0)
        return arm, first, width

    def select_actions(self, obs: np.ndarray) -> np.ndarray:
        """Peel every run's round down the layers."""
        obs = self._check_obs(obs)
        peeled = self._peel(obs)
        # update_batch on the same round reuses the peeling instead of redoing it.
        self._last_peel = (obs.copy(), self.t, peeled)
        return peeled[0].copy()

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """Best arm under the deepest layer that has data."""
        obs = self._check_obs(obs)
        has_data = self.n_obs > 0
        deepest = np.where(has_data.any(axis=1), self.n_layers - 1 - has_data[:, ::-1].argmax(1), 0)
        theta = self.theta[np.arange(self.n_runs), deepest]
        return np.einsum("rkd,rd->rk", obs, theta).argmax(axis=1)

    def _update_batch(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        infos: dict[str, Any] | None = None,
    ) -> None:
        """Record each run's round in the layer its peeling put it in, if any."""
        obs = self._check_obs(obs)
        cached = self._last_peel
        if cached is not None and cached[1] == self.t and np.array_equal(cached[0], obs):
            arm, layer, width = cached[2]
        else:
            arm, layer, width = self._peel(obs)
        self._last_peel = None
        self.t += 1
        runs = np.flatnonzero((layer >= 0) & (arm == np.asarray(actions)))
        if runs.size == 0:
            return
        layers = layer[runs]
        weight = self._levels[layers] / width[runs]
        x = obs[runs, arm[runs]]
        slot = self.n_obs[runs, layers]
        if slot.max() >= self._y.shape[2]:
            self._grow()
        self._x[runs, layers, slot] = x
        self._y[runs, layers, slot] = np.asarray(rewards, dtype=np.float64)[runs]
        self._w[runs, layers, slot] = weight
        self.n_obs[runs, layers] = slot + 1
        v_inv, logdet = sherman_morrison(
            self._v_inv_side[runs, :, layers], self.logdet[runs, layers], weight[:, None] * x
        )
        self._v_inv_side[runs, :, layers], self.logdet[runs, layers] = v_inv, logdet
        grew = logdet - self._fit_logdet[runs, layers]
        due = (grew >= math.log(self.refit_ratio)) | (slot + 1 <= 2 * self.dim)
        if due.any():
            self._fit(runs[due], layers[due])

    def _grow(self) -> None:
        size = 2 * self._y.shape[2]
        for name, fill in (("_x", 0.0), ("_y", 0.0), ("_w", 1.0)):
            old = getattr(self, name)
            new = np.full(old.shape[:2] + (size,) + old.shape[3:], fill)
            new[:, :, : old.shape[2]] = old
            setattr(self, name, new)

    def _fit(self, runs: np.ndarray, layers: np.ndarray) -> None:
        """Refit the given (run, layer) pairs together.

        Pairs with a MAD scale take two passes: the MAD scale of the current
        fit, then the fit at that scale, then both again at the new fit. Pairs
        with a fixed scale (``fourth_moment`` given, or under ``2 dim``
        samples) are at their fixed point after one IRLS solve, so only the
        MAD pairs take the second pass.
        """
        counts = self.n_obs[runs, layers]
        n = int(counts.max())
        mask = np.arange(n)[None, :] < counts[:, None]
        x, y = self._x[runs, layers, :n], self._y[runs, layers, :n]
        w = np.where(mask, self._w[runs, layers, :n], 1.0)
        alpha = catoni_alpha(counts, 1.0, self.delta / self.n_layers)
        theta, scale = self.theta[runs, layers], self.scale[runs, layers].copy()
        robust = (counts >= 2 * self.dim) & (self.fourth_moment is None)
        sub = np.flatnonzero(robust)
        for first_pass in (True, False):
            # First pass: every pair (whole arrays, no gather); second: the MAD pairs.
            rows: slice | np.ndarray = slice(None) if first_pass else sub
            if sub.size:
                weighted = np.where(
                    mask[sub],
                    w[sub] * (y[sub] - np.einsum("pnd,pd->pn", x[sub], theta[sub])),
                    np.nan,
                )
                centre = _masked_median(weighted, counts[sub])
                mad = _masked_median(np.abs(weighted - centre[:, None]), counts[sub])
                scale[sub] = np.maximum(mad / _MAD_TO_STD, 1e-3 * self.scale_prior)
            # sigmas = 1 / w keeps IRLS's normal equations on V_l's weighting;
            # the scale enters through Catoni's alpha instead.
            theta[rows] = irls_linear_batched(
                x[rows],
                y[rows],
                alpha[rows] / scale[rows],
                sigmas=1.0 / w[rows],
                mask=mask[rows],
                lam=self.lam,
                irls_weights=catoni_irls_weights,
                theta0=theta[rows],
            )
            if sub.size == 0:
                break
        self.theta[runs, layers], self.scale[runs, layers] = theta, scale
        self._fit_logdet[runs, layers] = self.logdet[runs, layers]
