"""Ridge reward models for the direct and doubly robust estimators, from sufficient statistics.

A ridge fit only needs, per action, the Gram matrix and right-hand side of
its own rows, so nothing here builds a dense ``n x (K + K d)`` design: rows
are sorted once by ``(group, action)`` and each segment contributes
``[1, z]^T [1, z]`` (one small BLAS product per segment, ``O(n p^2)`` in all).
Two layouts, chosen by the context's shape:

* ``"shared"``: contexts ``(n, K, d)`` hold one feature vector per arm (the
  linear contextual bandit); one model ``q(x, a) = c_a + <w, x_a>`` with an
  intercept per action and ``d`` shared weights.
* ``"per_action"``: any other context, flattened to ``D`` features; ``K``
  independent models ``q(x, a) = c_a + <W_a, x>``.

Intercepts get a ``1e-8`` penalty (an unpenalised intercept can be singular
for an action never taken), the weights ``l2``.
:func:`grouped_statistics` returns statistics per group of rows, which lets
:mod:`rlsuite.offline_data.ope` cross-fit (groups = folds) and bootstrap the
cross-fitted estimate with its refits (groups = blocks of a fold) without
touching the rows again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rlsuite.envs.validation import check_int, check_real

__all__ = ["RidgeRewardModel", "RidgeStatistics", "grouped_statistics", "layout", "solve_ridge"]

_INTERCEPT_PENALTY = 1e-8


def layout(context: np.ndarray, n_actions: int) -> str:
    """``"shared"`` for per-arm features ``(n, n_actions, d)``, else ``"per_action"``."""
    return "shared" if context.ndim == 3 and context.shape[1] == n_actions else "per_action"


def _taken_features(context: np.ndarray, action: np.ndarray, kind: str) -> np.ndarray:
    """Per-row regressors: the taken arm's features (shared) or the flat context."""
    if kind == "shared":
        return context[np.arange(len(context)), action]
    return context.reshape(len(context), -1)


@dataclass(frozen=True)
class RidgeStatistics:
    """Per-group, per-action sums of ``[1, z]^T [1, z]`` and ``[1, z]^T r``.

    ``gram`` is ``(G, K, 1 + p, 1 + p)`` and ``rhs`` ``(G, K, 1 + p)``, with
    ``p = d`` (shared) or ``D`` (per action); entry ``[..., 0, 0]`` is the
    row count.
    """

    kind: str
    gram: np.ndarray
    rhs: np.ndarray


def grouped_statistics(
    context: np.ndarray,
    action: np.ndarray,
    reward: np.ndarray,
    n_actions: int,
    group: np.ndarray,
    n_groups: int,
) -> RidgeStatistics:
    """Sufficient statistics of every ``(group, action)`` pair, rows sorted once."""
    kind = layout(context, n_actions)
    z = _taken_features(context, action, kind)
    n, p = z.shape
    key = group * n_actions + action
    order = np.argsort(key, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(key, minlength=n_groups * n_actions))])
    design = np.empty((n, 1 + p))
    design[:, 0] = 1.0
    design[:, 1:] = z[order]
    r = reward[order]
    gram = np.zeros((n_groups * n_actions, 1 + p, 1 + p))
    rhs = np.zeros((n_groups * n_actions, 1 + p))
    for cell in np.flatnonzero(bounds[1:] > bounds[:-1]):
        rows = design[bounds[cell] : bounds[cell + 1]]
        gram[cell] = rows.T @ rows
        rhs[cell] = rows.T @ r[bounds[cell] : bounds[cell + 1]]
    shape = (n_groups, n_actions)
    return RidgeStatistics(kind, gram.reshape(shape + gram.shape[1:]), rhs.reshape(shape + (-1,)))


def solve_ridge(kind: str, gram: np.ndarray, rhs: np.ndarray, l2: float) -> np.ndarray:
    """Ridge coefficients from summed statistics ``gram (..., K, q, q)``, ``rhs (..., K, q)``.

    Returns ``(..., K, q)``: row ``a`` is ``[c_a, W_a]`` (per action) or
    ``[c_a, w]`` with ``w`` repeated in every row (shared).
    """
    n_actions, q = gram.shape[-3], gram.shape[-1]
    if kind == "per_action":
        penalty = np.full(q, l2)
        penalty[0] = _INTERCEPT_PENALTY
        return np.linalg.solve(gram + np.diag(penalty), rhs[..., None])[..., 0]
    # Shared: unknowns [c_1..c_K, w]; the per-action blocks meet in the w-w block.
    lead = gram.shape[:-3]
    size = n_actions + q - 1
    full = np.zeros(lead + (size, size))
    idx = np.arange(n_actions)
    full[..., idx, idx] = gram[..., 0, 0] + _INTERCEPT_PENALTY
    full[..., :n_actions, n_actions:] = gram[..., 0, 1:]
    full[..., n_actions:, :n_actions] = np.swapaxes(gram[..., 0, 1:], -1, -2)
    full[..., n_actions:, n_actions:] = gram[..., 1:, 1:].sum(axis=-3) + l2 * np.eye(q - 1)
    right = np.concatenate([rhs[..., 0], rhs[..., 1:].sum(axis=-2)], axis=-1)
    solution = np.linalg.solve(full, right[..., None])[..., 0]
    weights = np.broadcast_to(solution[..., None, n_actions:], lead + (n_actions, q - 1))
    return np.concatenate([solution[..., :n_actions, None], weights], axis=-1)


def predict_all(kind: str, coef: np.ndarray, context: np.ndarray) -> np.ndarray:
    """``(n, K)`` predictions of every action: one ``n x d`` (or ``n x D``) product."""
    if kind == "shared":
        return context @ coef[0, 1:] + coef[:, 0]
    return context.reshape(len(context), -1) @ coef[:, 1:].T + coef[:, 0]


class RidgeRewardModel:
    """Ridge regression ``q(x, a)`` of the reward (layouts in the module docstring).

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
        self.kind: str | None = None

    def fit(self, context: np.ndarray, action: np.ndarray, reward: np.ndarray) -> RidgeRewardModel:
        """Fit on logged rounds."""
        stats = grouped_statistics(
            np.asarray(context, dtype=np.float64),
            np.asarray(action, dtype=np.int64),
            np.asarray(reward, dtype=np.float64),
            self.n_actions,
            np.zeros(len(action), dtype=np.int64),
            1,
        )
        self.kind = stats.kind
        self.coef = solve_ridge(stats.kind, stats.gram[0], stats.rhs[0], self.l2)
        return self

    def predict_all(self, context: np.ndarray) -> np.ndarray:
        """``(n, n_actions)`` predicted rewards of every action."""
        if self.coef is None or self.kind is None:
            raise RuntimeError("call fit() before predict_all()")
        return predict_all(self.kind, self.coef, np.asarray(context, dtype=np.float64))
