"""The experiment interface every study folder implements.

A study ``rlsuite.experiments.<name>`` has three modules:

``sweep.py``
    ``SETTINGS: tuple[dict, ...]`` the full sweep (JSON-serialisable params);
    ``AGENTS: tuple[str, ...]`` agent labels run on every setting;
    ``NUM_SEEDS: int`` seeds of the full study;
    ``QUICK_SETTINGS: tuple[dict, ...]`` a small sweep for ``--suite quick``
    (empty if the study is not part of it), optional ``QUICK_AGENTS`` and
    ``QUICK_SEEDS``.
``run.py``
    ``run(params: dict, agent: str, seed: int) -> RunResult``: one run, a
    top-level picklable function, deterministic given its arguments, CPU-only,
    quiet (no progress bars, no files).
``analysis.py``
    ``score(df) -> DataFrame[agent, score]`` with scores in ``[0, 1]``
    (bsuite style, higher is better) and
    ``plot(df, curves, out_dir) -> list[Path]`` writing PNG files.

``df`` has one row per run with columns ``experiment, setting, agent, seed``,
one column per params key and one per metric. ``curves`` is long format with
columns ``experiment, setting, agent, seed, curve, step, value``.
Setting ids are generated: ``<name>/<index in SETTINGS>`` (quick settings
are ``<name>/quick<index>``).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["Experiment", "RunResult", "list_experiments", "load_experiment"]


@dataclass
class RunResult:
    """What one run returns.

    Attributes
    ----------
    metrics : dict[str, float]
        Scalar results, stored as columns of the results table.
    curves : dict[str, numpy.ndarray]
        1-D series (e.g. cumulative regret), stored in the curves side table.
    curve_steps : dict[str, numpy.ndarray]
        Optional x values per curve; defaults to ``1..len(curve)``.
    """

    metrics: dict[str, float]
    curves: dict[str, np.ndarray] = field(default_factory=dict)
    curve_steps: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    """A loaded study: its sweep, run function and analysis module."""

    name: str
    sweep: ModuleType
    run: Callable[[dict[str, Any], str, int], RunResult]
    analysis: ModuleType

    def settings(self, quick: bool = False) -> list[tuple[str, dict[str, Any]]]:
        """``(setting_id, params)`` pairs of the full or quick sweep."""
        if quick:
            quick_settings = getattr(self.sweep, "QUICK_SETTINGS", ())
            return [(f"{self.name}/quick{i}", dict(p)) for i, p in enumerate(quick_settings)]
        return [(f"{self.name}/{i}", dict(p)) for i, p in enumerate(self.sweep.SETTINGS)]

    def agents(self, quick: bool = False) -> tuple[str, ...]:
        """Agent labels of the full or quick sweep."""
        if quick and hasattr(self.sweep, "QUICK_AGENTS"):
            return tuple(self.sweep.QUICK_AGENTS)
        return tuple(self.sweep.AGENTS)

    def num_seeds(self, quick: bool = False) -> int:
        """Default number of seeds of the full or quick sweep."""
        if quick and hasattr(self.sweep, "QUICK_SEEDS"):
            return int(self.sweep.QUICK_SEEDS)
        return int(self.sweep.NUM_SEEDS)


def list_experiments() -> list[str]:
    """Names of every study folder (a subpackage with a ``sweep`` module)."""
    package = importlib.import_module("rlsuite.experiments")
    names = []
    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg:
            continue
        folder = Path(info.module_finder.path) / info.name  # type: ignore[union-attr]
        if (folder / "sweep.py").exists():
            names.append(info.name)
    return sorted(names)


def load_experiment(name: str) -> Experiment:
    """Import the study ``name``; raise ``ValueError`` listing the known ones."""
    known = list_experiments()
    if name not in known:
        raise ValueError(f"experiment={name!r} is not known; known experiments: {known}")
    prefix = f"rlsuite.experiments.{name}"
    run_module = importlib.import_module(f"{prefix}.run")
    return Experiment(
        name=name,
        sweep=importlib.import_module(f"{prefix}.sweep"),
        run=run_module.run,
        analysis=importlib.import_module(f"{prefix}.analysis"),
    )
