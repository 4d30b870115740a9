"""Pieces shared by the linear contextual bandit agents.

Observations are ``(n_arms, dim)`` arm feature vectors (one row per arm), so
the batched forms take ``(n_runs, n_arms, dim)``. :class:`LinearBanditAgent`
checks that shape; :func:`sherman_morrison` keeps inverse Gram matrices and
their log-determinants up to date in ``O(d^2)`` per round; :func:`ofu_radius`
is the self-normalised confidence radius of Abbasi-Yadkori, Pal & Szepesvari
(2011), Theorem 2.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

import numpy as np

from rlsuite.agents.bandits._compiled import refit_histories, whiten_and_store
from rlsuite.agents.base import BanditAgent
from rlsuite.envs.validation import check_int, check_real

__all__ = [
    "LinearBanditAgent",
    "noise_levels",
    "ofu_radius",
    "running_range",
    "sherman_morrison",
]


def sherman_morrison(
    v_inv: np.ndarray, logdet: np.ndarray, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Inverse and log-determinant of ``V + x x^T`` from those of ``V``, batched.

    ``v_inv`` is ``(..., d, d)``, ``logdet`` ``(...)`` and ``x`` ``(..., d)``.
    """
    vx = (v_inv @ x[..., None])[..., 0]
    quad = (x * vx).sum(axis=-1)
    v_inv = v_inv - vx[..., :, None] * vx[..., None, :] / (1.0 + quad)[..., None, None]
    return v_inv, logdet + np.log1p(quad)


def ofu_radius(logdet: np.ndarray, dim: int, lam: float, delta: float, norm_bound: float):
    """``sqrt(log det V - d log lam + 2 log(1/delta)) + sqrt(lam) S`` for unit noise.

    Multiply the first term by the sub-Gaussian noise level ``R`` for raw
    rewards; the variance-weighted agents apply it to whitened rewards.
    """
    inner = np.maximum(logdet - dim * math.log(lam) + 2.0 * math.log(1.0 / delta), 0.0)
    return np.sqrt(inner), math.sqrt(lam) * norm_bound


def noise_levels(infos: dict[str, Any] | None, n_runs: int, agent: str) -> np.ndarray:
    """Per-run noise level ``sigma_t`` of the round just played, from step ``info``.

    ``noise_std`` where the env reports it (finite variance), else
    ``noise_scale`` (the family's scale, the only known level when the
    variance is infinite). Raises ``ValueError`` if neither is present.
    """
    for key in ("noise_std", "noise_scale"):
        if infos is not None and key in infos:
            sigma = np.asarray(infos[key], dtype=np.float64)
            if sigma.shape != (n_runs,):
                sigma = np.broadcast_to(sigma, (n_runs,))
            # min > 0 is False for nan; max finite rules out inf. (The ufunc
            # reductions skip ndarray.min's Python wrapper: this runs every round.)
            if not (np.minimum.reduce(sigma) > 0 and math.isfinite(np.maximum.reduce(sigma))):
                raise ValueError(f"info[{key!r}]={sigma.tolist()!r} must be finite and > 0")
            return sigma.copy()
    raise ValueError(
        f"{agent} needs the known noise level: pass infos with 'noise_std' or "
        "'noise_scale' (rlsuite/LinearContextualBandit-v0 provides both)"
    )


def running_range(current: np.ndarray, infos: dict[str, Any] | None) -> np.ndarray:
    """Per-run running maximum of the env's stated ``info["reward_range"]``.

    ``current`` (``(n_runs,)``) comes back unchanged where the round states no
    range; ``nan`` entries (nothing stated yet) take the stated value.
    """
    if infos is None or "reward_range" not in infos:
        return current
    return np.fmax(current, infos["reward_range"])


