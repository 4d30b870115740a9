"""The experiment interface every study folder implements (see ``experiments/README.md``).

A study ``rlsuite.experiments.<name>`` has three modules:

``sweep.py``
    ``SWEEPS: dict[str, sweep]`` as data. A *sweep* is a block
    ``{"settings": [params, ...], "agents": [label, ...], "seeds": n}`` or a
    list of such blocks (per-setting agent lists: each block pairs its own
    settings with its own agents). ``"main"`` is the study itself, ``"quick"``
    (optional) its part of ``rlsuite bench --suite quick``, ``"smoke"`` a
    tiny sweep for tests; any other name is an extra sweep
    (``--sweep ablation``). ``params`` are JSON-serialisable dicts.
``run.py``
    ``run(params: dict, agent: str, seed: int) -> RunResult``: one run, a
    top-level function, deterministic given its arguments, CPU-only, quiet.
    Only workers import it.
``analysis.py``
    ``SCORE: str``: one sentence saying what the score measures, its
    direction and what 0 and 1 mean; ``score(df) -> DataFrame[agent, score]``
    in ``[0, 1]``, higher is better; optional ``METRICS: dict[str, str]``
    (name -> sentence) with ``metrics(df) -> DataFrame[agent, metric, value]``
    for second quantities; optional ``tables(df) -> dict[str, DataFrame]``
    and ``plot(df, curves, out_dir) -> list[Path]`` (through
    :mod:`rlsuite.experiments.plotting`).

Independent copies inside one run: a run that plays ``k`` statistically
independent copies of its setting (a vector env with one RNG stream per
copy) says so with the metric :data:`N_COPIES` (``"n_copies": k``) and gives
each metric it has per copy as a curve :data:`COPY_PREFIX` + name
(``"copy:regret"``, ``k`` values, step = copy index). The report then scores
every ``(seed, copy)`` as one replicate, so one seed of 10 copies gives an
interval from 10 values; without ``copy:`` curves a run is one replicate.

A setting's id is ``<study>/<sweep>/<hash>``, the hash taken over the
canonical JSON of its params (:func:`setting_id`): editing or reordering a
sweep never maps old rows to new parameters.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "COPY_PREFIX",
    "N_COPIES",
    "Experiment",
    "RunResult",
    "Setting",
    "list_experiments",
    "load_experiment",
    "setting_id",
    "sweep_of",
]

_BLOCK_KEYS = {"settings", "agents", "seeds"}

#: Metric a run records its number of independent copies under (see the module docstring).
N_COPIES = "n_copies"
#: Curve-name prefix of per-copy values of a metric: ``copy:<metric>``, one value per copy.
COPY_PREFIX = "copy:"


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


def curve_blobs(key: Any, result: RunResult) -> list[tuple[str, bytes, bytes]]:
    """``(name, steps, values)`` little-endian float64 blobs of every curve of a run.

    Here (numpy only) rather than in the store, so pool workers can build
    them and the single writing parent only inserts.
    """
    check_copies(key, result)
    blobs = []
    for curve, series in result.curves.items():
        values = np.asarray(series, dtype="<f8").ravel()
        steps = result.curve_steps.get(curve)
        steps = np.arange(1, values.size + 1) if steps is None else steps
        steps = np.asarray(steps, dtype="<f8").ravel()
        if steps.shape != values.shape:
            raise ValueError(
                f"curve {curve!r} of run {key} has {values.size} values but {steps.size} steps"
            )
        blobs.append((curve, steps.tobytes(), values.tobytes()))
    return blobs


def check_copies(key: Any, result: RunResult) -> None:
    """Check a run's copy contract: ``n_copies`` an integer >= 1, ``copy:`` curves that long.

    Raises
    ------
    ValueError
        If ``n_copies`` is not an integer >= 1, a ``copy:<metric>`` curve
        names no metric of the run or does not have ``n_copies`` values, or
        there are ``copy:`` curves without ``n_copies``.
    """
    per_copy = [name for name in result.curves if name.startswith(COPY_PREFIX)]
    if N_COPIES not in result.metrics:
        if per_copy:
            raise ValueError(
                f"run {key} gives per-copy curves {per_copy} but no {N_COPIES!r} metric: "
                f"record metrics[{N_COPIES!r}] = the number of independent copies"
            )
        return
    n = float(result.metrics[N_COPIES])
    if not (np.isfinite(n) and n >= 1 and n == int(n)):
        raise ValueError(
            f"run {key}: metrics[{N_COPIES!r}]={result.metrics[N_COPIES]!r} is not allowed: "
            "must be an integer >= 1 (the number of independent copies)"
        )
    for name in per_copy:
        metric = name[len(COPY_PREFIX) :]
        if metric not in result.metrics:
            raise ValueError(
                f"run {key}: curve {name!r} gives per-copy values of {metric!r}, "
                "which is not a metric of the run"
            )
        size = np.asarray(result.curves[name]).size
        if size != int(n):
            raise ValueError(
                f"run {key}: curve {name!r} has {size} values but {N_COPIES}={int(n)}: "
                "one value per copy"
            )


@dataclass(frozen=True)
class Setting:
    """One setting of a sweep with the agents it runs and each agent's seed count."""

    id: str
    params: dict[str, Any]
    agents: tuple[str, ...]
    seeds: tuple[int, ...]


