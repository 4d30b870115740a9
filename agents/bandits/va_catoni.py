"""Variance-agnostic Catoni bandit: peeling by uncertainty level, Catoni per layer."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlsuite.agents.bandits.catoni import catoni_alpha, catoni_irls_weights, irls_linear
from rlsuite.agents.bandits.linear_base import LinearBanditAgent, ofu_radius, sherman_morrison
from rlsuite.envs.validation import check_int, check_real

__all__ = ["VACatoni"]

#: MAD of a standard normal; divides the MAD into a scale comparable to a std.
_MAD_TO_STD = 0.6744897501960817


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
        self.v_inv, self.logdet = self._fresh_gram(*shape)
        self.theta = np.zeros(shape + (self.dim,))
        prior = self.scale_prior if self.fourth_moment is None else self.fourth_moment**0.25
        self.scale = np.full(shape, prior)
        self.n_obs = np.zeros(shape, dtype=np.int64)
        self._fit_logdet = self.logdet.copy()
        self._last_peel: tuple[np.ndarray, int, list] | None = None
        # Per (run, layer) growable history: features, rewards, weights.
        self._data: list[list[list[np.ndarray]]] = [
            [[] for _ in range(self.n_layers)] for _ in range(self.n_runs)
        ]

    def radius(self, run: int, layer: int) -> float:
        """``beta_l`` of one run's layer."""
        noise_term, prior_term = ofu_radius(
            self.logdet[run, layer],
            self.dim,
            self.lam,
            self.delta / self.n_layers,
            self.theta_norm,
        )
        return float(self.beta_scale * (self.scale[run, layer] * noise_term + prior_term))

    def _peel(self, run: int, contexts: np.ndarray) -> tuple[int, int, float]:
        """``(arm, layer, width)`` chosen for one run; ``layer = -1`` if not recorded."""
        active = np.ones(self.n_arms, dtype=bool)
        ucb = np.zeros(self.n_arms)
        for layer in range(self.n_layers):
            level = 2.0 ** -(layer + 1)
            quad = np.einsum("kd,de,ke->k", contexts, self.v_inv[run, layer], contexts)
            widths = np.sqrt(np.maximum(quad, 0.0))
            means = contexts @ self.theta[run, layer]
            beta = self.radius(run, layer)
            ucb = means + beta * widths
            uncertain = active & (widths > level)
            if uncertain.any():
                arm = int(np.where(uncertain, ucb, -np.inf).argmax())
                return arm, layer, float(widths[arm])
            best_lower = (means - beta * widths)[active].max()
            active &= ucb >= best_lower
        return int(np.where(active, ucb, -np.inf).argmax()), -1, 0.0

    def select_actions(self, obs: np.ndarray) -> np.ndarray:
        """Peel each run's round down the layers (a loop over runs)."""
        obs = self._check_obs(obs)
        peeled = [self._peel(run, obs[run]) for run in range(self.n_runs)]
        # update_batch on the same round reuses the peeling instead of redoing it.
        self._last_peel = (obs.copy(), self.t, peeled)
        return np.array([arm for arm, _, _ in peeled])

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
            peeled = cached[2]
        else:
            peeled = [self._peel(run, obs[run]) for run in range(self.n_runs)]
        self._last_peel = None
        for run in range(self.n_runs):
            arm, layer, width = peeled[run]
            if layer < 0 or arm != int(actions[run]):
                continue
            weight = 2.0 ** -(layer + 1) / width
            x = obs[run, arm]
            self._data[run][layer].append(np.array([*x, float(rewards[run]), weight]))
            self.n_obs[run, layer] += 1
            self.v_inv[run, layer], self.logdet[run, layer] = sherman_morrison(
                self.v_inv[run, layer], self.logdet[run, layer], weight * x
            )
            grew = self.logdet[run, layer] - self._fit_logdet[run, layer]
            if grew >= math.log(self.refit_ratio) or self.n_obs[run, layer] <= 2 * self.dim:
                self._fit(run, layer)
        self.t += 1

    def _fit(self, run: int, layer: int) -> None:
        data = np.array(self._data[run][layer])
        x, y, w = data[:, : self.dim], data[:, self.dim], data[:, self.dim + 1]
        n = len(y)
        alpha = float(catoni_alpha(n, 1.0, self.delta / self.n_layers))
        theta = self.theta[run, layer]
        scale = self.scale[run, layer]
        # Two passes: the MAD scale of the current fit, then the fit at that scale.
        for _ in range(2):
            if n >= 2 * self.dim and self.fourth_moment is None:
                weighted = w * (y - x @ theta)
                mad = np.median(np.abs(weighted - np.median(weighted)))
                scale = max(mad / _MAD_TO_STD, 1e-3 * self.scale_prior)
            # sigmas = 1 / w keeps IRLS's normal equations on V_l's weighting;
            # the scale enters through Catoni's alpha instead.
            theta = irls_linear(
                x,
                y,
                alpha / scale,
                sigmas=1.0 / w,
                lam=self.lam,
                irls_weights=catoni_irls_weights,
                theta0=theta,
            )
        self.theta[run, layer], self.scale[run, layer] = theta, scale
        self._fit_logdet[run, layer] = self.logdet[run, layer]
