"""Checked arrays of a whole bandit log for :meth:`BanditAgent.partial_fit`.

A log has a leading axis of rounds: ``actions``/``rewards`` are ``(n,)``
(one run) or ``(n, n_runs)``, ``contexts`` ``(n, *obs)`` or
``(n, n_runs, *obs)``, and ``infos`` maps keys such as ``noise_std`` to
arrays of shape ``(n,)`` or ``(n, n_runs)``. A
:class:`~rlsuite.offline_data.bandit_log.BanditFeedback` can stand in for
the three arrays (its ``action``, ``reward`` and ``context``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["log_arrays", "scatter_counts"]


def log_arrays(
    agent: Any,
    actions: Any,
    rewards: Any,
    contexts: Any,
    infos: dict[str, Any] | None,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, dict[str, np.ndarray] | None]:
    """``(obs (n, R, *obs) or None, actions (n, R), rewards (n, R), infos)``, checked."""
    if hasattr(actions, "action") and hasattr(actions, "reward"):  # a BanditFeedback
        feedback = actions
        if rewards is not None or contexts is not None:
            raise TypeError("pass either a BanditFeedback or actions/rewards/contexts, not both")
        actions, rewards, contexts = feedback.action, feedback.reward, feedback.context
    if rewards is None:
        raise TypeError(f"{type(agent).__name__}.partial_fit needs rewards")
    runs = agent.n_runs
    actions, rewards = np.asarray(actions), np.asarray(rewards, dtype=np.float64)
    if not np.issubdtype(actions.dtype, np.integer):
        raise TypeError(f"actions must be integers, got dtype {actions.dtype}")
    if runs == 1 and actions.ndim == 1:
        actions, rewards = actions[:, None], rewards.reshape(-1, 1)
    if actions.ndim != 2 or actions.shape[1] != runs:
        raise ValueError(
            f"actions has shape {actions.shape}, must be (n_rounds,) for n_runs=1 or "
            f"(n_rounds, n_runs) = (n_rounds, {runs})"
        )
    if rewards.shape != actions.shape:
        raise ValueError(f"rewards has shape {rewards.shape}, must match actions {actions.shape}")
    if actions.size and (actions.min() < 0 or actions.max() >= agent.n_arms):
        raise ValueError(
            f"actions out of range: must be in [0, {agent.n_arms - 1}], "
            f"got values in [{actions.min()}, {actions.max()}]"
        )
    if not np.all(np.isfinite(rewards)):
        raise ValueError("rewards must be finite: the log contains NaN or inf")
    obs = None
    if contexts is not None:
        obs = np.asarray(contexts)
        if runs == 1 and obs.ndim == 1 + agent._obs_ndim():
            obs = obs[:, None]
        if obs.shape[:2] != actions.shape:
            raise ValueError(
                f"contexts has shape {obs.shape}, must start with (n_rounds, n_runs) = "
                f"{actions.shape} (or (n_rounds,) for n_runs=1)"
            )
    if infos is not None:
        infos = {
            key: np.broadcast_to(np.asarray(value).reshape(len(actions), -1), actions.shape).astype(
                np.float64
            )
            for key, value in infos.items()
        }
    return obs, actions, rewards, infos


def scatter_counts(
    actions: np.ndarray, rewards: np.ndarray, n_arms: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(counts, sums)`` of shape ``(R, K)`` from a ``(n, R)`` log, one bincount each."""
    runs = actions.shape[1]
    flat = (np.arange(runs) * n_arms + actions).reshape(-1)
    size = runs * n_arms
    counts = np.bincount(flat, minlength=size).reshape(runs, n_arms)
    sums = np.bincount(flat, weights=rewards.reshape(-1), minlength=size).reshape(runs, n_arms)
    return counts.astype(np.float64), sums
