"""Parameter checks shared by environments and agents.

Every check names the parameter, the value and the allowed range or type,
so that bad input never gets silently clamped. A value of the wrong type
raises :class:`ParameterTypeError`, a ``TypeError`` that is also a
``ValueError`` so that callers written against the earlier all-``ValueError``
checks keep working; a value of the right type but out of range raises
``ValueError``.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, Literal, overload

import numpy as np
from gymnasium.error import ResetNeeded

__all__ = [
    "MAX_ENTRIES",
    "MAX_SIZE",
    "UNSIGNED_OF_WIDTH",
    "ParameterTypeError",
    "EpisodeNotRunning",
    "check_action",
    "check_actions",
    "check_bool",
    "check_entries",
    "check_episode_running",
    "check_int",
    "check_optional_int",
    "check_options",
    "check_problem_seed",
    "check_real",
    "check_real_array",
    "check_real_pair",
    "check_reset_seed",
]

#: Upper limit of every size parameter (numbers of arms, contexts, tokens, ...):
#: far above anything a study uses, and low enough that a typo such as ``10**12``
#: is refused before numpy tries to allocate it.
MAX_SIZE = 10**7

#: Upper limit of the entries of one array sized by a *product* of parameters (a
#: vector env's ``num_envs * n_arms`` means): 2^27, e.g. 2^20 copies x 128 arms, one
#: GiB of float64 per array. Each factor is a size parameter (at most ``MAX_SIZE``);
#: the product may exceed ``MAX_SIZE`` so that a GPU-sized round (2^20 copies x 10
#: arms = 1.05e7 entries) fits, while ``num_envs=10**6, n_arms=10**6`` is refused
#: before numpy or torch tries to allocate it.
MAX_ENTRIES = 2**27

#: Largest ``problem_seed`` and agent ``seed``: numpy's ``SeedSequence`` takes any
#: non-negative integer; the limit keeps seeds storable as 64-bit integers and is
#: the most ``torch.Generator.manual_seed`` takes.
MAX_SEED = 2**63 - 1


class ParameterTypeError(TypeError, ValueError):
    """A parameter of the wrong type (a ``TypeError``, and a ``ValueError`` for older callers)."""


def check_int(name: str, value: Any, low: int = 1, high: int | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ParameterTypeError(
            f"{name}={value!r} must be an integer in {_range(low, high)}, "
            f"got {type(value).__name__}"
        )
    # int() first: a numpy integer compares like the int it converts to exactly.
    as_int = int(value)
    if as_int < low or (high is not None and as_int > high):
        raise ValueError(f"{name}={value!r} is out of range: must be in {_range(low, high)}")
    return as_int


def check_entries(
    name: str,
    factors: tuple[int, ...],
    *,
    limit: int = MAX_ENTRIES,
    holder: str = "the vector env's arrays",
) -> int:
    """Return the product of ``factors`` if ``holder`` may have that many entries.

    ``name`` spells the product (``"num_envs * n_arms"``); beyond ``limit``
    (:data:`MAX_ENTRIES`, or ``MAX_SIZE`` for a single env's tables) a
    ``ValueError`` names it, the factors, their product and the limit.
    """
    entries = math.prod(factors)
    if entries > limit:
        spelled = " * ".join(str(factor) for factor in factors)
        raise ValueError(
            f"{name} = {spelled} = {entries} is out of range: "
            f"{holder} must have at most {limit} entries"
        )
    return entries


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
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ParameterTypeError(
            f"{name}={value!r} must be a real number in {interval}, got {type(value).__name__}"
        )
    if math.isnan(value):
        raise ValueError(f"{name}={value!r} must be a real number in {interval}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high or math.isinf(value):
        raise ValueError(f"{name}={value!r} is out of range: must be in {interval}")
    return value


class EpisodeNotRunning(ResetNeeded, RuntimeError):
    """``step()`` before the first ``reset()`` or after the episode ended.

    Gymnasium's ``ResetNeeded`` (what its ``OrderEnforcing`` wrapper raises) and
    a ``RuntimeError``, which these envs raised before.
    """


def check_episode_running(started: bool, ended: bool) -> None:
    """Raise :class:`EpisodeNotRunning` unless an episode is running."""
    if not started:
        raise EpisodeNotRunning("call reset() before step()")
    if ended:
        raise EpisodeNotRunning(
            "the episode has ended (terminated or truncated): call reset() before step()"
        )


def check_options(options: Any, allowed: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return ``reset``'s ``options`` as a dict (``None`` is ``{}``).

    A non-dict raises :class:`ParameterTypeError`, a key not in ``allowed``
    raises ``ValueError`` (an option the env does not know would be ignored).
    """
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise ParameterTypeError(
            f"options={options!r} must be a dict or None, got {type(options).__name__}"
        )
    unknown = sorted(str(key) for key in options if key not in allowed)
    if unknown:
        raise ValueError(
            f"options has unknown keys {unknown}: this env accepts {list(allowed) or 'none'}"
        )
    return options


def check_reset_seed(seed: Any) -> int | None:
    """Return the ``seed`` of ``reset(seed=...)``: ``None`` or an integer ``>= 0``.

    Gymnasium would refuse the same values with its own ``gymnasium.error.Error``;
    this raises ``TypeError``/``ValueError`` naming ``seed`` as every other check
    does, and accepts numpy integers (as ``int``). Any size is allowed, as in
    Gymnasium (numpy's ``SeedSequence`` takes any non-negative integer).
    """
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise ParameterTypeError(
            f"seed={seed!r} must be None or an integer >= 0, not {type(seed).__name__}"
        )
    if int(seed) < 0:
        raise ValueError(f"seed={seed!r} is out of range: must be an integer >= 0")
    return int(seed)


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a real boolean (``True``/``False`` or ``numpy.bool_``)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterTypeError(
            f"{name}={value!r} must be a bool (True or False), got {type(value).__name__}"
        )
    return bool(value)


@overload
def check_problem_seed(value: Any, *, allow_none: Literal[False]) -> int: ...
@overload
def check_problem_seed(value: Any, *, allow_none: bool = True) -> int | None: ...
def check_problem_seed(value: Any, *, allow_none: bool = True) -> int | None:
    """Return a ``problem_seed``: an integer in ``[0, 2**63 - 1]``, or ``None`` if allowed."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral):
        allowed = "an integer in [0, 2**63 - 1]" + (" or None" if allow_none else "")
        raise ParameterTypeError(
            f"problem_seed={value!r} must be {allowed}, got {type(value).__name__}"
        )
    return check_int("problem_seed", value, low=0, high=MAX_SEED)


def check_real_pair(
    name: str, value: Any, low: float = -math.inf, high: float = math.inf, **bounds: bool
) -> tuple[float, float]:
    """Return ``(a, b)`` for a pair of reals in ``[low, high]`` with ``a <= b``.

    ``bounds`` are :func:`check_real`'s ``low_open`` / ``high_open``.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list, np.ndarray)):
        raise ParameterTypeError(
            f"{name}={value!r} must be a (low, high) pair of real numbers, "
            f"got {type(value).__name__}"
        )
    if len(value) != 2:
        raise ValueError(f"{name}={value!r} must be a (low, high) pair: got {len(value)} entries")
    first = check_real(f"{name}[0]", value[0], low, high, **bounds)
    second = check_real(f"{name}[1]", value[1], low, high, **bounds)
    if second < first:
        raise ValueError(f"{name}={value!r} must have {name}[0] <= {name}[1]")
    return first, second


def check_real_array(name: str, value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Return a finite float64 copy of ``value`` if it is a real array of ``shape``.

    Strings, booleans, objects and ragged nested lists raise
    :class:`ParameterTypeError` before numpy can coerce them.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # ragged nesting: numpy refuses to build the array
        raise ParameterTypeError(
            f"{name}={value!r} must be a real array of shape {shape}, got a ragged sequence"
        ) from None
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise ParameterTypeError(
            f"{name}={value!r} must be a real array of shape {shape}, got dtype {arr.dtype}"
        )
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape}, must be {shape}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}={value!r} must be finite")
    return arr


