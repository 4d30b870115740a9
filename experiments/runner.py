"""Plan and execute sweeps of runs into a :class:`~rlsuite.experiments.store.ResultsStore`.

A sweep is the product *settings x agents x seeds* of one or more
experiments. Every run has a key ``(experiment, setting, agent, seed)``;
keys already in the database are skipped, so an interrupted sweep resumes
where it stopped and a finished one does no work.

Runs execute in a local process pool or as Ray tasks. The pool's workers
are forked from a fork server (``forkserver`` start method, ``spawn`` where
the platform has none): a fresh single-threaded interpreter that imported
this module once, so, like ``spawn``, it is safe with torch and threads in
the parent, but a worker starts without importing anything again. Workers
only compute; the parent process is the only writer and commits finished
runs in batched transactions. Ctrl-C terminates the workers, commits what
has finished and raises :class:`SweepInterrupted`.
"""

from __future__ import annotations

import importlib
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rlsuite.experiments.base import (
    Experiment,
    RunResult,
    curve_blobs,
    list_experiments,
    load_experiment,
    resolve_callable,
)

# The fork server imports this module for its workers: keep its imports
# light (no pandas, gymnasium or tqdm), so the first pool starts fast.
if TYPE_CHECKING:
    from rlsuite.experiments.store import ResultsStore

RunKey = tuple[str, str, str, int]

__all__ = [
    "BACKENDS",
    "collect",
    "RunSpec",
    "SweepInterrupted",
    "SweepSummary",
    "plan_runs",
    "prepare_sweep",
    "resolve_experiment",
    "resolve_suite",
    "run_sweep",
]

BACKENDS = ("local", "ray")
#: A local pool is started only for sweeps whose work, estimated from the
#: first runs, exceeds this many seconds run in-process. The first pool of a
#: process waits about 0.2 s for the fork server's imports (in a thread, while
#: this process keeps running specs); later pools start in about 0.02 s
#: (benchmarks/sweep_scale.py, 2 cores). Below a quarter second of work two
#: workers cannot win that back, so the sweep stays here. Set it to 0 to
#: always use the pool.
POOL_MIN_WORK_S = 0.25
#: Start method of the local pool: None for ``forkserver`` where the platform
#: has it, else ``spawn`` (see ``_pool_context``); ``"spawn"`` to opt out.
POOL_START_METHOD: str | None = None
#: The estimate comes from up to this many runs or this many seconds, in-process.
_PROBE_RUNS = 32
_PROBE_SECONDS = 0.05
#: Work per chunk handed to a pool worker, once the run time is known.
_CHUNK_SECONDS = 0.1
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
    """One run to execute: its key, its setting's params and the run function (or its name)."""

    experiment: str
    setting: str
    agent: str
    seed: int
    params: dict[str, Any]
    run: Callable[[dict[str, Any], str, int], RunResult] | str = field(repr=False)

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
    # Not rlsuite.envs.validation: importing rlsuite.envs registers every env.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"--{name} {value!r} must be an int")
    if value < 1:
        raise ValueError(f"--{name} {value} is out of range: must be >= 1")
    return value


SUITES = ("quick", "full")


def resolve_experiment(experiment: str | Experiment) -> Experiment:
    """An :class:`Experiment` from itself, an in-tree name, or an importable package path.

    A name that is not an in-tree study is imported as a package with
    ``sweep``, ``run`` and ``analysis`` submodules (an out-of-tree study);
    only its ``sweep`` module is imported here.
    """
    if isinstance(experiment, Experiment):
        return experiment
    known = list_experiments()
    if experiment in known:
        return load_experiment(experiment)
    try:
        sweep = importlib.import_module(f"{experiment}.sweep")
    except ImportError:
        raise ValueError(
            f"suite or experiment {experiment!r} is not known; suites: {list(SUITES)}; "
            f"experiments: {known} (or an importable package with sweep/run/analysis modules)"
        ) from None
    return Experiment(experiment, sweep, f"{experiment}.run:run", f"{experiment}.analysis")


def resolve_suite(
    suite: str | Sequence[str | Experiment], sweep: str | None = None
) -> tuple[list[Experiment], str]:
    """Experiments of a suite and the sweep meant.

    ``"quick"``: every in-tree study with a ``quick`` sweep; ``"full"``:
    every in-tree study; otherwise a comma-separated list (or sequence) of
    names or :class:`Experiment` objects. The sweep is ``sweep`` if given,
    else ``quick`` for the quick suite and ``main`` otherwise.
    """
    if suite in SUITES:
        chosen = sweep or ("quick" if suite == "quick" else "main")
        experiments = [load_experiment(name) for name in list_experiments()]
        return [e for e in experiments if chosen in e.sweep_names()], chosen
    items = [s.strip() for s in suite.split(",")] if isinstance(suite, str) else list(suite)
    items = [item for item in items if item != ""]
    if not items:
        raise ValueError(
            f"--suite {suite!r} names no experiment: use one of {list(SUITES)} or study names"
        )
    return [resolve_experiment(item) for item in items], sweep or "main"