class LinearBanditAgent(BanditAgent):
    """Base for agents whose observation is one feature vector per arm.

    Parameters
    ----------
    n_arms : int
        Number of arms shown per round.
    dim : int
        Feature dimension.
    lam : float
        Ridge regularisation, ``> 0``.
    theta_norm : float
        Bound ``S`` on ``||theta*||``, ``> 0``.
    delta : float
        Confidence level of the radii, in ``(0, 1)``.
    beta_scale : float
        Multiplier of every confidence radius, ``> 0`` (1: the theory's
        radius; smaller values explore less, as practitioners tune LinUCB's
        ``alpha``).
    seed : int or None
        Seed of the agent's generator.
    n_runs : int
        Number of independent copies.
    """

    def __init__(
        self,
        n_arms: int,
        dim: int,
        *,
        lam: float = 1.0,
        theta_norm: float = 1.0,
        delta: float = 0.01,
        beta_scale: float = 1.0,
        seed: int | None = None,
        n_runs: int = 1,
    ) -> None:
        self.dim = check_int("dim", dim)
        self.beta_scale = check_real("beta_scale", beta_scale, 0.0, low_open=True)
        self.lam = check_real("lam", lam, 0.0, low_open=True)
        self.theta_norm = check_real("theta_norm", theta_norm, 0.0, low_open=True)
        self.delta = check_real("delta", delta, 0.0, 1.0, low_open=True, high_open=True)
        super().__init__(n_arms, seed=seed, n_runs=n_runs)

    @property
    def observation_shape(self) -> tuple[int, ...]:
        """One feature vector per arm: ``(n_arms, dim)``."""
        return (self.n_arms, self.dim)

    def _check_obs(self, obs: np.ndarray) -> np.ndarray:
        obs = np.asarray(obs, dtype=np.float64)
        expected = (self.n_runs, self.n_arms, self.dim)
        if obs.shape != expected:
            raise ValueError(
                f"obs has shape {obs.shape}, must be (n_runs, n_arms, dim) = {expected}"
            )
        return obs

    def _fresh_gram(self, *lead: int) -> tuple[np.ndarray, np.ndarray]:
        """``(V^-1, log det V)`` of ``lam I`` with leading axes ``lead``."""
        v_inv = np.broadcast_to(np.eye(self.dim) / self.lam, lead + (self.dim, self.dim)).copy()
        return v_inv, np.full(lead, self.dim * math.log(self.lam))

    @staticmethod
    def _norms(v_inv: np.ndarray, obs: np.ndarray) -> np.ndarray:
        """``||x_a||_{V^-1}`` for every arm, ``(R, K)`` from ``(R, d, d)`` and ``(R, K, d)``."""
        quad = ((obs @ v_inv) * obs).sum(axis=-1)
        return np.sqrt(np.maximum(quad, 0.0))

    def _log_features(self, obs: np.ndarray | None, actions: np.ndarray) -> np.ndarray:
        """``(R, n, d)`` features of the logged actions; ``contexts`` are required."""
        if obs is None:
            raise ValueError(
                f"{type(self).__name__}.partial_fit needs contexts of shape "
                f"(n_rounds, n_arms, dim) = (n, {self.n_arms}, {self.dim})"
            )
        expected = (self.n_arms, self.dim)
        if obs.shape[2:] != expected:
            raise ValueError(f"contexts has shape {obs.shape}, must end with {expected}")
        rounds = np.arange(len(actions))[:, None]
        runs = np.arange(self.n_runs)[None, :]
        return np.asarray(obs[rounds, runs, actions], dtype=np.float64).transpose(1, 0, 2)


