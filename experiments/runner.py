"""Plan and execute sweeps of runs into a :class:`~rlsuite.experiments.store.ResultsStore`.

A sweep is the product *settings x agents x seeds* of one or more
experiments. Every run has a key ``(experiment, setting, agent, seed)``;
keys already in the database are skipped, so an interrupted sweep resumes
where it stopped and a finished one does no work.

Runs execute in a local process pool (``spawn`` start method, which is safe
with torch) or as Ray tasks. Workers only compute; the parent process is the
only writer and commits finished runs in batched transactions. Ctrl-C
terminates the workers, commits what has finished and raises
:class:`SweepInterrupted`.
"""

from __future__ import annotations

import importlib
import math
import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rlsuite.experiments.base import Experiment, RunResult, list_experiments, load_experiment

# Pool workers import this module to run specs: keep its imports light (no
# pandas, gymnasium or tqdm), so a spawned worker starts fast.
if TYPE_CHECKING:
    from rlsuite.experiments.store import ResultsStore

RunKey = tuple[str, str, str, int]

__all__ = [
    "BACKENDS",
    "RunSpec",
    "SweepInterrupted",
    "SweepSummary",
    "plan_runs",
    "resolve_experiment",
    "resolve_suite",
    "run_sweep",
]

BACKENDS = ("local", "ray")
#: Flush finished runs to the database after this many, or this many seconds.
_FLUSH_RUNS = 500
_FLUSH_SECONDS = 2.0


class SweepInterrupted(KeyboardInterrupt):
    """Raised after Ctrl-C, once finished runs are committed and workers are stopped."""

    def __init__(self, summary: SweepSummary) -> None:
        super().__init__("sweep interrupted")
        self.summary = summary


@dataclass(frozen=True)
class RunSpec:
    """One run to execute: its key, its setting's params and the run function."""

    experiment: str
    setting: str
    agent: str
    seed: int
    params: dict[str, Any]
    run: Callable[[dict[str, Any], str, int], RunResult] = field(repr=False)

    @property
    def key(self) -> RunKey:
        """``(experiment, setting, agent, seed)``."""
        return (self.experiment, self.setting, self.agent, self.seed)


@dataclass
class SweepSummary:
    """What a sweep did."""

    planned: int = 0
    skipped: int = 0
    completed: int = 0
    failed: int = 0
    wall_s: float = 0.0
    errors: list[tuple[RunKey, str]] = field(default_factory=list)

    @property
    def runs_per_s(self) -> float:
        """Completed runs per second of wall time."""
        return self.completed / self.wall_s if self.wall_s > 0 else math.nan


# ---------------------------------------------------------------- experiments
def _check_positive_int(name: str, value: Any) -> int:
    from rlsuite.envs.validation import check_int

    return check_int(name, value)


def resolve_experiment(experiment: str | Experiment) -> Experiment:
    """An :class:`Experiment` from itself, an in-tree name, or an importable package path.

    A name that is not an in-tree study is imported as a package with
    ``sweep``, ``run`` and ``analysis`` submodules (an out-of-tree study).
    """
    if isinstance(experiment, Experiment):
        return experiment
    if experiment in list_experiments():
        return load_experiment(experiment)
    try:
        modules = [importlib.import_module(f"{experiment}.{m}") for m in ("sweep", "run")]
    except ImportError as error:
        raise ValueError(
            f"experiment={experiment!r} is not known; known experiments: {list_experiments()} "
            "(or give an importable package with sweep/run/analysis modules)"
        ) from error
    return Experiment(
        name=experiment,
        sweep=modules[0],
        run=modules[1].run,
        analysis=importlib.import_module(f"{experiment}.analysis"),
    )