def plan_runs(
    experiments: Sequence[Experiment], *, sweep: str = "main", seeds: int | None = None
) -> list[RunSpec]:
    """Every run of ``sweep`` of each experiment, in experiment, setting, agent, seed order."""
    if seeds is not None:
        seeds = _check_positive_int("seeds", seeds)
    specs = []
    for exp in experiments:
        for setting in exp.plan(sweep):
            for agent, own_seeds in zip(setting.agents, setting.seeds):
                for seed in range(own_seeds if seeds is None else seeds):
                    specs.append(
                        RunSpec(exp.name, setting.id, agent, seed, setting.params, exp.run_ref)
                    )
    return specs


# -------------------------------------------------------------------- workers
#: What a worker sends back: key, (metrics, curve blobs) or None on error, wall s, error text.
Outcome = tuple[RunKey, "tuple[dict[str, float], list] | None", float, "str | None"]


def _execute(spec: RunSpec) -> Outcome:
    """Run one spec; exceptions become an error string so the pool survives them.

    The curves go back as float64 blobs (numpy arrays pickle slower), built
    here so the parent, the only writer, just inserts them.
    """
    start = time.perf_counter()
    try:
        result = resolve_callable(spec.run)(dict(spec.params), spec.agent, spec.seed)
        if not isinstance(result, RunResult):
            raise TypeError(f"run() returned {type(result).__name__}, not RunResult")
        packed = ({k: float(v) for k, v in result.metrics.items()}, curve_blobs(spec.key, result))
        return spec.key, packed, time.perf_counter() - start, None
    except Exception:  # noqa: BLE001 - reported per run, the sweep goes on
        return spec.key, None, time.perf_counter() - start, traceback.format_exc()


def _execute_batch(specs: list[RunSpec]) -> list[Outcome]:
    return [_execute(spec) for spec in specs]


def _init_worker(environ: dict[str, str] | None = None) -> None:
    """Worker set-up: the parent's environment as it is now, single-threaded BLAS, no SIGINT.

    A forkserver worker inherits the server's environment from when the
    server started; ``environ`` replaces it with the parent's current one, as
    ``spawn`` would give (a run reads variables such as the expert cache).
    """
    if environ is not None:
        os.environ.clear()
        os.environ.update(environ)
    # Ctrl-C reaches the whole process group: only the parent handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")


def _pool_context() -> Any:
    """The local pool's start method: :data:`POOL_START_METHOD`, or the default below.

    By default ``forkserver`` where the platform has it, else ``spawn``.
    The fork server is one fresh interpreter per parent process, started on
    the first call and reused by every later pool; it imports this module
    (with numpy and ``rlsuite.experiments.base``) before it forks, so
    workers do not.
    Called from the pool's starter thread: the first ``Pool`` waits for those
    imports while the parent keeps running specs.
    """
    method = POOL_START_METHOD
    if method is None:
        available = multiprocessing.get_all_start_methods()
        method = "forkserver" if "forkserver" in available else "spawn"
    if method != "forkserver":
        return multiprocessing.get_context(method)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return context


