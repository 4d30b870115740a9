"""Shared pieces of the bandit envs: one-hot context observations, vector-env round bookkeeping."""

from __future__ import annotations

import numpy as np

__all__ = ["end_rounds", "one_hot_contexts"]


def end_rounds(t: np.ndarray, horizon: int | None) -> tuple[np.ndarray, np.ndarray]:
    """End one round in every copy; return ``(terminated, truncated)``.

    ``horizon=None``: every round is one episode, so every copy terminates and
    the round counters ``t`` stay 0 (each new episode is at its first round).
    Otherwise a copy's episode is truncated after ``horizon`` rounds and its
    counter ``t`` (modified in place) restarts at 0 (same-step autoreset).
    """
    n = t.shape[0]
    if horizon is None:
        if n == 1:
            # The one-copy templates without the lookup: a visible share of a one-run step.
            return _ONE_COPY_TERMINATED[0].copy(), _ONE_COPY_TERMINATED[1].copy()
        return _every_copy_terminated(n)
    if n == 1:
        # One copy: Python scalar work beats three tiny array passes.
        count = int(t[0]) + 1
        ended = count >= horizon
        t[0] = 0 if ended else count
        return np.zeros(1, dtype=bool), np.array([ended])
    t += 1
    truncated = t >= horizon
    # Most rounds end no episode: skip the masked write (a second pass) when none does.
    if truncated.any():
        t[truncated] = 0
    return np.zeros(n, dtype=bool), truncated


#: ``(terminated, truncated)`` templates of the one-round episodes, by number of copies:
#: copying one is a single C call, building it with ``np.ones`` runs Python code.
_ONE_ROUND: dict[int, tuple[np.ndarray, np.ndarray]] = {}
_ONE_COPY_TERMINATED = (np.ones(1, dtype=bool), np.zeros(1, dtype=bool))


def _every_copy_terminated(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Fresh ``(all True, all False)`` bool arrays of shape ``(n,)``."""
    pair = _ONE_ROUND.get(n)
    if pair is None:
        pair = np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
        # Only small templates are kept (few, and tiny): at large n the copy costs as much.
        if n > 4096 or len(_ONE_ROUND) >= 64:
            return pair
        _ONE_ROUND[n] = pair
    return pair[0].copy(), pair[1].copy()


def one_hot_contexts(contexts: int | np.ndarray, n_contexts: int) -> np.ndarray:
    """float32 one-hot rows of ``contexts``: shape ``(n_contexts,)`` or ``(R, n_contexts)``."""
    index = np.asarray(contexts)
    obs = np.zeros((*index.shape, n_contexts), dtype=np.float32)
    np.put_along_axis(obs, index[..., None], 1.0, axis=-1)
    return obs