class WeightedRobustOFUL(LinearBanditAgent):
    """Variance-weighted OFUL whose estimate comes from a robust regression.

    Round ``t`` is whitened by a level ``sigma_bar_t >= sigma_t`` chosen by the
    subclass (:meth:`_levels`); the Gram matrix is
    ``V_t = lam I + sum_s x_s x_s^T / sigma_bar_s^2`` and the arm pulled is
    ``argmax_a <theta_t, x_a> + beta_t ||x_a||_{V_t^-1}``, the optimistic
    arm over the weighted ellipsoid. ``theta_t`` is refit from the whole
    history by the subclass (:meth:`_fit`) on the rarely-switching schedule
    of Abbasi-Yadkori et al. (2011, section 5): whenever ``det V`` has grown by
    ``refit_ratio`` since the last fit (and every round while
    ``t <= 2 dim``), which costs ``O(d log T)`` refits instead of ``T``.
    The refit is the M-estimator of the subclass's loss (``_loss``: Catoni's
    or Huber's) with per-sample scale ``alpha_s`` (:meth:`_irls_scale` times
    the stored ``aux``), solved by IRLS as
    :func:`~rlsuite.agents.bandits.catoni.irls_linear_batched` states it,
    warm-started from the run's previous estimate.

    Compiled: the per-round whitening, store and rank-one update
    (:func:`~rlsuite.agents.bandits._compiled.whiten_and_store`) and the
    refits (:func:`~rlsuite.agents.bandits._compiled.refit_histories`, which
    reads each run's history in place). In NumPy they are a dozen calls on
    ``(n_runs, d)`` arrays per round and several per IRLS step, mostly call
    overhead; compiled, CatoniOFUL and HeavyOFUL cost 1.0-1.3x OFUL per
    round (``benchmarks/robust_linear_cost.py``, record in
    ``docs/results/robust_linear_cost.txt``). They compute the quantities
    the docstrings state, as NumPy does, to float tolerance.

    The env's stated ``info["reward_range"]`` (running maximum per run) is
    kept in ``stated_range`` for radii that depend on the range; it stays 1
    where the env states none.
    """

    _loss: ClassVar[Literal["catoni", "huber"]]

    def __init__(
        self,
        n_arms: int,
        dim: int,
        *,
        sigma_min: float,
        refit_ratio: float,
        gamma: float | None = None,
        **kwargs: Any,
    ) -> None:
        self.gamma = None if gamma is None else check_real("gamma", gamma, 0.0)
        self.sigma_min = check_real("sigma_min", sigma_min, 0.0, low_open=True)
        self.refit_ratio = check_real("refit_ratio", refit_ratio, 1.0)
        super().__init__(n_arms, dim, **kwargs)

    def _reset_state(self) -> None:
        self.v_inv, self.logdet = self._fresh_gram(self.n_runs)
        self.theta = np.zeros((self.n_runs, self.dim))
        self._fit_logdet = self.logdet.copy()
        self._rows = np.arange(self.n_runs)
        self._count = 0
        self._x = np.zeros((self.n_runs, 64, self.dim))
        self._y = np.zeros((self.n_runs, 64))
        self._sigma_bar = np.ones((self.n_runs, 64))
        self._aux = np.ones((self.n_runs, 64))
        self.stated_range = np.ones(self.n_runs)

    @property
    def n_obs(self) -> np.ndarray:
        """Samples stored per run (every run stores one per round)."""
        return np.full(self.n_runs, self._count, dtype=np.int64)

    @property
    def _gamma(self) -> float:
        """Coefficient of the uncertainty floor (``dim^-1/4`` unless given)."""
        return self.dim**-0.25 if self.gamma is None else self.gamma

    def _new_aux(self, uncertainty: np.ndarray, sigma_bar: np.ndarray) -> np.ndarray | None:
        """Per-sample extra of the new samples (``None``: none, the stored ``aux`` stays 1).

        ``uncertainty`` is ``||x_t||_{V_{t-1}^-1}`` of each run's new feature
        vector, ``sigma_bar`` its whitening level.
        """
        return None

    def _irls_scale(self, runs: np.ndarray) -> np.ndarray:
        """Per-run factor of the IRLS scale ``alpha_s = factor * aux_s`` for a refit of ``runs``."""
        raise NotImplementedError

    def _add_samples(self, x: np.ndarray, rewards: np.ndarray, sigma: np.ndarray) -> None:
        """Whiten each run's new sample, store it and update ``V^-1`` and ``log det V``.

        With ``u = ||x||_{V^-1}``, the level is ``sigma_bar = max(sigma, sigma_min,
        gamma u^{1/2})``, the stored sample is ``(x, reward, sigma_bar)`` and
        ``V`` becomes ``V + x x^T / sigma_bar^2`` (Sherman-Morrison, the update
        of :func:`sherman_morrison`, with ``V^-1 x`` formed once). Compiled in
        :func:`~rlsuite.agents.bandits._compiled.whiten_and_store`; every run
        stores one sample per round, so all runs share one slot.
        """
        slot = self._count
        if slot >= self._y.shape[1]:
            self._grow()
        uncertainty = np.empty(self.n_runs)
        whiten_and_store(
            np.ascontiguousarray(x, dtype=np.float64),
            np.ascontiguousarray(rewards, dtype=np.float64),
            sigma,
            self.sigma_min,
            self._gamma,
            self.v_inv,
            self.logdet,
            self._x,
            self._y,
            self._sigma_bar,
            slot,
            uncertainty,
        )
        aux = self._new_aux(uncertainty, self._sigma_bar[:, slot])
        if aux is not None:
            self._aux[:, slot] = aux
        self._count = slot + 1
        self.t += 1

    def _refit(self, runs: np.ndarray) -> None:
        """Refit the robust estimates of ``runs`` from their whole histories, in place.

        IRLS (tolerance 1e-8, at most 50 steps, as
        :func:`~rlsuite.agents.bandits.catoni.irls_linear_batched`) warm-started
        from each run's current estimate, with ``inv_sigma = 1 / sigma_bar``
        and ``alpha_s = _irls_scale(runs) * aux_s``; compiled in
        :func:`~rlsuite.agents.bandits._compiled.refit_histories`.
        """
        refit_histories(
            self._x,
            self._y,
            self._sigma_bar,
            self._aux,
            self._count,
            runs,
            np.ascontiguousarray(self._irls_scale(runs), dtype=np.float64),
            self._loss == "huber",
            self.lam,
            self.theta,
            1e-8,
            50,
        )
        self._fit_logdet[runs] = self.logdet[runs]

    def radius(self) -> np.ndarray:
        """Radius ``beta_t`` of the weighted ellipsoid per run."""
        noise_term, prior_term = ofu_radius(
            self.logdet, self.dim, self.lam, self.delta, self.theta_norm
        )
        return self.beta_scale * (noise_term + prior_term)

    def select_actions(self, obs: np.ndarray) -> np.ndarray:
        """Optimistic arm over the weighted confidence ellipsoid."""
        obs = self._check_obs(obs)
        means = np.einsum("rkd,rd->rk", obs, self.theta)
        return (means + self.radius()[:, None] * self._norms(self.v_inv, obs)).argmax(axis=1)

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """Arm with the largest estimated reward."""
        return np.einsum("rkd,rd->rk", self._check_obs(obs), self.theta).argmax(axis=1)

    def _update_batch(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        infos: dict[str, Any] | None = None,
    ) -> None:
        """Store the whitened sample, update ``V``, refit the runs that are due."""
        x = self._check_obs(obs)[self._rows, actions]
        sigma = noise_levels(infos, self.n_runs, type(self).__name__)
        self.stated_range = running_range(self.stated_range, infos)
        self._add_samples(x, rewards, sigma)
        if self._count <= 2 * self.dim:
            runs = self._rows
        else:
            grown = self.logdet - self._fit_logdet >= math.log(self.refit_ratio)
            runs = grown.nonzero()[0]
        if runs.size:
            self._refit(runs)

    def _fold_log(self, obs, actions, rewards, infos) -> None:
        """Whiten and store the log round by round, then one robust refit per run.

        Each round's level ``sigma_bar_t`` depends on ``V_{t-1}``, so the
        rank-one updates stay sequential (``O(d^2)`` per round, vectorised
        over runs); the IRLS refits that :meth:`update_batch` runs on its
        schedule are replaced by one refit from the whole history at the end.
        """
        x_all = self._log_features(obs, actions)
        for i in range(len(actions)):
            x = x_all[:, i]
            round_info = None if infos is None else {k: v[i] for k, v in infos.items()}
            sigma = noise_levels(round_info, self.n_runs, type(self).__name__)
            self.stated_range = running_range(self.stated_range, round_info)
            self._add_samples(x, rewards[i], sigma)
        self.refit_all()

    def refit_all(self) -> None:
        """Refit every run's robust estimate from its whole history now."""
        self._refit(self._rows)

    def _grow(self) -> None:
        """Enlarge the history arrays 4-fold (padding 1).

        Growth is a copy of the whole history, so 4-fold (instead of 2-fold)
        copies a third as much in all, at the price of up to 4x unused slots.
        """
        filled = self._y.shape[1]
        for name in ("_x", "_y", "_sigma_bar", "_aux"):
            old = getattr(self, name)
            new = np.empty((self.n_runs, 4 * filled) + old.shape[2:])
            new[:, :filled] = old
            new[:, filled:] = 1.0
            setattr(self, name, new)
