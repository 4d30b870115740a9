"""Logged bandit feedback to and from Open Bandit Pipeline's ``bandit_feedback`` dict.

OBP (``obp``, not a dependency of rlsuite) passes logged data around as one
dict, the ``BanditFeedback`` of ``obp.types``, as returned by
``SyntheticBanditDataset.obtain_batch_bandit_feedback`` and
``OpenBanditDataset.obtain_batch_bandit_feedback``. Its keys and shapes, with
``n = n_rounds``, ``K = n_actions`` and ``L = len_list`` (slots per round; 1
here):

====================  =============================  =======================================
key                   shape                          meaning
====================  =============================  =======================================
``n_rounds``          int                            logged rounds ``n``
``n_actions``         int                            actions ``K``
``context``           ``(n, dim_context)``           context of each round (2-D in OBP)
``action_context``    ``(K, dim_action_context)``    features of each action (``eye(K)``)
``action``            ``(n,)`` int                   action the logging policy took
``position``          ``(n,)`` int or ``None``       slot of the action (always 0 here)
``reward``            ``(n,)``                       observed reward
``pscore``            ``(n,)``                       logging probability of ``action``
``pi_b``              ``(n, K, L)``                  logging policy's action distribution
``expected_reward``   ``(n, K)``                     noiseless mean reward (synthetic data)
====================  =============================  =======================================

rlsuite's :class:`~rlsuite.offline_data.bandit_log.BanditFeedback` has the
same fields with three differences that :func:`to_obp` and :func:`from_obp`
undo: its ``context`` keeps the env's observation shape (e.g. ``(n, K, d)``
per-arm features), which OBP needs flattened to ``(n, K * d)``; its
``action_dist`` is OBP's ``pi_b`` without the slot axis (OBP's own
``action_dist`` argument is the *evaluation* policy's, shape ``(n, K, L)``);
and it has no ``position`` or ``action_context``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from rlsuite.offline_data.bandit_log import BanditFeedback

__all__ = ["OBP_KEYS", "from_obp", "to_obp"]

#: the keys :func:`to_obp` writes, in OBP's order
OBP_KEYS = (
    "n_rounds",
    "n_actions",
    "context",
    "action_context",
    "action",
    "position",
    "reward",
    "expected_reward",
    "pi_b",
    "pscore",
)

_REQUIRED = ("n_rounds", "n_actions", "context", "action", "reward", "pscore")


def to_obp(feedback: BanditFeedback, action_context: np.ndarray | None = None) -> dict[str, Any]:
    """OBP's ``bandit_feedback`` dict of ``feedback`` (arrays copied, context flattened).

    Parameters
    ----------
    feedback : BanditFeedback
        Logged rounds, e.g. from :func:`rlsuite.offline_data.log_bandit`.
    action_context : numpy.ndarray or None
        ``(n_actions, dim_action_context)`` action features; ``None`` gives
        ``eye(n_actions)``, OBP's default for synthetic data.

    Returns
    -------
    dict
        The keys of :data:`OBP_KEYS`, shaped as in the module docstring, ready
        for ``obp.ope.OffPolicyEvaluation(bandit_feedback=...)``.

    Raises
    ------
    TypeError
        If ``feedback`` is not a ``BanditFeedback``.
    ValueError
        If ``action_context`` does not have ``n_actions`` rows.
    """
    if not isinstance(feedback, BanditFeedback):
        raise TypeError(f"feedback={type(feedback).__name__} must be a BanditFeedback")
    n, k = feedback.n_rounds, feedback.n_actions
    if action_context is None:
        action_context = np.eye(k)
    action_context = np.asarray(action_context)
    if action_context.ndim != 2 or action_context.shape[0] != k:
        raise ValueError(
            f"action_context has shape {action_context.shape}, must be (n_actions={k}, dim)"
        )
    return {
        "n_rounds": n,
        "n_actions": k,
        "context": np.asarray(feedback.context).reshape(n, -1).copy(),
        "action_context": action_context.copy(),
        "action": np.asarray(feedback.action, dtype=np.int64).copy(),
        "position": np.zeros(n, dtype=np.int64),
        "reward": np.asarray(feedback.reward, dtype=np.float64).copy(),
        "expected_reward": np.asarray(feedback.expected_reward, dtype=np.float64).copy(),
        "pi_b": np.asarray(feedback.action_dist, dtype=np.float64)[:, :, None].copy(),
        "pscore": np.asarray(feedback.pscore, dtype=np.float64).copy(),
    }


def from_obp(
    bandit_feedback: Mapping[str, Any], context_shape: tuple[int, ...] | None = None
) -> BanditFeedback:
    """A :class:`BanditFeedback` of OBP's ``bandit_feedback`` dict.

    Parameters
    ----------
    bandit_feedback : mapping
        OBP's dict; needs ``n_rounds``, ``n_actions``, ``context``, ``action``,
        ``reward`` and ``pscore``. ``pi_b`` and ``expected_reward`` are used
        when present; real logs (``OpenBanditDataset``) have neither, and the
        result then holds NaN there: the estimators of
        :mod:`rlsuite.offline_data.ope` need only the four logged arrays, and
        ``policy_value`` (the truth) is unknown for real data.
    context_shape : tuple of int or None
        Per-round shape to restore (e.g. ``(n_arms, dim)`` for the arm
        features of ``LinearContextualBandit``); ``None`` keeps OBP's 2-D context.

    Returns
    -------
    BanditFeedback
        The logged rounds.

    Raises
    ------
    TypeError
        If ``bandit_feedback`` is not a mapping.
    ValueError
        If a required key is missing, shapes disagree with ``n_rounds`` /
        ``n_actions``, or the data has more than one position (slates, which
        ``BanditFeedback`` cannot hold).
    """
    if not isinstance(bandit_feedback, Mapping):
        raise TypeError(f"bandit_feedback={type(bandit_feedback).__name__} must be a dict")
    missing = [key for key in _REQUIRED if key not in bandit_feedback]
    if missing:
        raise ValueError(f"bandit_feedback lacks the keys {missing}; OBP's dict has {_REQUIRED}")
    n, k = int(bandit_feedback["n_rounds"]), int(bandit_feedback["n_actions"])
    position = bandit_feedback.get("position")
    if position is not None and np.unique(np.asarray(position)).size > 1:
        raise ValueError("bandit_feedback has several positions (a slate); only one is supported")
    context = np.asarray(bandit_feedback["context"])
    if context_shape is not None:
        context = context.reshape((n, *context_shape))
    action = np.asarray(bandit_feedback["action"]).astype(np.int64)
    pi_b = bandit_feedback.get("pi_b")
    if pi_b is None:
        action_dist = np.full((n, k), np.nan)
    else:
        action_dist = _single_slot(np.asarray(pi_b, dtype=np.float64), n, k)
    expected = bandit_feedback.get("expected_reward")
    expected = np.full((n, k), np.nan) if expected is None else np.asarray(expected, np.float64)
    feedback = BanditFeedback(
        context=context,
        action=action,
        reward=np.asarray(bandit_feedback["reward"], dtype=np.float64),
        pscore=np.asarray(bandit_feedback["pscore"], dtype=np.float64),
        action_dist=action_dist,
        expected_reward=expected,
    )
    _check_shapes(feedback, n, k)
    return feedback


def _single_slot(pi_b: np.ndarray, n: int, k: int) -> np.ndarray:
    if pi_b.ndim == 3 and pi_b.shape[2] == 1:
        pi_b = pi_b[:, :, 0]
    if pi_b.shape != (n, k):
        raise ValueError(f"pi_b has shape {pi_b.shape}, must be (n_rounds={n}, n_actions={k}, 1)")
    return pi_b


def _check_shapes(feedback: BanditFeedback, n: int, k: int) -> None:
    for name in ("action", "reward", "pscore"):
        shape = getattr(feedback, name).shape
        if shape != (n,):
            raise ValueError(f"{name} has shape {shape}, must be (n_rounds={n},)")
    if len(feedback.context) != n:
        raise ValueError(f"context has {len(feedback.context)} rows, must be n_rounds={n}")
    if feedback.expected_reward.shape != (n, k):
        raise ValueError(
            f"expected_reward has shape {feedback.expected_reward.shape}, must be ({n}, {k})"
        )
    if np.any((feedback.action < 0) | (feedback.action >= k)):
        raise ValueError(f"action holds values outside [0, n_actions={k})")
