"""Interquartile mean with stratified-bootstrap confidence intervals.

This follows rliable (Agarwal et al., 2021, "Deep RL at the Edge of the
Statistical Precipice"): the aggregate of a ``(runs, tasks)`` score matrix is
the interquartile mean (IQM) of all its entries, ``scipy.stats.trim_mean``
with 25 % cut at each end, and its confidence interval is a percentile
bootstrap that resamples runs with replacement *within each task* (stratified).
rliable's own ``library`` module cannot be imported with the installed
pandas (its ``arch`` dependency fails), so the bootstrap is written here; the
point estimate is checked against ``rliable.metrics.aggregate_iqm`` in the
tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from rlsuite.envs.validation import check_int, check_real

__all__ = [
    "IQMEstimate",
    "bootstrap_iqm",
    "interval_verdict",
    "iqm",
    "paired_claim",
    "paired_interval",
]


@dataclass(frozen=True)
class IQMEstimate:
    """An IQM with its bootstrap confidence interval."""

    iqm: float
    low: float
    high: float
    n_runs: int


def iqm(scores: np.ndarray) -> float:
    """Interquartile mean of every entry of ``scores`` (25 % trimmed at each end)."""
    values = np.asarray(scores, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("scores is empty: the IQM needs at least one value")
    return float(stats.trim_mean(values, proportiontocut=0.25, axis=None))


def _iqm_rows(samples: np.ndarray) -> np.ndarray:
    """IQM of each row of a ``(reps, n)`` array."""
    return stats.trim_mean(samples, proportiontocut=0.25, axis=1)


def bootstrap_iqm(
    scores: np.ndarray,
    *,
    reps: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> IQMEstimate:
    """IQM of ``scores`` with a stratified percentile-bootstrap interval.

    Parameters
    ----------
    scores : numpy.ndarray
        Shape ``(runs,)`` or ``(runs, tasks)``; ``NaN`` entries are not allowed.
    reps : int
        Number of bootstrap resamples, at least 100.
    confidence : float
        Coverage of the interval, in ``(0, 1)``.
    seed : int
        Seed of the resampling generator (the interval is deterministic).

    Returns
    -------
    IQMEstimate
        Point estimate and ``[low, high]``; with a single run the interval
        collapses to the point.
    """
    matrix = np.asarray(scores, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    if matrix.ndim != 2 or matrix.size == 0:
        raise ValueError(f"scores has shape {matrix.shape}, must be (runs,) or (runs, tasks)")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("scores contains NaN or infinite values")
    reps = check_int("reps", reps, low=100)
    confidence = check_real("confidence", confidence, 0.0, 1.0, low_open=True, high_open=True)
    runs, tasks = matrix.shape
    point = iqm(matrix)
    if runs == 1:
        return IQMEstimate(point, point, point, runs)
    rng = np.random.default_rng(seed)
    # Stratified: each task column is resampled over runs independently.
    picks = rng.integers(runs, size=(reps, runs, tasks))
    resampled = np.take_along_axis(matrix[None], picks, axis=1).reshape(reps, runs * tasks)
    estimates = _iqm_rows(resampled)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(estimates, [alpha, 1.0 - alpha])
    return IQMEstimate(point, float(low), float(high), runs)


def paired_interval(diffs: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of paired differences (or of any values) and its Student-t interval.

    The studies pair by seed, so ``diffs`` holds one difference per seed.
    Below 3 values the bounds are ``nan``: no interval is drawn from fewer
    than 3 seeds (docs/design.md).

    Returns
    -------
    tuple of float
        ``(mean, low, high)``.
    """
    diffs = np.asarray(diffs, dtype=np.float64)
    mean = float(diffs.mean())
    if len(diffs) < 3:
        return mean, float("nan"), float("nan")
    sem = diffs.std(ddof=1) / np.sqrt(len(diffs))
    half = float(stats.t.ppf(0.5 + level / 2, len(diffs) - 1) * sem)
    return mean, mean - half, mean + half


def interval_verdict(intervals: list[tuple[float, float, float]]) -> str:
    """A claim list's verdict from ``(mean, low, high)`` intervals, one per setting.

    ``"yes"`` when every interval lies above 0, ``"no"`` when none does,
    ``"partly"`` otherwise.
    """
    above = [low > 0 for _, low, _ in intervals]
    if all(above):
        return "yes"
    return "partly" if any(above) else "no"


def paired_claim(
    claim: str, diffs_by_setting: Iterable[tuple[str, Any]], *, show_count: bool = False
) -> dict[str, str] | None:
    """A claims-table row: ``claim``, its verdict and the evidence, from paired differences.

    ``diffs_by_setting`` yields ``(label, diffs)``, one per setting (read lazily);
    ``nan`` differences are dropped. Each setting's :func:`paired_interval` is
    written ``"label: mean [low, high]"`` (with ``" (n=...)"`` if ``show_count``)
    and :func:`interval_verdict` judges them together. ``None`` when a setting has
    no difference (the claim cannot be judged).
    """
    intervals, parts = [], []
    for label, diffs in diffs_by_setting:
        values = np.asarray(diffs, dtype=np.float64)
        values = values[~np.isnan(values)]
        if len(values) == 0:
            return None
        mean, low, high = paired_interval(values)
        intervals.append((mean, low, high))
        count = f" (n={len(values)})" if show_count else ""
        parts.append(f"{label}: {mean:+.3f} [{low:+.3f}, {high:+.3f}]{count}")
    return {"claim": claim, "reproduced": interval_verdict(intervals), "evidence": "; ".join(parts)}
