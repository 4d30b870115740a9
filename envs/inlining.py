"""Synthetic inlining-for-size: decide, call site by call site, whether to inline (MLGO-like)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlsuite.envs.validation import (
    ParameterTypeError,
    check_action,
    check_episode_running,
    check_int,
    check_options,
    check_reset_seed,
)

__all__ = [
    "FAMILIES",
    "FEATURES",
    "MAX_CALLSITES",
    "MAX_FUNCTIONS",
    "InliningEnv",
    "Module",
    "check_module",
]

#: Limits on a module: the env walks call sites in Python, one per step.
MAX_FUNCTIONS = 10_000
MAX_CALLSITES = 100_000

#: observation features, after MLGO's inlining features (Trofin et al. 2021)
FEATURES = (
    "caller_size",
    "callee_size",
    "callee_users",
    "callee_is_local",
    "callee_callsites",
    "callsite_height",
    "in_loop",
    "n_args",
    "n_const_args",
    "call_cost",
    "caller_users",
    "module_functions",
    "module_callsites",
    "module_mean_size",
    "progress",
)
#: module families: (callee size range, callers per callee, args range, const-arg share)
FAMILIES: dict[str, tuple[tuple[int, int], tuple[int, int], tuple[int, int], float]] = {
    "helpers": ((1, 4), (1, 3), (1, 3), 0.0),  # tiny helpers, few callers
    "single": ((15, 60), (1, 1), (1, 4), 0.1),  # big local functions called once
    "const": ((8, 20), (2, 4), (3, 5), 0.85),  # constant arguments everywhere
    "shared": ((7, 10), (4, 7), (1, 2), 0.0),  # mid-size utilities with many callers
}
FUNCTION_OVERHEAD = 3  # prologue, epilogue, return
SIMPLIFY_PER_CONST = 0.25  # share of the inlined body removed per constant argument
MAX_SIMPLIFY = 0.75


@dataclass
class Module:
    """A call graph: function ``i`` may only call functions ``j > i`` (a DAG)."""

    family: str
    base: np.ndarray  # own instructions of each function, without calls
    local: np.ndarray  # internal linkage: may be deleted once unused
    sites: list[tuple[int, int, int, int, bool]] = field(default_factory=list)
    # (caller, callee, n_args, n_const_args, in_loop) in source order

    @property
    def n_functions(self) -> int:
        """Number of functions."""
        return len(self.base)


def check_module(module: Any) -> Module:
    """Return ``module`` if it is a valid :class:`Module`; raise naming what is wrong.

    Valid: ``base`` holds non-negative integer sizes (1 to ``MAX_FUNCTIONS``
    functions), ``local`` one bool per function, and ``sites`` 1 to
    ``MAX_CALLSITES`` tuples ``(caller, callee, n_args, n_const_args, in_loop)``
    with ``caller < callee`` (so no self-calls and no cycles), both in range,
    ``0 <= n_const_args <= n_args`` and a bool ``in_loop``.
    """
    name = "options['module']"
    if not isinstance(module, Module):
        raise ParameterTypeError(f"{name}={module!r} must be a Module, got {type(module).__name__}")
    base, local = np.asarray(module.base), np.asarray(module.local)
    if base.ndim != 1 or not np.issubdtype(base.dtype, np.integer) or base.dtype == bool:
        raise ParameterTypeError(f"{name}.base={module.base!r} must be a 1-D array of integers")
    n = len(base)
    if not 1 <= n <= MAX_FUNCTIONS:
        raise ValueError(f"{name} has {n} functions: must have 1 to {MAX_FUNCTIONS}")
    if base.min() < 0:
        raise ValueError(f"{name}.base={base.tolist()!r} has negative sizes: must be >= 0")
    if local.shape != (n,) or local.dtype != bool:
        raise ValueError(f"{name}.local={module.local!r} must be {n} bools, one per function")
    if not isinstance(module.sites, (list, tuple)) or not 1 <= len(module.sites) <= MAX_CALLSITES:
        raise ValueError(f"{name}.sites must be a list of 1 to {MAX_CALLSITES} call sites")
    for k, site in enumerate(module.sites):
        _check_site(f"{name}.sites[{k}]", site, n)
    return module


def _check_site(name: str, site: Any, n_functions: int) -> None:
    if not isinstance(site, (tuple, list)) or len(site) != 5:
        raise ValueError(f"{name}={site!r} must be (caller, callee, n_args, n_const_args, in_loop)")
    caller, callee, n_args, n_const, in_loop = site
    for field_name, value in (("caller", caller), ("callee", callee)):
        check_int(f"{name} {field_name}", value, low=0, high=n_functions - 1)
    if caller == callee:
        raise ValueError(f"{name}={site!r} is a self-call: function {caller} calls itself")
    if callee < caller:
        raise ValueError(
            f"{name}={site!r} would allow a cycle: function i may only call j > i (a DAG)"
        )
    n_args = check_int(f"{name} n_args", n_args, low=0)
    check_int(f"{name} n_const_args", n_const, low=0, high=n_args)
    if not isinstance(in_loop, (bool, np.bool_)):
        raise ParameterTypeError(f"{name} in_loop={in_loop!r} must be a bool")


def _call_cost(n_args: int) -> int:
    return 1 + n_args  # the call plus one move per argument


def draw_module(rng: np.random.Generator, family: str, n_functions: tuple[int, int]) -> Module:
    """Draw a random module of ``family`` with a number of functions in ``n_functions``."""
    (size_lo, size_hi), (call_lo, call_hi), (arg_lo, arg_hi), const_share = FAMILIES[family]
    n = int(rng.integers(n_functions[0], n_functions[1] + 1))
    n_roots = int(rng.integers(1, 3))
    base = rng.integers(size_lo, size_hi + 1, size=n)
    base[:n_roots] = rng.integers(20, 51, size=n_roots)
    local = np.ones(n, dtype=bool)
    local[:n_roots] = False
    local[n_roots:] = rng.random(n - n_roots) < 0.9
    sites = []
    for callee in range(n_roots, n):
        for _ in range(int(rng.integers(call_lo, call_hi + 1))):
            caller = int(rng.integers(0, callee))
            n_args = int(rng.integers(arg_lo, arg_hi + 1))
            n_const = int(rng.binomial(n_args, const_share))
            sites.append((caller, callee, n_args, n_const, bool(rng.random() < 0.3)))
    # Bottom-up order, as LLVM's inliner walks the call graph: callees before callers.
    sites.sort(key=lambda site: -site[0])
    return Module(family, base, local, sites)


class InliningEnv(gym.Env[np.ndarray, np.int64]):
    """Inlining for code size on synthetic modules, one call site per step.

    ## Description
    Each episode is one *module*, a random acyclic call graph drawn from one
    of several families (:data:`FAMILIES`): small helpers with few callers,
    big functions called once, callees with constant arguments, utilities
    with many callers. Call sites are visited bottom-up (callees before
    callers, as LLVM's inliner does) and the agent decides for each whether
    to inline it, as in MLGO's inlining-for-size (Trofin et al. 2021) and
    the BC-Max study of Marinov, Agarwal & Trofin (arXiv 2403.19462).

    Size model (instructions). A function's size is its own body ``base``
    plus, for each call site in it, ``1 + n_args`` (the call and argument
    moves) if kept, or the callee's current size minus a simplification if
    inlined. Each constant argument lets ``25%`` of the inlined body fold
    away (at most ``75%``, rounded down). Inlining copies the callee's
    remaining calls into the caller (they become new users of their
    callees). At the end, a local function none of whose call sites is left
    is deleted (with its calls, cascading). Every kept function costs 3 more
    (prologue, epilogue, return). Exported functions are never deleted.

    ## Action Space
    ``Discrete(2)``: ``1`` inline the current call site, ``0`` keep the call.

    ## Observation Space
    A ``Box(0, inf, (15,), float32)`` of call-site features:

    | Index | Feature          | Meaning                                       |
    |-------|------------------|-----------------------------------------------|
    | 0     | caller_size      | current size of the caller                    |
    | 1     | callee_size      | current size of the callee                    |
    | 2     | callee_users     | call sites of the callee still present        |
    | 3     | callee_is_local  | 1 if the callee may be deleted                |
    | 4     | callee_callsites | calls left inside the callee                  |
    | 5     | callsite_height  | depth of the caller in the call graph         |
    | 6     | in_loop          | 1 if the call is in a loop                    |
    | 7     | n_args           | arguments                                     |
    | 8     | n_const_args     | constant arguments                            |
    | 9     | call_cost        | ``1 + n_args``                                |
    | 10    | caller_users     | call sites of the caller                      |
    | 11-13 | module_*         | functions, call sites, mean function size     |
    | 14    | progress         | share of call sites already decided           |

    The observation after the last decision is all zeros.

    ## Rewards
    ``0.0`` until the last call site, then the relative size reduction
    ``(size_without_inlining - final_size) / size_without_inlining`` (negative
    when inlining grew the module).

    ## Reward Distribution
    Deterministic given the module; the module is random (drawn at reset).
    ``info`` at the end has ``size``, ``size_no_inline`` and ``size_reduction``.

    ## Starting State
    A module drawn from ``self.np_random``: the family uniformly among
    ``families``, then sizes, linkage, calls and arguments.

    ``reset(options={"module": Module(...)})`` plays a given module instead
    (see :class:`Module`; function ``i`` may only call ``j > i``).

    ## Episode End
    Terminates after the module's last call site (every module has at least one).

    ## Arguments
    ``gym.make("rlsuite/Inlining-v0", families=None, n_functions=(8, 16))``;
    ``families`` restricts the module families (default: all); at most
    ``10**4`` functions. A module passed in ``options`` is checked by
    :func:`check_module` (sizes, linkage, call sites; no self-calls or
    cycles). Modules are the episodes' starting states, drawn from fixed
    families, so there is no ``problem_seed``: every copy poses the same
    distribution of modules.

    ## Version History
    * v0: initial version. Later, without a version bump because valid use
      is unchanged: invalid modules, unknown ``options`` and ``step()`` after
      the last call site raise.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        families: tuple[str, ...] | list[str] | None = None,
        n_functions: tuple[int, int] = (8, 16),
    ) -> None:
        if isinstance(families, str) or not (
            families is None or isinstance(families, (tuple, list))
        ):
            raise ParameterTypeError(
                f"families={families!r} must be None or a list of names from {list(FAMILIES)}"
            )
        families = tuple(FAMILIES) if families is None else tuple(families)
        unknown = [f for f in families if f not in FAMILIES]
        if not families or unknown:
            raise ValueError(
                f"families={families!r} must be a non-empty subset of {list(FAMILIES)}"
            )
        self.families = families
        if not isinstance(n_functions, (tuple, list)) or len(n_functions) != 2:
            raise ValueError(f"n_functions={n_functions!r} must be a (low, high) pair, low >= 4")
        low = check_int("n_functions[0]", n_functions[0], low=4, high=MAX_FUNCTIONS)
        high = check_int("n_functions[1]", n_functions[1], low=low, high=MAX_FUNCTIONS)
        self.n_functions = (low, high)
        self.observation_space = spaces.Box(0.0, np.inf, (len(FEATURES),), np.float32)
        self.action_space = spaces.Discrete(2)
        self.module: Module | None = None
        self.index = 0

    # ----------------------------------------------------------------- state
    def _start(self, module: Module) -> None:
        self.module = module
        self.size = module.base.astype(np.int64).copy()
        self.users = np.zeros(module.n_functions, dtype=np.int64)
        self.calls: list[list[int]] = [[] for _ in range(module.n_functions)]
        self.height = np.zeros(module.n_functions, dtype=np.int64)
        for caller, callee, n_args, _, _ in module.sites:
            self.size[caller] += _call_cost(n_args)
            self.users[callee] += 1
            self.calls[caller].append(callee)
        for caller, callee, *_ in sorted(module.sites):
            self.height[callee] = max(self.height[callee], self.height[caller] + 1)
        self.size_no_inline = int(self.size.sum() + FUNCTION_OVERHEAD * module.n_functions)
        self.module_features = (module.n_functions, len(module.sites), float(module.base.mean()))
        self.index = 0

    def _obs(self) -> np.ndarray:
        module = self.module
        assert module is not None
        if self.index >= len(module.sites):
            return np.zeros(len(FEATURES), dtype=np.float32)
        caller, callee, n_args, n_const, in_loop = module.sites[self.index]
        return np.array(
            [
                self.size[caller],
                self.size[callee],
                self.users[callee],
                module.local[callee],
                len(self.calls[callee]),
                self.height[caller],
                in_loop,
                n_args,
                n_const,
                _call_cost(n_args),
                self.users[caller],
                *self.module_features,
                self.index / len(module.sites),
            ],
            dtype=np.float32,
        )

    def final_size(self) -> int:
        """Module size if the episode ended now: delete unused local functions, add overheads."""
        assert self.module is not None
        users = self.users.copy()
        kept = np.ones(self.module.n_functions, dtype=bool)
        for f in range(self.module.n_functions):  # callees have larger indices: one pass cascades
            if self.module.local[f] and users[f] == 0:
                kept[f] = False
                for g in self.calls[f]:
                    users[g] -= 1
        return int(self.size[kept].sum() + FUNCTION_OVERHEAD * kept.sum())

    # ------------------------------------------------------------------- API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw a new module and show its first call site."""
        super().reset(seed=check_reset_seed(seed))
        module = check_options(options, allowed=("module",)).get("module")
        if module is None:
            family = self.families[int(self.np_random.integers(len(self.families)))]
            module = draw_module(self.np_random, family, self.n_functions)
        else:
            check_module(module)
        self._start(module)
        return self._obs(), {"module_family": module.family, "n_callsites": len(module.sites)}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Inline (1) or keep (0) the current call site."""
        check_episode_running(
            self.module is not None,
            self.module is not None and self.index >= len(self.module.sites),
        )
        assert self.module is not None
        inline = check_action(action, 2) == 1
        caller, callee, n_args, n_const, _ = self.module.sites[self.index]
        if inline:
            folded = int(self.size[callee] * min(MAX_SIMPLIFY, SIMPLIFY_PER_CONST * n_const))
            self.size[caller] += self.size[callee] - folded - _call_cost(n_args)
            self.users[callee] -= 1
            self.calls[caller].remove(callee)
            for g in self.calls[callee]:  # the callee's calls are copied into the caller
                self.calls[caller].append(g)
                self.users[g] += 1
        self.index += 1
        info: dict[str, Any] = {"module_family": self.module.family, "inlined": inline}
        if self.index < len(self.module.sites):
            return self._obs(), 0.0, False, False, info
        size = self.final_size()
        reduction = (self.size_no_inline - size) / self.size_no_inline
        info.update(size=size, size_no_inline=self.size_no_inline, size_reduction=reduction)
        return self._obs(), float(reduction), True, False, info
