"""Off-policy estimators of a target policy's value from logged bandit feedback.

Given rounds ``(x_i, a_i, r_i, p_i)`` logged by a policy ``pi_0`` with
propensity ``p_i = pi_0(a_i | x_i)`` and a target policy ``pi`` (its action
distribution ``pi(. | x_i)`` on the logged contexts, OBP's ``action_dist``),
each estimator returns the value ``V(pi) = E_x E_{a~pi}[r]`` and a normal
confidence interval from the per-round terms (Dudik, Langford & Li 2011;
Swaminathan & Joachims 2015; OBP ``obp.ope.estimators``):

* IPS   ``mean(w_i r_i)`` with ``w_i = pi(a_i|x_i) / p_i`` -- unbiased.
* SNIPS ``sum(w_i r_i) / sum(w_i)`` -- self-normalised, consistent, slightly
  biased, lower variance; its standard error is the delta method's.
* DM    ``mean(sum_a pi(a|x_i) q(x_i, a))`` with a ridge regression ``q``.
* DR    ``DM + mean(w_i (r_i - q(x_i, a_i)))`` -- unbiased whatever ``q``
  when ``q`` is fit on other rounds (we cross-fit over ``n_folds`` folds).

The DM interval only reflects the spread over contexts, not the error of
``q`` (its bias); DR's interval is valid because DR is unbiased.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from rlsuite.envs.validation import check_int, check_real
from rlsuite.offline_data.bandit_log import BanditFeedback

__all__ = [
    "ESTIMATORS",
    "OPEResult",
    "RidgeRewardModel",
    "direct_method",
    "doubly_robust",
    "estimate_all",
    "ips",
    "snips",
]


@dataclass(frozen=True)
class OPEResult:
    """An estimate with its standard error and ``1 - alpha`` normal confidence interval."""

    estimate: float
    std_error: float
    lower: float
    upper: float

    @classmethod
    def from_terms(
        cls, terms: np.ndarray, alpha: float, estimate: float | None = None
    ) -> OPEResult:
        """Mean of per-round ``terms`` (or a given ``estimate``) with a normal interval."""
        check_real("alpha", alpha, 0.0, 1.0, low_open=True, high_open=True)
        value = float(np.mean(terms)) if estimate is None else float(estimate)
        std_error = float(np.std(terms, ddof=1) / np.sqrt(len(terms))) if len(terms) > 1 else np.inf
        z = float(stats.norm.ppf(1.0 - alpha / 2.0))
        return cls(value, std_error, value - z * std_error, value + z * std_error)


def _check(feedback: BanditFeedback, action_dist: np.ndarray) -> np.ndarray:
    action_dist = np.asarray(action_dist, dtype=np.float64)
    expected = (feedback.n_rounds, feedback.n_actions)
    if action_dist.shape != expected:
        raise ValueError(f"action_dist has shape {action_dist.shape}, must be {expected}")
    if np.any(feedback.pscore <= 0):
        raise ValueError(
            "pscore must be positive: the logging policy never took some logged action"
        )
    return action_dist


def _weights(feedback: BanditFeedback, action_dist: np.ndarray) -> np.ndarray:
    rows = np.arange(feedback.n_rounds)
    return action_dist[rows, feedback.action] / feedback.pscore


def ips(feedback: BanditFeedback, action_dist: np.ndarray, alpha: float = 0.05) -> OPEResult:
    """Inverse propensity scoring."""
    action_dist = _check(feedback, action_dist)
    return OPEResult.from_terms(_weights(feedback, action_dist) * feedback.reward, alpha)


def snips(feedback: BanditFeedback, action_dist: np.ndarray, alpha: float = 0.05) -> OPEResult:
    """Self-normalised IPS, with a delta-method standard error."""
    action_dist = _check(feedback, action_dist)
    w = _weights(feedback, action_dist)
    value = float(np.sum(w * feedback.reward) / np.sum(w))
    # Influence function of a ratio of means: w (r - V) / mean(w).
    return OPEResult.from_terms(w * (feedback.reward - value) / w.mean(), alpha, estimate=value)


class RidgeRewardModel:
    """Ridge regression ``q(x, a)`` of the reward.

    Contexts of shape ``(n_actions, d)`` (per-arm features, as in the linear
    contextual bandit) get one shared linear model on ``[onehot(a), x[a]]``;
    any other context gets a linear model per action on the flattened context.

    Parameters
    ----------
    n_actions : int
        Number of actions.
    l2 : float
        Ridge penalty (not applied to the intercepts).
    """

    def __init__(self, n_actions: int, l2: float = 1.0) -> None:
        self.n_actions = check_int("n_actions", n_actions)
        self.l2 = check_real("l2", l2, 0.0)
        self.coef: np.ndarray | None = None

    def _features(self, context: np.ndarray, action: np.ndarray) -> np.ndarray:
        n = len(context)
        onehot = np.eye(self.n_actions)[action]
        if context.ndim == 3 and context.shape[1] == self.n_actions:
            return np.hstack([onehot, context[np.arange(n), action]])
        flat = context.reshape(n, -1)
        return np.hstack([onehot, (onehot[:, :, None] * flat[:, None, :]).reshape(n, -1)])

    def fit(self, context: np.ndarray, action: np.ndarray, reward: np.ndarray) -> RidgeRewardModel:
        """Fit on logged rounds."""
        phi = self._features(context, action)
        penalty = np.full(phi.shape[1], self.l2)
        penalty[: self.n_actions] = 1e-8
        self.coef = np.linalg.solve(phi.T @ phi + np.diag(penalty), phi.T @ reward)
        return self

    def predict_all(self, context: np.ndarray) -> np.ndarray:
        """``(n, n_actions)`` predicted rewards of every action."""
        if self.coef is None:
            raise RuntimeError("call fit() before predict_all()")
        n = len(context)
        cols = [self._features(context, np.full(n, a)) @ self.coef for a in range(self.n_actions)]
        return np.stack(cols, axis=1)


def _cross_fitted_rewards(feedback: BanditFeedback, n_folds: int, l2: float) -> np.ndarray:
    """``q(x_i, .)`` for every round, each from a model fit on the other folds."""
    n_folds = check_int("n_folds", n_folds, low=1)
    n = feedback.n_rounds
    folds = np.arange(n) % n_folds
    q = np.empty((n, feedback.n_actions))
    for fold in range(n_folds):
        test = folds == fold
        train = ~test if n_folds > 1 else test
        model = RidgeRewardModel(feedback.n_actions, l2).fit(
            feedback.context[train], feedback.action[train], feedback.reward[train]
        )
        q[test] = model.predict_all(feedback.context[test])
    return q


def direct_method(
    feedback: BanditFeedback,
    action_dist: np.ndarray,
    alpha: float = 0.05,
    *,
    n_folds: int = 2,
    l2: float = 1.0,
) -> OPEResult:
    """Direct method with a (cross-fitted) ridge reward model."""
    action_dist = _check(feedback, action_dist)
    q = _cross_fitted_rewards(feedback, n_folds, l2)
    return OPEResult.from_terms(np.sum(action_dist * q, axis=1), alpha)


def doubly_robust(
    feedback: BanditFeedback,
    action_dist: np.ndarray,
    alpha: float = 0.05,
    *,
    n_folds: int = 2,
    l2: float = 1.0,
) -> OPEResult:
    """Doubly robust estimator with a cross-fitted ridge reward model."""
    action_dist = _check(feedback, action_dist)
    q = _cross_fitted_rewards(feedback, n_folds, l2)
    rows = np.arange(feedback.n_rounds)
    w = _weights(feedback, action_dist)
    terms = np.sum(action_dist * q, axis=1) + w * (feedback.reward - q[rows, feedback.action])
    return OPEResult.from_terms(terms, alpha)


ESTIMATORS = {"IPS": ips, "SNIPS": snips, "DM": direct_method, "DR": doubly_robust}


def estimate_all(
    feedback: BanditFeedback, action_dist: np.ndarray, alpha: float = 0.05
) -> dict[str, OPEResult]:
    """Every estimator of :data:`ESTIMATORS` on the same feedback."""
    return {name: fn(feedback, action_dist, alpha) for name, fn in ESTIMATORS.items()}
