"""PEP 562 lazy exports shared by :mod:`rlsuite.agents` and its subpackages.

A package lists what it exports as ``{name: "module:attribute"}`` (its
``AGENTS`` registry plus any helpers) and gets a module ``__getattr__`` and
``__dir__`` that import a module only when one of its names is first used,
so ``from rlsuite.agents.private import ExpertDPSGD`` imports the private
learners but not the bandits, and optional extras are needed only for what
is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["class_exports", "lazy_exports", "load_entry_point", "package_exports"]


def load_entry_point(entry_point: str) -> Any:
    """Import ``"module:attribute"`` and return the attribute."""
    module_name, _, attribute = entry_point.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def lazy_exports(
    package: str, namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` resolving ``exports`` on first use.

    A resolved attribute is cached in the package's ``namespace`` so the
    import happens once.
    """

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = load_entry_point(exports[name])
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__


def class_exports(registry: Mapping[str, str]) -> dict[str, str]:
    """A registry's names plus each entry's class name (``Random`` and ``RandomAgent``)."""
    exports = dict(registry)
    for entry_point in registry.values():
        exports.setdefault(entry_point.partition(":")[2], entry_point)
    return exports


def package_exports(
    package: str,
    namespace: dict[str, Any],
    agents: Mapping[str, str],
    extras: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``(EXPORTS, __all__, __getattr__, __dir__)`` of an agent subpackage.

    ``EXPORTS`` is the ``agents`` registry with class names (see
    :func:`class_exports`) plus the public non-agent ``extras``; ``__all__``
    also lists ``AGENTS`` and ``EXPORTS``.
    """
    exports = {**class_exports(agents), **(extras or {})}
    getattr_, dir_ = lazy_exports(package, namespace, exports)
    return exports, sorted(["AGENTS", "EXPORTS", *exports]), getattr_, dir_
