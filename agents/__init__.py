"""Learners of rlsuite.

Agents are listed by name with string entry points, as Gymnasium lists envs:
every subpackage (``bandits``, ``offline``, ``private``, ``preference``,
``process``, ``multiobjective``, ``mixture``) defines ``AGENTS: dict[str, str]``
mapping a name to ``"module:Class"``. :func:`make_agent` imports lazily, so
optional extras are only needed for the agents you use.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["SUBPACKAGES", "agent_class", "list_agents", "make_agent"]

SUBPACKAGES = (
    "bandits",
    "offline",
    "private",
    "preference",
    "process",
    "multiobjective",
    "mixture",
)


def list_agents() -> dict[str, str]:
    """Return ``{name: "module:Class"}`` for every registered agent."""
    entries: dict[str, str] = {}
    for sub in SUBPACKAGES:
        module = importlib.import_module(f"rlsuite.agents.{sub}")
        entries.update(getattr(module, "AGENTS", {}))
    return entries


def agent_class(name: str) -> type:
    """Import and return the class registered as ``name``."""
    entries = list_agents()
    if name not in entries:
        raise ValueError(f"agent={name!r} is not registered; known agents: {sorted(entries)}")
    module_name, _, class_name = entries[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def make_agent(name: str, **kwargs: Any) -> Any:
    """Construct the agent registered as ``name`` with ``kwargs``."""
    return agent_class(name)(**kwargs)