def canonical_params(params: Mapping[str, Any]) -> str:
    """The JSON text a setting is hashed and stored as (sorted keys, no spaces)."""
    try:
        return json.dumps(dict(params), sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"params={params!r} is not JSON-serialisable: {error}") from None


def setting_id(experiment: str, sweep: str, params: Mapping[str, Any]) -> str:
    """``<experiment>/<sweep>/<12 hex digits of sha256(canonical params)>``."""
    digest = hashlib.sha256(canonical_params(params).encode()).hexdigest()[:12]
    return f"{experiment}/{sweep}/{digest}"


def sweep_of(setting: str) -> str:
    """The sweep name inside a setting id (``"?"`` for ids of another layout)."""
    parts = setting.split("/")
    return parts[-2] if len(parts) >= 3 else "?"


def _blocks(name: str, sweep: str, value: Any) -> list[dict[str, Any]]:
    where = f"{name}.sweep.SWEEPS[{sweep!r}]"
    blocks = [value] if isinstance(value, Mapping) else value
    if not isinstance(blocks, (list, tuple)) or not blocks:
        raise TypeError(f"{where} must be a block dict or a non-empty list of them")
    for block in blocks:
        if not isinstance(block, Mapping) or set(block) - _BLOCK_KEYS or "settings" not in block:
            raise TypeError(f"{where} blocks are dicts with keys {sorted(_BLOCK_KEYS)}")
        if not block.get("agents") or isinstance(block["agents"], str):
            raise TypeError(f"{where}['agents'] must be a non-empty list of labels")
        seeds = block.get("seeds", 1)
        if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
            raise ValueError(f"{where}['seeds']={seeds!r} must be a positive int")
    return list(blocks)