def resolve_suite(suite: str | Sequence[str | Experiment]) -> tuple[list[Experiment], bool]:
    """Experiments of a suite and whether their quick sweeps are meant.

    ``"quick"``: every study with non-empty ``QUICK_SETTINGS`` (quick sweeps);
    ``"full"``: every study (full sweeps); otherwise a comma-separated list
    (or sequence) of names or :class:`Experiment` objects (full sweeps).
    """
    if suite in ("quick", "full"):
        quick = suite == "quick"
        chosen = []
        for name in list_experiments():
            sweep = importlib.import_module(f"rlsuite.experiments.{name}.sweep")
            if not quick or getattr(sweep, "QUICK_SETTINGS", ()):
                chosen.append(load_experiment(name))
        return chosen, quick
    items = [s.strip() for s in suite.split(",")] if isinstance(suite, str) else list(suite)
    items = [item for item in items if item != ""]
    if not items:
        raise ValueError(f"suite={suite!r} names no experiment: use quick, full or names")
    return [resolve_experiment(item) for item in items], False


def plan_runs(
    experiments: Sequence[Experiment], *, quick: bool = False, seeds: int | None = None
) -> list[RunSpec]:
    """Every run of the sweep, in experiment, setting, agent, seed order."""
    if seeds is not None:
        seeds = _check_positive_int("seeds", seeds)
    specs = []
    for exp in experiments:
        n_seeds = exp.num_seeds(quick) if seeds is None else seeds
        for setting, params in exp.settings(quick):
            for agent in exp.agents(quick):
                for seed in range(n_seeds):
                    specs.append(RunSpec(exp.name, setting, agent, seed, params, exp.run))
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        raise ValueError("the sweep has duplicate run keys (repeated agent labels?)")
    return specs


# -------------------------------------------------------------------- workers
#: What a worker sends back: key, result (None on error), wall seconds, error text.
Outcome = tuple[RunKey, "RunResult | None", float, "str | None"]


def _execute(spec: RunSpec) -> Outcome:
    """Run one spec; exceptions become an error string so the pool survives them."""
    start = time.perf_counter()
    try:
        result = spec.run(dict(spec.params), spec.agent, spec.seed)
        if not isinstance(result, RunResult):
            raise TypeError(f"run() returned {type(result).__name__}, not RunResult")
        return spec.key, result, time.perf_counter() - start, None
    except Exception:  # noqa: BLE001 - reported per run, the sweep goes on
        return spec.key, None, time.perf_counter() - start, traceback.format_exc()


def _execute_batch(specs: list[RunSpec]) -> list[Outcome]:
    return [_execute(spec) for spec in specs]