def check_action(action: Any, n_actions: int) -> int:
    """Return a discrete ``action`` as ``int``; raise if it is not in ``{0..n-1}``."""
    arr = np.asarray(action)
    if arr.ndim != 0 or not np.issubdtype(arr.dtype, np.integer):
        raise ParameterTypeError(f"action={action!r} must be an integer in [0, {n_actions - 1}]")
    a = int(arr)
    if not 0 <= a < n_actions:
        raise ValueError(f"action={action!r} is out of range: must be in [0, {n_actions - 1}]")
    return a


#: Unsigned dtype of each integer width: viewing actions through it turns a
#: negative action into a huge one, so one ``< n_actions`` comparison checks both ends.
UNSIGNED_OF_WIDTH = {size: np.dtype(f"u{size}") for size in (1, 2, 4, 8)}
_max = np.maximum.reduce


def check_actions(actions: Any, num_envs: int, n_actions: int) -> np.ndarray:
    """Return a vector env's discrete ``actions`` if they are ``num_envs`` ints in range."""
    # Fast path (the common case, a correct integer array): one vectorised comparison,
    # or a Python comparison for a single run, where numpy's per-call cost dominates.
    if type(actions) is np.ndarray and actions.shape == (num_envs,) and actions.dtype.kind in "iu":
        if num_envs == 1:
            if 0 <= actions.item(0) < n_actions:  # ``item``: a Python int, no numpy scalar
                return actions
        elif int(_max(actions.view(UNSIGNED_OF_WIDTH[actions.itemsize]))) < n_actions:
            # One reduction, no temporary bool array: the largest unsigned value decides.
            return actions
    actions = np.asarray(actions)
    if actions.shape != (num_envs,) or not np.issubdtype(actions.dtype, np.integer):
        raise ValueError(f"actions must be integers of shape ({num_envs},), got {actions!r}")
    if actions.min() < 0 or actions.max() >= n_actions:
        raise ValueError(f"actions out of range: must be in [0, {n_actions - 1}], got {actions!r}")
    return actions


