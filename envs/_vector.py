"""Shared step bookkeeping of the native bandit vector envs."""

from __future__ import annotations

import numpy as np

__all__ = ["end_rounds"]


def end_rounds(t: np.ndarray, horizon: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Count one more round in every copy; return ``(terminated, truncated)``.

    ``horizon=None``: every round is one episode, so every copy terminates.
    Otherwise a copy's episode is truncated after ``horizon`` rounds and its
    counter ``t`` (modified in place) restarts at 0 (same-step autoreset).
    """
    t += 1
    if horizon is None:
        return np.ones(len(t), dtype=bool), np.zeros(len(t), dtype=bool)
    truncated = t >= horizon
    t[truncated] = 0
    return np.zeros(len(t), dtype=bool), truncated