class Experiment:
    """A study: its name, sweep module, run function and analysis.

    ``run`` is a callable or ``"module:function"``; ``analysis`` a module or
    a module name. Names are imported on first use of :attr:`run` /
    :attr:`analysis`, so planning a sweep imports the ``sweep`` module alone.
    """

    def __init__(
        self,
        name: str,
        sweep: ModuleType | Any,
        run: Callable[[dict[str, Any], str, int], RunResult] | str,
        analysis: ModuleType | str | None = None,
    ) -> None:
        self.name = name
        self.sweep = sweep
        self.run_ref = run
        self.analysis_ref = analysis

    def __repr__(self) -> str:
        return f"Experiment({self.name!r})"

    @property
    def run(self) -> Callable[[dict[str, Any], str, int], RunResult]:
        """The run function (imported on first use if given by name)."""
        return resolve_callable(self.run_ref)

    @property
    def analysis(self) -> ModuleType | None:
        """The analysis module (imported on first use if given by name), or ``None``."""
        if self.analysis_ref is None or not isinstance(self.analysis_ref, str):
            return self.analysis_ref
        return importlib.import_module(self.analysis_ref)

    def sweep_names(self) -> list[str]:
        """Names of the study's sweeps (``main`` first)."""
        names = list(getattr(self.sweep, "SWEEPS", {}))
        return sorted(names, key=lambda n: (n != "main", n))

    def plan(self, sweep: str = "main") -> list[Setting]:
        """The settings of ``sweep``; raises ``ValueError`` naming the study's sweeps.

        The same params in two blocks share one setting id; an agent run
        twice on identical params is an error.
        """
        sweeps = getattr(self.sweep, "SWEEPS", {})
        if sweep not in sweeps:
            raise ValueError(
                f"sweep={sweep!r} is not a sweep of {self.name}; its sweeps: {self.sweep_names()}"
            )
        settings: dict[str, Setting] = {}
        for block in _blocks(self.name, sweep, sweeps[sweep]):
            agents = tuple(block["agents"])
            for params in block["settings"]:
                sid = setting_id(self.name, sweep, params)
                old = settings.get(sid)
                if old is not None and set(old.agents) & set(agents):
                    twice = sorted(set(old.agents) & set(agents))
                    raise ValueError(
                        f"{self.name} sweep {sweep!r} runs {twice} twice on params {params}"
                    )
                merged = (old.agents if old else ()) + agents
                seeds = (old.seeds if old else ()) + (int(block.get("seeds", 1)),) * len(agents)
                settings[sid] = Setting(sid, dict(params), merged, seeds)
        return list(settings.values())

    # Conveniences for tests and analyses; ``quick=True`` is short for ``sweep="quick"``
    # and gives nothing for a study outside the quick suite.
    def _chosen(self, sweep: str, quick: bool) -> list[Setting]:
        if quick:
            return self.plan("quick") if "quick" in self.sweep_names() else []
        return self.plan(sweep)

    def settings(self, sweep: str = "main", *, quick: bool = False) -> list[tuple[str, dict]]:
        """``(setting_id, params)`` pairs of ``sweep``."""
        return [(s.id, s.params) for s in self._chosen(sweep, quick)]

    def agents(self, sweep: str = "main", *, quick: bool = False) -> tuple[str, ...]:
        """Every agent label of ``sweep``, in first-seen order."""
        return tuple(dict.fromkeys(a for s in self._chosen(sweep, quick) for a in s.agents))

    def num_seeds(self, sweep: str = "main", *, quick: bool = False) -> int:
        """The largest seed count of ``sweep``."""
        return max((n for s in self._chosen(sweep, quick) for n in s.seeds), default=0)


_CALLABLES: dict[str, Callable[..., Any]] = {}


def resolve_callable(ref: Callable[..., Any] | str) -> Callable[..., Any]:
    """``ref`` itself, or the function a ``"module:function"`` string names (cached)."""
    if not isinstance(ref, str):
        return ref
    if ref not in _CALLABLES:
        module, _, function = ref.partition(":")
        _CALLABLES[ref] = getattr(importlib.import_module(module), function)
    return _CALLABLES[ref]


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
    """The study ``name`` (only its sweep module is imported); ``ValueError`` lists the known."""
    known = list_experiments()
    if name not in known:
        raise ValueError(f"experiment={name!r} is not known; known experiments: {known}")
    prefix = f"rlsuite.experiments.{name}"
    return Experiment(
        name=name,
        sweep=importlib.import_module(f"{prefix}.sweep"),
        run=f"{prefix}.run:run",
        analysis=f"{prefix}.analysis",
    )