def _chunks(
    specs: list[RunSpec], workers: int, per_run_s: float | None = None
) -> list[list[RunSpec]]:
    """Consecutive chunks, ~8 per worker (at most 512 runs each).

    Few, large chunks amortise pickling and IPC over many tiny runs; eight
    per worker keep the tail short when runs are slow. With a measured
    ``per_run_s``, a chunk also holds no more than ``_CHUNK_SECONDS`` of work,
    so the last chunks of a sweep of slow runs do not leave a worker idle.
    Consecutive specs share a setting, so a chunk pickles few distinct params
    dicts.
    """
    size = max(1, min(512, len(specs) // (workers * 8)))
    if per_run_s is not None and per_run_s > 0:
        size = max(1, min(size, int(_CHUNK_SECONDS / per_run_s)))
    return [specs[i : i + size] for i in range(0, len(specs), size)]


def _worker_ready() -> bool:
    """A no-op task: its result tells the parent that a pool worker has started."""
    return True


def _iter_local(
    specs: list[RunSpec], workers: int, state: dict[str, Any]
) -> Generator[Outcome, None, None]:
    """Run ``specs`` in ``workers`` pool processes, the parent helping until they start.

    The first runs execute in this process and time the sweep: if the
    estimated rest is below :data:`POOL_MIN_WORK_S`, it finishes here (no
    pool). Otherwise a pool starts in a thread (:func:`_pool_context`: the
    first one in a process waits for the fork server's imports); until it
    answers a no-op task the parent keeps running specs one at a time, then
    hands out chunks (two in flight per worker) and goes back to collecting
    and writing. Where a run executes does not change its result: runs are
    seeded by their key and set their own thread counts.
    """
    if workers == 1:
        for spec in specs:
            yield _execute(spec)
        return
    start, walls = time.perf_counter(), list[float]()
    while len(walls) < min(len(specs), _PROBE_RUNS):
        outcome = _execute(specs[len(walls)])
        walls.append(outcome[2])
        yield outcome
        if time.perf_counter() - start > _PROBE_SECONDS:
            break
    done = len(walls)
    # The median, so that a first run that imports the study's modules does
    # not make a sweep of tiny runs look big.
    per_run = sorted(walls)[done // 2]
    if done == len(specs) or per_run * (len(specs) - done) < POOL_MIN_WORK_S:
        for spec in specs[done:]:
            yield _execute(spec)
        return
    specs = specs[done:]
    import queue
    from collections import deque

    pending: deque[deque[RunSpec]] = deque(deque(c) for c in _chunks(specs, workers, per_run))
    n_workers = min(workers, len(pending))
    finished: queue.SimpleQueue[Any] = queue.SimpleQueue()
    pools: list[Any] = []

    def start_pool() -> None:
        # In a thread: creating the pool waits for the fork server's first
        # imports, and the parent keeps running specs meanwhile. Workers come
        # with the runner imported; they import the run modules their chunks
        # name lazily, after _init_worker set the environment.
        try:
            pool = _pool_context().Pool(
                n_workers, initializer=_init_worker, initargs=(dict(os.environ),)
            )
        except BaseException as error:  # noqa: BLE001 - re-raised by the parent below
            finished.put(error)
            return
        pools.append(pool)
        state["stop"] = pool.terminate
        pool.apply_async(_worker_ready, callback=finished.put, error_callback=finished.put)

    starter = threading.Thread(target=start_pool, name="rlsuite-pool-start", daemon=True)
    starter.start()
    in_flight = 1  # the no-op task
    pool_ready = False
    try:
        while pending or in_flight:
            if not pool_ready and pending:
                try:
                    answer = finished.get_nowait()
                except queue.Empty:
                    chunk = pending[0]
                    spec = chunk.popleft()
                    if not chunk:
                        pending.popleft()
                    yield _execute(spec)
                    continue
            else:
                answer = finished.get()
            in_flight -= 1
            if isinstance(answer, BaseException):
                raise answer
            if answer is True:
                pool_ready = True
            else:
                yield from answer
            while pool_ready and pending and in_flight < 2 * n_workers:
                pools[0].apply_async(
                    _execute_batch,
                    (list(pending.popleft()),),
                    callback=finished.put,
                    error_callback=finished.put,
                )
                in_flight += 1
        # Every result is in: let the idle workers exit on their own (killed,
        # a forkserver worker leaves its queue's semaphores to the resource
        # tracker, which warns about them at exit).
        starter.join()
        for pool in pools:
            pool.close()
            pool.join()
    finally:
        # Stopped early (an error, Ctrl-C, the consumer closed us): kill them.
        starter.join()
        for pool in pools:
            pool.terminate()


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as error:
        raise ImportError("--backend ray needs Ray: pip install 'rlsuite[ray]'") from error
    return ray


def _connect_ray(workers: int, address: str | None) -> bool:
    """Start or join Ray unless it runs already; return whether this call started it."""
    ray = _import_ray()
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {"address": address} if address else {"num_cpus": workers}
    try:
        ray.init(include_dashboard=False, log_to_driver=False, logging_level="ERROR", **kwargs)
    except ConnectionError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
        raise ValueError(
            f"--ray-address {address!r}: no Ray cluster to connect to ({first}); "
            "start one with `ray start --head`, or drop --ray-address to run on a "
            "local Ray instance"
        ) from None
    return True


def _iter_ray(
    specs: list[RunSpec], workers: int, address: str | None, state: dict[str, Any]
) -> Generator[Outcome, None, None]:
    ray = _import_ray()
    started_here = _connect_ray(workers, address)
    try:
        cpus = max(1, int(ray.cluster_resources().get("CPU", workers)))
        remote = ray.remote(num_cpus=1)(_execute_batch)
        pending = [remote.remote(chunk) for chunk in _chunks(specs, cpus)]

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
def prepare_sweep(
    suite: str | Sequence[str | Experiment],
    *,
    sweep: str | None = None,
    seeds: int | None = None,
    backend: str = "local",
    workers: int | None = None,
    ray_address: str | None = None,
) -> tuple[list[RunSpec], int]:
    """Check every argument and plan the runs, touching no file: ``(specs, workers)``."""
    if backend not in BACKENDS:
        raise ValueError(f"--backend {backend!r} is not one of {list(BACKENDS)}")
    if ray_address is not None and backend != "ray":
        raise ValueError(
            f"--ray-address {ray_address!r} needs --backend ray (the backend is {backend!r})"
        )
    workers = _check_positive_int("workers", (os.cpu_count() or 1) if workers is None else workers)
    experiments, chosen = resolve_suite(suite, sweep)
    if not experiments:
        raise ValueError(f"--suite {suite!r} has no study with a {chosen!r} sweep")
    return plan_runs(experiments, sweep=chosen, seeds=seeds), workers


def run_sweep(
    suite: str | Sequence[str | Experiment],
    store: ResultsStore | str | os.PathLike[str],
    *,
    sweep: str | None = None,
    seeds: int | None = None,
    backend: str = "local",
    workers: int | None = None,
    ray_address: str | None = None,
    progress: bool = True,
) -> SweepSummary:
    """Run every run of ``suite`` that ``store`` does not hold yet.

    Every argument is checked and the sweep planned before ``store`` is
    opened, so a bad argument creates no file.

    Parameters
    ----------
    suite : str or sequence
        ``"quick"``, ``"full"``, comma-separated names, or a sequence of
        names and :class:`Experiment` objects (see :func:`resolve_suite`).
    store : ResultsStore or path
        Where finished runs are committed (a path is opened, and closed at the end).
    sweep : str or None
        The sweep of each study (``main``, ``quick``, ``smoke``, ...);
        ``None``: ``quick`` for the quick suite, else ``main``.
    seeds : int or None
        Seeds ``0..seeds-1`` instead of each setting's own count.
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
    specs, workers = prepare_sweep(
        suite, sweep=sweep, seeds=seeds, backend=backend, workers=workers, ray_address=ray_address
    )
    # Join Ray before the store is opened: no cluster means no file is created.
    started_ray = backend == "ray" and _connect_ray(workers, ray_address)
    try:
        if not hasattr(store, "done_keys"):
            from rlsuite.experiments.store import ResultsStore

            with ResultsStore(store) as opened:
                return _run_specs(specs, opened, backend, workers, ray_address, progress)
        return _run_specs(specs, store, backend, workers, ray_address, progress)  # type: ignore[arg-type]
    finally:
        if started_ray:
            _import_ray().shutdown()


def collect(
    experiment: str | Experiment,
    sweep: str = "main",
    *,
    seeds: int | None = None,
    workers: int = 1,
) -> tuple[Any, Any]:
    """Run one study's sweep through :func:`run_sweep` into a temporary store: ``(runs, curves)``.

    For tests and notebooks: the same driver and store as ``rlsuite bench``,
    with the frames :meth:`ResultsStore.runs` / :meth:`ResultsStore.curves` give.
    """
    import tempfile
    from pathlib import Path

    from rlsuite.experiments.store import ResultsStore

    name = experiment.name if isinstance(experiment, Experiment) else experiment
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "collect.sqlite"
        summary = run_sweep(
            [experiment], db, sweep=sweep, seeds=seeds, workers=workers, progress=False
        )
        if summary.failed:
            key, error = summary.errors[0]
            raise RuntimeError(f"{summary.failed} runs failed; first {key}:\n{error}")
        with ResultsStore(db, read_only=True) as store:
            return store.runs(name, sweep), store.curves(name, sweep)


def _run_specs(
    specs: list[RunSpec],
    store: ResultsStore,
    backend: str,
    workers: int,
    ray_address: str | None,
    progress: bool,
) -> SweepSummary:
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
    outcomes: Generator[Outcome, None, None],
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
                metrics, blobs = result
                buffer.append(RunRecord(key, params[key], RunResult(metrics), wall_s, blobs))
            bar.update(1)
            if bar.n % 64 == 0 or error is not None:
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
