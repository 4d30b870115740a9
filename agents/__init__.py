"""Learners of rlsuite.

Agents are listed by name with string entry points, as Gymnasium lists envs:
every subpackage (``bandits``, ``offline``, ``private``, ``preference``,
``process``, ``multiobjective``, ``mixture``) defines ``AGENTS: dict[str, str]``
mapping a name to ``"module:Class"``. Every registered name imports from here
and from its subpackage (``from rlsuite.agents import UCB1``), lazily (PEP 562):
a module is imported when one of its names is first used, so optional extras
are needed only for the agents you use. :func:`make_agent` imports only the
module of the agent it builds.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from rlsuite import __version__ as __version__
from rlsuite.agents._lazy import load_entry_point

SUBPACKAGES = (
    "bandits",
    "offline",
    "private",
    "preference",
    "process",
    "multiobjective",
    "mixture",
)

# The protocol, importable from the package root like the agents.
_PROTOCOL: dict[str, str] = {
    "Agent": "rlsuite.agents.base:Agent",
    "BanditAgent": "rlsuite.agents.base:BanditAgent",
    "OfflineLearner": "rlsuite.agents.base:OfflineLearner",
    "OnlineAgent": "rlsuite.agents.base:OnlineAgent",
    "BanditCallback": "rlsuite.agents.callbacks:BanditCallback",
    "Callback": "rlsuite.agents.callbacks:Callback",
    "CallbackList": "rlsuite.agents.callbacks:CallbackList",
    "RegretLogger": "rlsuite.agents.callbacks:RegretLogger",
}


def _registries() -> Iterator[tuple[str, dict[str, str]]]:
    """``(subpackage, AGENTS)`` in :data:`SUBPACKAGES` order (the inits import nothing heavy)."""
    for sub in SUBPACKAGES:
        yield sub, importlib.import_module(f"rlsuite.agents.{sub}").AGENTS


def list_agents() -> dict[str, str]:
    """Return ``{name: "module:Class"}`` for every registered agent."""
    entries: dict[str, str] = {}
    for _, registry in _registries():
        entries.update(registry)
    return entries


def _exports() -> dict[str, str]:
    exports = dict(_PROTOCOL)
    for sub in SUBPACKAGES:
        exports.update(importlib.import_module(f"rlsuite.agents.{sub}").EXPORTS)
    return exports


def agent_class(name: str) -> type:
    """Import and return the class registered as ``name`` (only its own module)."""
    if not isinstance(name, str):
        raise TypeError(f"agent name must be a str, got {name!r} ({type(name).__name__})")
    for _, registry in _registries():
        if name in registry:
            return load_entry_point(registry[name])
    raise ValueError(f"agent={name!r} is not registered; known agents: {sorted(list_agents())}")


def make_agent(name: str, **kwargs: Any) -> Any:
    """Construct the agent registered as ``name`` with ``kwargs``."""
    return agent_class(name)(**kwargs)


_FUNCTIONS = ["SUBPACKAGES", "agent_class", "list_agents", "make_agent", "__version__"]


def __getattr__(name: str) -> Any:
    exports = _exports()
    if name not in exports:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = load_entry_point(exports[name])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_exports()))


# Lists every registered agent without importing any agent module.
__all__ = sorted({*_FUNCTIONS, *_PROTOCOL, *(n for n in _exports() if not n.startswith("_"))})
