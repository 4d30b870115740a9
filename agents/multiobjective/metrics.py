"""Quality of a set of trade-off points: Pareto filter, hypervolume, expected utility.

All objectives are maximised. ``points`` are ``(n, m)`` arrays of objective
vectors, e.g. ``J(pi_w)`` for each ``w`` of a weight grid.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["expected_utility", "hypervolume", "pareto_front"]


def _as_points(points: Any, name: str = "points") -> np.ndarray:
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} has shape {arr.shape}, must be (n, m) with n, m >= 1")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def pareto_front(points: Any) -> np.ndarray:
    """The non-dominated rows of ``points`` (duplicates kept once), in input order."""
    arr = _as_points(points)
    keep: list[int] = []
    for i, p in enumerate(arr):
        dominated = np.any(np.all(arr >= p, axis=1) & np.any(arr > p, axis=1))
        duplicate = any(np.array_equal(p, arr[j]) for j in keep)
        if not dominated and not duplicate:
            keep.append(i)
    return arr[keep]


def hypervolume(points: Any, ref: Any) -> float:
    """Lebesgue measure of the region dominated by ``points`` and dominating ``ref``.

    Points that do not strictly dominate ``ref`` in every objective add
    nothing. Exact, by slicing along the last objective (fine for the tens of
    points of a weight grid).

    Parameters
    ----------
    points : array-like, shape (n, m)
        Objective vectors (maximisation).
    ref : array-like, shape (m,)
        Reference point, fixed per environment so that values are comparable.
    """
    arr = _as_points(points)
    ref_arr = np.asarray(ref, dtype=np.float64)
    if ref_arr.shape != (arr.shape[1],) or not np.all(np.isfinite(ref_arr)):
        raise ValueError(
            f"ref={ref_arr.tolist()!r} must be finite with shape ({arr.shape[1]},) like a point"
        )
    inside = arr[np.all(arr > ref_arr, axis=1)]
    if inside.shape[0] == 0:
        return 0.0
    return _hypervolume(pareto_front(inside), ref_arr)


def _hypervolume(points: np.ndarray, ref: np.ndarray) -> float:
    if points.shape[1] == 1:
        return float(points[:, 0].max() - ref[0])
    order = np.argsort(-points[:, -1], kind="stable")
    ordered = points[order]
    volume = 0.0
    for k in range(ordered.shape[0]):
        lower = ordered[k + 1, -1] if k + 1 < ordered.shape[0] else ref[-1]
        height = ordered[k, -1] - lower
        if height > 0:
            volume += height * _hypervolume(ordered[: k + 1, :-1], ref[:-1])
    return volume


def expected_utility(front: Any, weights: Any) -> float:
    """Mean over ``weights`` of the best linear utility ``max_p w · p`` on ``front``.

    Zintgraf et al. (2015)'s expected utility of a solution set under a
    distribution of linear preferences, here given by samples or a grid.

    Parameters
    ----------
    front : array-like, shape (n, m)
        Objective vectors.
    weights : array-like, shape (k, m)
        Preference weights, each on the simplex.
    """
    arr = _as_points(front, "front")
    w = _as_points(weights, "weights")
    if w.shape[1] != arr.shape[1]:
        raise ValueError(f"weights has {w.shape[1]} objectives, front has {arr.shape[1]}")
    if np.any(w < 0) or not np.allclose(w.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("weights must be rows on the simplex (non-negative, summing to 1)")
    return float((w @ arr.T).max(axis=1).mean())
