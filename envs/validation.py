"""Parameter checks shared by environments and agents.

Every check raises ``ValueError`` naming the parameter, the value and the
allowed range, so that bad input never gets silently clamped.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = ["check_action", "check_actions", "check_int", "check_real", "check_optional_int"]


def check_int(name: str, value: Any, low: int = 1, high: int | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name}={value!r} must be an integer in {_range(low, high)}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name}={value!r} is out of range: must be in {_range(low, high)}")
    return int(value)


def check_optional_int(name: str, value: Any, low: int = 1) -> int | None:
    """Like :func:`check_int` but ``None`` passes through."""
    return None if value is None else check_int(name, value, low)


def check_real(
    name: str,
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as ``float`` if it is a finite real in the given interval."""
    interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
        raise ValueError(f"{name}={value!r} must be a real number in {interval}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high or math.isinf(value):
        raise ValueError(f"{name}={value!r} is out of range: must be in {interval}")
    return value


def check_action(action: Any, n_actions: int) -> int:
    """Return a discrete ``action`` as ``int``; raise if it is not in ``{0..n-1}``."""
    arr = np.asarray(action)
    if arr.ndim != 0 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"action={action!r} must be an integer in [0, {n_actions - 1}]")
    a = int(arr)
    if not 0 <= a < n_actions:
        raise ValueError(f"action={action!r} is out of range: must be in [0, {n_actions - 1}]")
    return a


#: Unsigned dtype of each integer width: viewing actions through it turns a
#: negative action into a huge one, so one ``< n_actions`` comparison checks both ends.
_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def check_actions(actions: Any, num_envs: int, n_actions: int) -> np.ndarray:
    """Return a vector env's discrete ``actions`` if they are ``num_envs`` ints in range."""
    # Fast path (the common case, a correct integer array): one vectorised comparison,
    # or a Python comparison for a single run, where numpy's per-call cost dominates.
    if type(actions) is np.ndarray and actions.shape == (num_envs,) and actions.dtype.kind in "iu":
        if num_envs == 1:
            if 0 <= int(actions[0]) < n_actions:
                return actions
        elif (actions.view(_UNSIGNED[actions.itemsize]) < n_actions).all():
            return actions
    actions = np.asarray(actions)
    if actions.shape != (num_envs,) or not np.issubdtype(actions.dtype, np.integer):
        raise ValueError(f"actions must be integers of shape ({num_envs},), got {actions!r}")
    if actions.min() < 0 or actions.max() >= n_actions:
        raise ValueError(f"actions out of range: must be in [0, {n_actions - 1}], got {actions!r}")
    return actions


def _range(low: int, high: int | None) -> str:
    return f"[{low}, {'inf)' if high is None else f'{high}]'}"