def _range(low: int, high: int | None) -> str:
    return f"[{low}, {'inf)' if high is None else f'{high}]'}"


# ----------------------------------------------------------------------------
# Shared helpers for agents and envs: choices, probability rows, seeds, optional
# extras and categorical sampling (one implementation instead of one per class).

__all__ += [
    "check_choice",
    "check_probabilities",
    "check_seed",
    "require_extra",
    "CategoricalTable",
    "sample_categorical",
    "seed_to_int",
]

#: Exclusive bound of the integer seed drawn from a Generator seed (``seed_to_int``).
_SEED_BOUND = MAX_SEED + 1


def check_choice(name: str, value: Any, choices: Any) -> Any:
    """Return ``value`` if it is one of ``choices``.

    A value of the wrong type (e.g. a number where the choices are strings)
    raises ``TypeError``; an unknown one ``ValueError``; both list the choices.
    """
    choices = tuple(choices)
    allowed = ", ".join(repr(c) for c in choices)
    kinds = {type(c) for c in choices}
    if len(kinds) == 1 and not isinstance(value, tuple(kinds)):
        raise TypeError(
            f"{name}={value!r} must be a {next(iter(kinds)).__name__}, one of {allowed}"
        )
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not known; must be one of {allowed}")
    return value


def check_probabilities(name: str, probs: Any, *, ndim: int | None = None) -> np.ndarray:
    """Return ``probs`` as float64 if every row (last axis) is a distribution.

    Rows must be finite, non-negative, have at least 2 entries and sum to 1
    (to 1e-6, which absorbs float32 rounding of hand-written tables).
    """
    try:
        arr = np.asarray(probs, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of real numbers, got {probs!r}") from error
    if arr.ndim == 0 or arr.shape[-1] < 2 or (ndim is not None and arr.ndim != ndim):
        shape = "(..., n)" if ndim is None else f"{ndim} axes"
        raise ValueError(f"{name} has shape {arr.shape}; must be {shape} with n >= 2")
    if not np.all(np.isfinite(arr)) or arr.min() < 0:
        raise ValueError(f"{name} must hold finite, non-negative probabilities")
    sums = arr.sum(axis=-1)
    if not np.allclose(sums, 1.0, rtol=0.0, atol=1e-6):
        worst = float(sums.flat[np.argmax(np.abs(sums - 1.0))])
        raise ValueError(f"{name} rows must sum to 1; one sums to {worst!r}")
    return arr


def check_seed(seed: Any, name: str = "seed") -> int | np.random.Generator | None:
    """Return a valid seed: ``None``, an integer ``>= 0`` or a ``numpy.random.Generator``."""
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise TypeError(
            f"{name}={seed!r} must be None, an integer >= 0 or a numpy.random.Generator, "
            f"not {type(seed).__name__}"
        )
    if not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"{name}={seed!r} is out of range: must be in [0, 2**63 - 1]")
    return int(seed)


