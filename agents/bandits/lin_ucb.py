"""LinUCB / OFUL: optimism over the ridge-regression confidence ellipsoid."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.bandits.linear_base import (
    LinearBanditAgent,
    ofu_radius,
    running_range,
    sherman_morrison,
)
from rlsuite.envs.validation import check_real

__all__ = ["LinUCB"]


class LinUCB(LinearBanditAgent):
    """OFUL (Abbasi-Yadkori, Pal & Szepesvari, 2011) for K-armed linear bandits.

    Keeps ``V_t = lam I + sum_s x_s x_s^T`` and ``theta_t = V_t^-1 sum_s x_s y_s``
    and pulls ``argmax_a <theta_t, x_a> + beta_t ||x_a||_{V_t^-1}``, the arm
    of the optimistic parameter in the ellipsoid
    ``{theta : ||theta - theta_t||_{V_t} <= beta_t}`` with the radius of
    their Theorem 2,
    ``beta_t = R sqrt(log det V_t - d log lam + 2 log(1/delta)) + sqrt(lam) S``.
    ``beta_scale`` multiplies ``beta_t`` (``beta_scale * R = alpha`` of
    LinUCB, Li et al. 2010, for a constant radius practitioners tune).
    The least-squares fit assumes ``R``-sub-Gaussian noise: heavy tails break
    it, which is what :class:`~rlsuite.agents.bandits.catoni_oful.CatoniOFUL`
    fixes. Updates are exact and vectorised over runs.

    ``R`` is the sub-Gaussian scale the user declares. By default
    (``noise_scale=None``) it is what the env states: noise confined to an
    interval of width ``W`` is ``W / 2``-sub-Gaussian (Hoeffding's lemma), so
    ``R`` is half the largest ``info["reward_range"]`` seen so far in that
    run (the bounded families of :mod:`rlsuite.envs.noise` report it), and 1
    until an env states a range. Declaring the noise's standard deviation
    instead is the misspecified, optimistic choice: it is not a valid
    sub-Gaussian scale for spiky noise.

    Parameters
    ----------
    n_arms : int
        Arms per round.
    dim : int
        Feature dimension.
    noise_scale : float or None
        Sub-Gaussian level ``R`` of the reward noise, ``> 0``; ``None`` (default):
        half the env's stated ``reward_range``, 1 where none is stated.
    **kwargs
        ``lam``, ``theta_norm``, ``delta``, ``beta_scale``, ``seed``, ``n_runs``:
        see :class:`~rlsuite.agents.bandits.linear_base.LinearBanditAgent`.
    """

    def __init__(
        self,
        n_arms: int,
        dim: int,
        noise_scale: float | None = None,
        **kwargs: Any,
    ) -> None:
        self.noise_scale = (
            None
            if noise_scale is None
            else check_real("noise_scale", noise_scale, 0.0, low_open=True)
        )
        super().__init__(n_arms, dim, **kwargs)

    def _reset_state(self) -> None:
        self.v_inv, self.logdet = self._fresh_gram(self.n_runs)
        self.b = np.zeros((self.n_runs, self.dim))
        self.theta = np.zeros((self.n_runs, self.dim))
        self._rows = np.arange(self.n_runs)
        self._stated_range = np.full(self.n_runs, np.nan)

    def sub_gaussian_scale(self) -> np.ndarray:
        """``R`` per run: the declared ``noise_scale``, else half the stated range, else 1."""
        if self.noise_scale is not None:
            return np.full(self.n_runs, self.noise_scale)
        return np.where(np.isnan(self._stated_range), 1.0, 0.5 * self._stated_range)

    def radius(self) -> np.ndarray:
        """``beta_t`` per run."""
        noise_term, prior_term = ofu_radius(
            self.logdet, self.dim, self.lam, self.delta, self.theta_norm
        )
        return self.beta_scale * (self.sub_gaussian_scale() * noise_term + prior_term)

    def select_actions(self, obs: np.ndarray) -> np.ndarray:
        """Optimistic arm per run."""
        obs = self._check_obs(obs)
        means = np.einsum("rkd,rd->rk", obs, self.theta)
        widths = self._norms(self.v_inv, obs)
        return (means + self.radius()[:, None] * widths).argmax(axis=1)

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """Arm with the largest estimated reward."""
        obs = self._check_obs(obs)
        return np.einsum("rkd,rd->rk", obs, self.theta).argmax(axis=1)

    def _update_batch(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        infos: dict[str, Any] | None = None,
    ) -> None:
        """Rank-one update of ``V^-1`` and the ridge estimate."""
        x = self._check_obs(obs)[self._rows, actions]
        if self.noise_scale is None:
            self._stated_range = running_range(self._stated_range, infos)
        self.v_inv, self.logdet = sherman_morrison(self.v_inv, self.logdet, x)
        self.b += x * np.asarray(rewards, dtype=np.float64)[:, None]
        self.theta = np.einsum("rij,rj->ri", self.v_inv, self.b)
        self.t += 1

    def _fold_log(self, obs, actions, rewards, infos) -> None:
        """``V += X^T X`` and ``b += X^T y`` per run: one Gram product for the whole log."""
        x = self._log_features(obs, actions)  # (R, n, d)
        gram = np.linalg.inv(self.v_inv) + np.swapaxes(x, 1, 2) @ x
        self.v_inv = np.linalg.inv(gram)
        self.logdet = np.linalg.slogdet(gram)[1]
        self.b += (np.swapaxes(x, 1, 2) @ rewards.T[:, :, None])[..., 0]
        self.theta = np.einsum("rij,rj->ri", self.v_inv, self.b)
        self.t += len(actions)
