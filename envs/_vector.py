"""Shared pieces of the bandit envs: one-hot context observations, vector-env round bookkeeping."""

from __future__ import annotations

import numpy as np

__all__ = ["end_rounds", "one_hot_contexts"]


def end_rounds(t: np.ndarray, horizon: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Count one more round in every copy; return ``(terminated, truncated)``.

    ``horizon=None``: every round is one episode, so every copy terminates.
    Otherwise a copy's episode is truncated after ``horizon`` rounds and its
    counter ``t`` (modified in place) restarts at 0 (same-step autoreset).
    """
    n = t.shape[0]
    if n == 1 and horizon is not None:
        # One copy: Python scalar work beats three tiny array passes.
        count = int(t[0]) + 1
        ended = count >= horizon
        t[0] = 0 if ended else count
        return np.zeros(1, dtype=bool), np.array([ended])
    t += 1
    if horizon is None:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    truncated = t >= horizon
    # Most rounds end no episode: skip the masked write (a second pass) when none does.
    if truncated.any():
        t[truncated] = 0
    return np.zeros(n, dtype=bool), truncated


def one_hot_contexts(contexts: int | np.ndarray, n_contexts: int) -> np.ndarray:
    """float32 one-hot rows of ``contexts``: shape ``(n_contexts,)`` or ``(R, n_contexts)``."""
    index = np.asarray(contexts)
    obs = np.zeros((*index.shape, n_contexts), dtype=np.float32)
    np.put_along_axis(obs, index[..., None], 1.0, axis=-1)
    return obs