def seed_to_int(seed: int | np.random.Generator | None) -> int | None:
    """An integer seed (for ``env.reset`` or ``torch.Generator``) from a checked seed.

    A Generator gives one draw of its stream, so the same Generator state gives
    the same integer.
    """
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(_SEED_BOUND))
    return seed


def require_extra(module: str, extra: str, needed_by: str) -> Any:
    """Import ``module`` or raise ``ImportError`` naming the extra that installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"{module} is needed by {needed_by}; install it with `pip install 'rlsuite[{extra}]'`"
        ) from error


def sample_categorical(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per row of ``probs`` (last axis), by inverse CDF with one uniform per row.

    ``rng.random`` is called once with shape ``probs.shape[:-1] + (1,)``, so
    the stream matches the hand-written ``(u > cumsum).sum()`` samplers this
    replaces. See :class:`CategoricalTable` for the inversion.
    """
    return CategoricalTable(probs).sample(rng)


class CategoricalTable:
    """Inverse-CDF draws from fixed rows of probabilities, the cumulative sums made once.

    Category ``a`` of a row is drawn for a uniform ``u`` in ``(cdf[a - 1], cdf[a]]``,
    so a category of probability 0 is never drawn: ``u = 0`` goes to the row's first
    category of positive probability, and a ``u`` beyond the last cumulative sum
    (float rounding leaves it a few ulps below 1) to the last one instead of falling
    off the end. Built once per policy, it serves loops that draw from rows indexed
    by a state (``rows=``) or that draw their uniforms themselves (all of an
    episode's up front).

    Parameters
    ----------
    probs : numpy.ndarray
        Probabilities on the last axis (rows are not re-checked; see
        :func:`check_probabilities`).
    """

    def __init__(self, probs: np.ndarray) -> None:
        probs = np.asarray(probs, dtype=np.float64)
        positive = probs > 0
        self.shape = probs.shape
        self.cdf = np.cumsum(probs, axis=-1)
        self.first = np.argmax(positive, axis=-1)
        self.last = probs.shape[-1] - 1 - np.argmax(positive[..., ::-1], axis=-1)

    def from_uniforms(self, uniforms: Any, rows: Any = None) -> np.ndarray:
        """The category that each uniform falls in, in its row (``rows`` indexes the table)."""
        uniforms = np.asarray(uniforms, dtype=np.float64)
        if rows is None:
            cdf, first, last = self.cdf, self.first, self.last
        else:
            cdf, first, last = self.cdf[rows], self.first[rows], self.last[rows]
        draws = (uniforms[..., None] > cdf).sum(axis=-1)
        return np.clip(draws, first, last)

    def sample(self, rng: np.random.Generator, rows: Any = None) -> np.ndarray:
        """One draw per row (of the table, or of ``self.cdf[rows]``), one uniform each."""
        batch = self.shape[:-1] if rows is None else np.shape(self.first[rows])
        return self.from_uniforms(rng.random(tuple(batch) + (1,))[..., 0], rows)
