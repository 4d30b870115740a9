"""Robust UCB for heavy-tailed rewards (Bubeck, Cesa-Bianchi & Lugosi, 2013)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlsuite.agents.bandits.catoni import catoni_alpha, catoni_deviation, catoni_mean
from rlsuite.agents.base import BanditAgent
from rlsuite.envs.validation import check_choice, check_real

__all__ = ["RobustUCB"]

ESTIMATORS = ("truncated_mean", "median_of_means", "catoni")

# Constants of the confidence widths, as stated in Bubeck, Cesa-Bianchi & Lugosi
# (2013): they make each width a valid (1 - delta) bound for any distribution
# with E|X|^{1+eps} <= u, so they are not tuning knobs.
#: Truncated mean (their Proposition 1): width ``4 u^{1/(1+eps)} (L / s)^{eps/(1+eps)}``.
TRUNCATED_WIDTH_FACTOR = 4.0
#: Median of means (their Proposition 2): ``k = floor(min(1 + 8 L, s / 2))`` blocks ...
MOM_BLOCKS_PER_LOG = 8.0
#: ... and width ``(12 u)^{1/(1+eps)} ((2 + 16 L) / s)^{eps/(1+eps)}``, written with
#: these two constants (``12 = MOM_MOMENT_FACTOR``; ``2 + 16 L = 2 (1 + 8 L)``).
MOM_MOMENT_FACTOR = 12.0
MOM_WIDTH_OFFSET = 2.0
MOM_WIDTH_PER_LOG = 16.0
#: Engineering, not theory: an arm's estimate is refreshed when ``L`` has grown by
#: this factor since its last refresh (``L`` at most 1% stale; see the class notes).
STALE_LOG_RATIO = 1.01
#: Floor of ``L = 2 log t`` at ``t = 1`` (``log 1 = 0``), which keeps the
#: truncation level ``(u j / L)^{1/(1+eps)}`` finite.
MIN_LOG_TERM = 1e-12
#: Initial per-arm sample capacity; doubled when full.
INITIAL_CAPACITY = 16


class RobustUCB(BanditAgent):
    """UCB with a robust mean estimate and its heavy-tailed confidence width.

    Rewards only need ``E|X|^{1+epsilon} <= u`` (raw moment, ``epsilon`` in
    ``(0, 1]``). At round ``t`` with ``delta = t^-2`` and
    ``L = log(1/delta) = 2 log t``, an arm pulled ``s`` times has index
    ``mu_hat + width`` (Bubeck et al. 2013, Propositions 1-2 and Lemma 13):

    * ``truncated_mean``: ``mu_hat = (1/s) sum_j X_j 1{|X_j| <= (u j / L)^{1/(1+eps)}}``,
      ``width = 4 u^{1/(1+eps)} (L / s)^{eps/(1+eps)}``;
    * ``median_of_means``: the median of ``k = floor(min(1 + 8 L, s / 2))``
      block means, ``width = (12 u)^{1/(1+eps)} ((2 + 16 L) / s)^{eps/(1+eps)}``;
    * ``catoni`` (needs ``epsilon = 1``, ``u`` a variance bound): Catoni's
      M-estimate with :func:`~rlsuite.agents.bandits.catoni.catoni_alpha`,
      ``width = sqrt(2 u L / (s - 2 L))`` (``inf`` until ``s > 2 L``).

    Arms never pulled have index ``inf`` (ties go to the lowest index).

    Notes
    -----
    Each estimate depends on ``L``, which changes every round. Recomputing
    every arm from its whole sample every round costs ``O(t)`` per round, so
    the pulled arm is recomputed every round and every other arm whenever
    ``L`` has grown by more than 1% since its last refresh: indices use an
    ``L`` at most 1% stale (a slightly smaller ``L``), an engineering deviation.

    Parameters
    ----------
    n_arms : int
        Number of arms.
    estimator : {"truncated_mean", "median_of_means", "catoni"}
        Robust mean estimator.
    epsilon : float
        Moment order is ``1 + epsilon``, ``epsilon`` in ``(0, 1]``.
    u : float
        Bound on ``E|X|^{1+epsilon}`` (on the variance for ``catoni``), ``> 0``.
    seed : int or None
        Seed of the agent's generator (unused: the agent is deterministic).
    n_runs : int
        Number of independent copies.
    """

    def __init__(
        self,
        n_arms: int,
        estimator: str = "truncated_mean",
        epsilon: float = 1.0,
        u: float = 1.0,
        *,
        seed: int | None = None,
        n_runs: int = 1,
    ) -> None:
        self.estimator = check_choice("estimator", estimator, ESTIMATORS)
        self.epsilon = check_real("epsilon", epsilon, 0.0, 1.0, low_open=True)
        if estimator == "catoni" and self.epsilon != 1.0:
            raise ValueError(
                f"epsilon={epsilon!r} is out of range for estimator='catoni': Catoni's "
                "estimator needs a finite variance, epsilon must be 1"
            )
        self.u = check_real("u", u, 0.0, low_open=True)
        super().__init__(n_arms, seed=seed, n_runs=n_runs)

    def _reset_state(self) -> None:
        self.counts = np.zeros((self.n_runs, self.n_arms), dtype=np.int64)
        self.samples = np.zeros((self.n_runs, self.n_arms, INITIAL_CAPACITY))
        self.estimates = np.zeros((self.n_runs, self.n_arms))
        self._refresh_log_term = np.zeros((self.n_runs, self.n_arms))
        self._rows = np.arange(self.n_runs)

    def _log_term(self) -> float:
        # delta = t^-2 for the round about to be played (t = self.t + 1).
        return max(2.0 * math.log(self.t + 1), MIN_LOG_TERM)

    def _estimate(self, rows: np.ndarray, arms: np.ndarray, log_term: float) -> np.ndarray:
        """Robust means of the given (run, arm) pairs, from their whole sample."""
        counts = self.counts[rows, arms]
        width = max(int(counts.max()), 1)
        x = self.samples[rows, arms, :width]
        j = np.arange(1, width + 1)
        valid = j[None, :] <= counts[:, None]
        safe_counts = np.maximum(counts, 1)
        p = 1.0 + self.epsilon
        if self.estimator == "truncated_mean":
            keep = valid & (np.abs(x) <= (self.u * j / log_term) ** (1.0 / p))
            return np.where(keep, x, 0.0).sum(axis=1) / safe_counts
        if self.estimator == "catoni":
            alpha = catoni_alpha(safe_counts, self.u, math.exp(-log_term))
            previous = self.estimates[rows, arms]
            return catoni_mean(x, alpha, weights=valid.astype(np.float64), initial=previous)
        n_blocks = np.maximum(
            1, np.floor(np.minimum(1.0 + MOM_BLOCKS_PER_LOG * log_term, counts / 2.0))
        )
        n_blocks = n_blocks.astype(np.int64)
        block = np.maximum(counts // n_blocks, 1)
        cumulative = np.concatenate([np.zeros((len(x), 1)), np.cumsum(x, axis=1)], axis=1)
        b = np.arange(int(n_blocks.max()))
        starts = np.minimum(b[None, :] * block[:, None], width)
        ends = np.minimum(starts + block[:, None], width)
        take = np.arange(len(x))[:, None]
        means = (cumulative[take, ends] - cumulative[take, starts]) / block[:, None]
        # Unused blocks sort to the end as +inf; the median of the first k
        # sorted entries is the mean of entries (k - 1) // 2 and k // 2.
        means = np.sort(np.where(b[None, :] < n_blocks[:, None], means, np.inf), axis=1)
        lower = np.take_along_axis(means, ((n_blocks - 1) // 2)[:, None], axis=1)[:, 0]
        upper = np.take_along_axis(means, (n_blocks // 2)[:, None], axis=1)[:, 0]
        return 0.5 * (lower + upper)

    def _width(self, counts: np.ndarray, log_term: float) -> np.ndarray:
        p = 1.0 + self.epsilon
        s = np.maximum(counts, 1).astype(np.float64)
        if self.estimator == "truncated_mean":
            return (
                TRUNCATED_WIDTH_FACTOR * self.u ** (1.0 / p) * (log_term / s) ** (self.epsilon / p)
            )
        if self.estimator == "median_of_means":
            spread = (MOM_WIDTH_OFFSET + MOM_WIDTH_PER_LOG * log_term) / s
            return (MOM_MOMENT_FACTOR * self.u) ** (1.0 / p) * spread ** (self.epsilon / p)
        return catoni_deviation(s, self.u, math.exp(-log_term))

    def upper_confidence_bounds(self) -> np.ndarray:
        """Index of every arm for the next round, shape ``(n_runs, n_arms)``."""
        log_term = self._log_term()
        stale = (self.counts > 0) & (log_term > STALE_LOG_RATIO * self._refresh_log_term)
        if stale.any():
            rows, arms = np.nonzero(stale)
            self.estimates[rows, arms] = self._estimate(rows, arms, log_term)
            self._refresh_log_term[rows, arms] = log_term
        index = self.estimates + self._width(self.counts, log_term)
        return np.where(self.counts > 0, index, np.inf)

    def select_actions(self, obs: np.ndarray) -> np.ndarray:
        """Arm with the largest robust upper confidence bound."""
        return self.upper_confidence_bounds().argmax(axis=1)

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """Most pulled arm."""
        return self.counts.argmax(axis=1)

    def _update_batch(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        infos: dict[str, Any] | None = None,
    ) -> None:
        """Store each reward and re-estimate the pulled arm with the next round's ``L``."""
        actions = np.asarray(actions)
        slots = self.counts[self._rows, actions]
        if slots.max() >= self.samples.shape[2]:
            grown = np.zeros(self.samples.shape[:2] + (2 * self.samples.shape[2],))
            grown[:, :, : self.samples.shape[2]] = self.samples
            self.samples = grown
        self.samples[self._rows, actions, slots] = rewards
        self.counts[self._rows, actions] += 1
        self.t += 1
        log_term = self._log_term()
        self.estimates[self._rows, actions] = self._estimate(self._rows, actions, log_term)
        self._refresh_log_term[self._rows, actions] = log_term

    def _fold_log(self, obs, actions, rewards, infos) -> None:
        """Append the log to every arm's sample at once, then re-estimate each pulled arm.

        Samples and counts are exactly those of round-by-round updates; every
        arm's estimate is recomputed with the ``L`` of the next round (round by
        round, an arm keeps the estimate of its last pull until ``L`` grows 1%).
        """
        n, runs = actions.shape
        flat = (np.arange(runs) * self.n_arms + actions).reshape(-1)  # round-major
        new = np.bincount(flat, minlength=runs * self.n_arms)
        # Rank of each reward among its (run, arm)'s logged rewards, in log order.
        order = np.argsort(flat, kind="stable")
        rank = np.empty(len(flat), dtype=np.int64)
        rank[order] = np.arange(len(flat)) - np.repeat(np.cumsum(new) - new, new)
        slots = self.counts.reshape(-1)[flat] + rank
        size = self.samples.shape[2]
        if len(slots) and slots.max() >= size:
            while size <= slots.max():
                size *= 2
            grown = np.zeros(self.samples.shape[:2] + (size,))
            grown[:, :, : self.samples.shape[2]] = self.samples
            self.samples = grown
        self.samples.reshape(runs * self.n_arms, -1)[flat, slots] = rewards.reshape(-1)
        self.counts += new.reshape(runs, self.n_arms)
        self.t += n
        log_term = self._log_term()
        rows, arms = np.nonzero(self.counts > 0)
        if len(rows):
            self.estimates[rows, arms] = self._estimate(rows, arms, log_term)
            self._refresh_log_term[rows, arms] = log_term
