"""Catoni-OFUL: variance-weighted Catoni regression with optimism (known variance)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlsuite.agents.bandits.catoni import catoni_alpha
from rlsuite.agents.bandits.linear_base import WeightedRobustOFUL
from rlsuite.envs.validation import check_real

__all__ = ["CatoniOFUL"]


class CatoniOFUL(WeightedRobustOFUL):
    """Catoni-OFUL of Ye, Jin, Agarwal & Zhang (ICML 2025, arXiv 2502.02486), linear class.

    Known-variance setting: the env reveals ``sigma_t`` (``info["noise_std"]``,
    or ``info["noise_scale"]`` when the variance is infinite). Each round is
    whitened by ``sigma_bar_t = max(sigma_t, sigma_min,
    gamma ||x_t||_{V_{t-1}^-1}^{1/2})``, so ``V_t = lam I + sum x x^T /
    sigma_bar^2`` and the whitened noise has variance at most 1. The
    estimate is the Catoni M-estimator of the weighted regression,

        theta_t = argmin_theta  sum_s rho(alpha_t z_s) / alpha_t^2 + lam/2 ||theta||^2,
        z_s = (y_s - <x_s, theta>) / sigma_bar_s,   rho' = psi,

    solved by IRLS (:func:`~rlsuite.agents.bandits.catoni.irls_linear`) with
    Catoni's scale ``alpha_t = catoni_alpha(t, 1, delta)``
    (``~ sqrt(2 log(1/delta) / t)``). The arm pulled is the optimistic one
    over ``{theta : ||theta - theta_t||_{V_t} <= beta_t}``.

    Deviations from the paper
    -------------------------
    * The paper's version-space step estimates, for every pair ``f, f'`` in
      the current version space, the weighted excess loss with Catoni's mean
      estimator and keeps the ``f`` with the smallest worst-case estimate; over
      the linear class this min-max over pairs is impractical, and we use its
      linear specialisation above: Catoni's estimating equation
      ``sum_s psi(alpha z_s) x_s / sigma_bar_s = alpha lam theta`` (the
      M-estimator whose influence is ``psi``).
    * The version space is an ellipsoid of radius
      ``beta_t = sqrt(log det V_t - d log lam + 2 log(1/delta)
      + d log(1 + 2 S R t)) + sqrt(lam) S``: the self-normalised OFUL radius
      of the whitened problem plus the log-covering number of the linear
      class at scale ``1 / (R t)`` (``(1 + 2 S R t)^d`` balls), the term
      through which the paper's bound depends on the range only as
      ``log(R T)``. The paper states its radius up to absolute constants; we
      use unit constants (``beta_scale`` multiplies the whole radius). The
      paper's text beyond its abstract (regret ``sqrt(sum_t sigma_t^2)``
      plus ``log R`` and ``log T`` terms) could not be retrieved here
      (arxiv.org/abs/2502.02486, openreview.net/forum?id=5IpVe9PH14 and
      the ICML 2025 poster page hold only the abstract), so this term is our
      reading, not the paper's formula. It dominates the radius in the
      study's regime: at ``d = 10``, ``R = 100``, ``T = 10^4`` it is 145 of
      ``beta^2 ~ 219``, and CatoniOFUL's homoscedastic regret falls from 564
      to 195 (OFUL told sigma: 207) when it is switched off
      (:mod:`rlsuite.experiments.heavy_tail_catoni.radius_diagnostic`,
      record in ``docs/results/heavy_tail_catoni.txt``). ``R``
      is ``reward_range`` if given, else the env's stated
      ``info["reward_range"]`` (1 where none is stated). The floor
      ``gamma ||x||^{1/2}_{V^-1}`` follows the weighted-OFUL analyses the
      paper builds on (Zhou et al. 2021).
    * The estimate is refit on the rarely-switching schedule of
      :class:`~rlsuite.agents.bandits.linear_base.WeightedRobustOFUL`.

    Parameters
    ----------
    n_arms : int
        Arms per round.
    dim : int
        Feature dimension.
    sigma_min : float
        Floor of the whitening level, ``> 0``.
    gamma : float or None
        Uncertainty floor coefficient, ``>= 0`` (default ``dim^{-1/4}``).
    refit_ratio : float
        Refit when ``det V`` grew by this factor, ``>= 1`` (1: every round).
    alpha_scale : float
        Multiplier of Catoni's scale ``alpha_t``, ``> 0`` (1: the variance-based
        choice; larger values damp large residuals more, an ablation knob).
    reward_range : float or None
        Range ``R`` of the rewards in the radius's ``log(R t)`` term, ``> 0``;
        ``None`` (default): the env's stated ``info["reward_range"]``.
    **kwargs
        ``lam``, ``theta_norm``, ``delta``, ``beta_scale``, ``seed``, ``n_runs``:
        see :class:`~rlsuite.agents.bandits.linear_base.LinearBanditAgent`.
    """

    _loss = "catoni"

    def __init__(
        self,
        n_arms: int,
        dim: int,
        sigma_min: float = 0.05,
        gamma: float | None = None,
        refit_ratio: float = 2.0,
        alpha_scale: float = 1.0,
        reward_range: float | None = None,
        **kwargs: Any,
    ) -> None:
        self.reward_range = (
            None
            if reward_range is None
            else check_real("reward_range", reward_range, 0.0, low_open=True)
        )
        self.alpha_scale = check_real("alpha_scale", alpha_scale, 0.0, low_open=True)
        super().__init__(
            n_arms,
            dim,
            sigma_min=sigma_min,
            refit_ratio=refit_ratio,
            gamma=gamma,
            **kwargs,
        )

    def radius(self) -> np.ndarray:
        """Whitened OFUL radius plus the covering term ``d log(1 + 2 S R t)``."""
        reward_range = self.stated_range if self.reward_range is None else self.reward_range
        cover = self.dim * np.log1p(2.0 * self.theta_norm * reward_range * max(self.t, 1))
        # ofu_radius's noise term is sqrt(inner); the covering term adds under the root.
        inner = np.maximum(
            self.logdet - self.dim * math.log(self.lam) + 2.0 * math.log(1.0 / self.delta), 0.0
        )
        prior_term = math.sqrt(self.lam) * self.theta_norm
        return self.beta_scale * (np.sqrt(inner + cover) + prior_term)

    def _irls_scale(self, runs: np.ndarray) -> np.ndarray:
        """Catoni's scale ``alpha_scale * catoni_alpha(t, 1, delta)`` (the stored ``aux`` is 1)."""
        return self.alpha_scale * catoni_alpha(self.n_obs[runs], 1.0, self.delta)
