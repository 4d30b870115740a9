"""Variance-agnostic Catoni bandit: peeling by uncertainty level, Catoni per layer."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlsuite.agents.bandits._compiled_va import peel, record_and_refit
from rlsuite.agents.bandits.linear_base import LinearBanditAgent, ofu_radius
from rlsuite.envs.validation import check_int, check_real

__all__ = ["VACatoni"]


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

    The per-round work is compiled, in
    :mod:`~rlsuite.agents.bandits._compiled_va`, because the walk is a chain
    over layers per run and a refit touches one ``(run, layer)`` pair: each
    step is a few operations on ``(n_arms,)`` or ``(d, d)`` arrays, so in
    NumPy nearly all of VACatoni's time was call overhead (about 5x OFUL per
    round). :func:`~rlsuite.agents.bandits._compiled_va.peel` is the walk
    above, forming widths and bounds only for the active arms of the layers
    walked; :func:`~rlsuite.agents.bandits._compiled_va.record_and_refit`
    adds the round to its layer (Sherman-Morrison on ``V_l^-1``) and refits
    the layers that are due: the MAD scale, then the Catoni IRLS of
    :func:`~rlsuite.agents.bandits._compiled.irls_fit`. About half of the
    time left is that IRLS over each layer's whole history (a quarter is the
    peeling): ``docs/results/robust_linear_cost.txt``, section (i).

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
        self._load_kernels()

    def _reset_state(self) -> None:
        shape = (self.n_runs, self.n_layers)
        self.v_inv, self.logdet = self._fresh_gram(*shape)
        self.theta = np.zeros(shape + (self.dim,))
        prior = self.scale_prior if self.fourth_moment is None else self.fourth_moment**0.25
        self.scale = np.full(shape, prior)
        self.n_obs = np.zeros(shape, dtype=np.int64)
        self._fit_logdet = self.logdet.copy()
        self._last_peel: tuple[np.ndarray, int, tuple[np.ndarray, ...]] | None = None
        # Growable history of each layer, one array per layer (a layer's capacity
        # follows its own sample count), a sample per column: features, reward,
        # weight and two IRLS inputs (record_and_refit's docstring).
        self._history = tuple(
            np.zeros((self.n_runs, self.dim + 4, 16)) for _ in range(self.n_layers)
        )
        self._levels = 2.0 ** -np.arange(1, self.n_layers + 1)
        delta = self.delta / self.n_layers
        # The kernels' scalars: radius() and _fit's rules, term by term.
        self._peel_consts = np.array(
            [
                self.dim * math.log(self.lam),
                2.0 * math.log(1.0 / delta),
                math.sqrt(self.lam) * self.theta_norm,
                self.beta_scale,
            ]
        )
        self._fit_consts = np.array(
            [math.log(self.refit_ratio), self.lam, np.log(1.0 / delta), 1e-3 * self.scale_prior]
        )

    def radius(self) -> np.ndarray:
        """``beta_l`` of every run and layer, ``(n_runs, n_layers)``."""
        noise_term, prior_term = ofu_radius(
            self.logdet, self.dim, self.lam, self.delta / self.n_layers, self.theta_norm
        )
        return self.beta_scale * (self.scale * noise_term + prior_term)

    def _peel(self, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(arm, layer, width)`` per run; ``layer = -1`` where the round is not recorded.

        The walk of the class docstring, compiled: see
        :func:`~rlsuite.agents.bandits._compiled_va.peel`.
        """
        return peel(
            obs, self.v_inv, self.theta, self.logdet, self.scale, self._levels, self._peel_consts
        )

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
        """Record each run's round in the layer its peeling put it in, if any; refit.

        Compiled: see :func:`~rlsuite.agents.bandits._compiled_va.record_and_refit`.
        """
        obs = self._check_obs(obs)
        cached = self._last_peel
        self._last_peel = None
        if cached is None or cached[1] != self.t:
            cached = (obs, self.t, self._peel(obs))
        peeled_obs, _, (arm, layer, width) = cached
        self.t += 1
        while status := self._record(obs, peeled_obs, actions, rewards, arm, layer, width):
            if status < 0:  # obs is not what select_actions peeled: peel it
                peeled_obs, (arm, layer, width) = obs, self._peel(obs)
            else:  # that layer's history was full; nothing was recorded yet
                self._grow(status - 1)

    def _record(
        self,
        obs: np.ndarray,
        peeled_obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        arm: np.ndarray,
        layer: np.ndarray,
        width: np.ndarray,
    ) -> int:
        """One call of the compiled record/refit on this agent's state; its status."""
        return int(
            record_and_refit(
                obs,
                peeled_obs,
                np.asarray(actions, dtype=np.int64),
                np.asarray(rewards, dtype=np.float64),
                arm,
                layer,
                width,
                self._levels,
                self.v_inv,
                self.logdet,
                self._fit_logdet,
                self.n_obs,
                self._history,
                self.theta,
                self.scale,
                self._fit_consts,
                self.fourth_moment is None,
            )
        )

    def _load_kernels(self) -> None:
        """Compile (or load from numba's cache) the kernels for this agent's types now.

        A dry round: the peeling of zero features, and a record call for which
        no run has a layer, so nothing changes. Without it the first round
        would take the one-off load (about 0.3 s), which is no part of the
        per-round cost.
        """
        obs = np.zeros((self.n_runs, self.n_arms, self.dim))
        nowhere = np.full(self.n_runs, -1, dtype=np.int64)
        zeros = np.zeros(self.n_runs)
        self._record(obs, obs, nowhere, zeros, nowhere, nowhere, zeros)
        self._peel(obs)

    def _grow(self, layer: int) -> None:
        """Double ``layer``'s history capacity (a zero tail: no page is touched until written)."""
        arrays = list(self._history)
        old = arrays[layer]
        arrays[layer] = np.zeros(old.shape[:2] + (2 * old.shape[2],))
        arrays[layer][:, :, : old.shape[2]] = old
        self._history = tuple(arrays)