def _init_worker() -> None:
    # Ctrl-C reaches the whole process group: only the parent handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def _chunksize(n_runs: int, workers: int) -> int:
    # ~32 chunks per worker balances slow runs while amortising IPC for tiny ones.
    return max(1, min(256, n_runs // (workers * 32)))


def _iter_local(specs: list[RunSpec], workers: int, state: dict[str, Any]) -> Iterator[Outcome]:
    if workers == 1:
        for spec in specs:
            yield _execute(spec)
        return
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(min(workers, len(specs)), initializer=_init_worker)
    state["stop"] = pool.terminate
    try:
        yield from pool.imap_unordered(_execute, specs, chunksize=_chunksize(len(specs), workers))
        pool.close()
        pool.join()
    finally:
        pool.terminate()


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as error:
        raise ImportError("--backend ray needs Ray: pip install 'rlsuite[ray]'") from error
    return ray


def _iter_ray(
    specs: list[RunSpec], workers: int, address: str | None, state: dict[str, Any]
) -> Iterator[Outcome]:
    ray = _import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        kwargs: dict[str, Any] = {"address": address} if address else {"num_cpus": workers}
        ray.init(include_dashboard=False, log_to_driver=False, logging_level="ERROR", **kwargs)
    try:
        cpus = max(1, int(ray.cluster_resources().get("CPU", workers)))
        size = _chunksize(len(specs), cpus)
        remote = ray.remote(num_cpus=1)(_execute_batch)
        pending = [remote.remote(specs[i : i + size]) for i in range(0, len(specs), size)]

        def cancel() -> None:
            for ref in pending:
                ray.cancel(ref, force=True)

        state["stop"] = cancel
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            yield from ray.get(ready[0])
    finally:
        if started_here:
            ray.shutdown()


# ---------------------------------------------------------------------- sweep
def run_sweep(
    suite: str | Sequence[str | Experiment],
    store: ResultsStore,
    *,
    quick: bool | None = None,
    seeds: int | None = None,
    backend: str = "local",
    workers: int | None = None,
    ray_address: str | None = None,
    progress: bool = True,
) -> SweepSummary:
    """Run every run of ``suite`` that ``store`` does not hold yet.

    Parameters
    ----------
    suite : str or sequence
        ``"quick"``, ``"full"``, comma-separated names, or a sequence of
        names and :class:`Experiment` objects (see :func:`resolve_suite`).
    store : ResultsStore
        Where finished runs are committed.
    quick : bool or None
        Use the quick sweeps; ``None`` lets the suite decide.
    seeds : int or None
        Seeds ``0..seeds-1`` instead of each study's default.
    backend : {"local", "ray"}
        Local process pool, or Ray tasks.
    workers : int or None
        Pool size (default: CPU count); ``1`` runs in this process.
    ray_address : str or None
        Address of an existing Ray cluster (``ray.init(address=...)``).
    progress : bool
        Show a tqdm bar with runs done, runs left and the time left.

    Raises
    ------
    SweepInterrupted
        On Ctrl-C, after committing the finished runs; carries the summary.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r} is not one of {BACKENDS}")
    workers = _check_positive_int("workers", (os.cpu_count() or 1) if workers is None else workers)
    experiments, suite_quick = resolve_suite(suite)
    specs = plan_runs(experiments, quick=suite_quick if quick is None else quick, seeds=seeds)
    done = store.done_keys()
    todo = [spec for spec in specs if spec.key not in done]
    summary = SweepSummary(planned=len(specs), skipped=len(specs) - len(todo))
    if not todo:
        return summary
    state: dict[str, Any] = {}
    if backend == "ray":
        outcomes = _iter_ray(todo, workers, ray_address, state)
    else:
        outcomes = _iter_local(todo, workers, state)
    params = {spec.key: spec.params for spec in todo}
    _consume(outcomes, params, store, summary, progress, state)
    return summary


def _consume(
    outcomes: Iterator[Outcome],
    params: dict[RunKey, dict[str, Any]],
    store: ResultsStore,
    summary: SweepSummary,
    progress: bool,
    state: dict[str, Any],
) -> None:
    from tqdm.auto import tqdm

    from rlsuite.experiments.store import RunRecord

    start = time.perf_counter()
    buffer: list[RunRecord] = []
    last_flush = time.monotonic()

    def flush() -> None:
        summary.completed += store.write(buffer)
        buffer.clear()

    total = len(params)
    bar = tqdm(total=total, desc="bench", unit="run", disable=not progress, file=sys.stderr)
    try:
        for key, result, wall_s, error in outcomes:
            if error is not None:
                summary.failed += 1
                summary.errors.append((key, error))
                store.record_failure(key, error)
            else:
                assert result is not None
                buffer.append(RunRecord(key, params[key], result, wall_s))
            bar.update(1)
            bar.set_postfix_str(f"{total - bar.n} left, {summary.failed} failed", refresh=False)
            if len(buffer) >= _FLUSH_RUNS or time.monotonic() - last_flush > _FLUSH_SECONDS:
                flush()
                last_flush = time.monotonic()
        flush()
    except KeyboardInterrupt:
        if "stop" in state:
            state["stop"]()
        outcomes.close()
        flush()
        summary.wall_s = time.perf_counter() - start
        raise SweepInterrupted(summary) from None
    finally:
        bar.close()
    summary.wall_s = time.perf_counter() - start
