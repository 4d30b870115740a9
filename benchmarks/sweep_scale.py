"""Local process pool vs the sequential loop, both through ``runner.run_sweep`` and the store.

Two workloads, each timed ``--repeats`` times in alternation (sequential,
pool, sequential, ...) so machine load hits both alike:

* ``tiny``: ``--runs`` (10,000) runs of ~0.1 ms, where dispatch and the
  parent's store writes dominate;
* ``slow``: ``--slow-runs`` runs of ``--slow-ms`` (60 ms) of CPU work each.

The sequential loop is ``workers=1`` (in-process), the pool ``--workers``
processes forked from the runner's fork server; the pool's time includes
starting its workers (and, in the first repeat, the fork server).
``--compare-spawn`` also times a ``spawn`` pool in each repeat.

Then the quick suite's start-up share (skip with ``--no-quick``): the
suite's wall is one ``rlsuite bench --suite quick`` in a subprocess (into a
fresh database, ``--workers``); its start-up is, each timed ``--repeats``
times in fresh interpreters, (a) the parent's start: interpreter, imports
and planning the suite (``prepare_sweep("quick")``), and (b) starting the
pool: a ``--workers`` pool running 10 tiny runs. ``startup_share`` is
``(a + b) / wall`` (medians). Workers import each study's run module (torch
for some) lazily, on their first run of it; that cost is inside the runs, and
``worker_imports_s`` (a fresh interpreter importing every quick study's run
module) bounds it, with ``startup_share_with_worker_imports`` the share if
all of it counted as start-up.

The last line is JSON: per workload the speed-up (sequential wall / pool
wall) as min/median/max over the repeats and the walls, and ``quick``.

    python benchmarks/sweep_scale.py [--runs 10000] [--workers 2] [--repeats 3] [--no-quick]
        [--compare-spawn]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from rlsuite.experiments import runner
from rlsuite.experiments.base import Experiment, RunResult
from rlsuite.experiments.runner import run_sweep
from rlsuite.experiments.store import ResultsStore


def tiny_run(params: dict, agent: str, seed: int) -> RunResult:
    """``rounds`` rounds of a 2-armed epsilon-greedy-like bandit in numpy (~0.1 ms)."""
    rng = np.random.default_rng([seed, params["index"]])
    explore = 0.1 if agent == "eps0.1" else 0.3
    wrong = rng.random(params["rounds"]) < explore / 2
    regret = np.cumsum(wrong * params["gap"])
    steps = np.linspace(1, regret.size, min(regret.size, 100)).astype(np.int64)
    return RunResult(
        metrics={"regret": float(regret[-1])},
        curves={"cumulative_regret": regret[steps - 1]},
        curve_steps={"cumulative_regret": steps},
    )


def slow_run(params: dict, agent: str, seed: int) -> RunResult:
    """CPU work (repeated small matrix products) for about ``ms`` milliseconds."""
    rng = np.random.default_rng([seed, params["index"]])
    matrix = rng.random((64, 64)) / 64
    start, total = time.process_time(), 0.0
    while time.process_time() - start < params["ms"] / 1000:
        total += float((matrix @ matrix).sum())
    return RunResult(metrics={"total": total})


def experiment(kind: str, n_runs: int, **params) -> Experiment:
    agents = ("eps0.1", "eps0.3")
    seeds = 5
    settings = [{"index": i, **params} for i in range(max(1, n_runs // (len(agents) * seeds)))]
    sweep = SimpleNamespace(
        SWEEPS={"main": {"settings": settings, "agents": agents, "seeds": seeds}}
    )
    return Experiment(kind, sweep, tiny_run if kind == "tiny" else slow_run)


def timed_sweep(exp: Experiment, db: Path, workers: int) -> float:
    db.unlink(missing_ok=True)
    with ResultsStore(db) as store:
        start = time.perf_counter()
        summary = run_sweep([exp], store, workers=workers, progress=False)
        wall = time.perf_counter() - start
        assert summary.failed == 0 and store.count() == summary.completed == summary.planned
    return wall


def _python_wall(code: str) -> float:
    """Wall seconds of ``python -c code`` in a fresh interpreter (single-threaded BLAS)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return time.perf_counter() - start


def _spread(values: list[float]) -> dict:
    return {
        "min": round(min(values), 3),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


def quick_startup(
    workers: int, repeats: int, tmp: Path, suite: str = "quick", sweep: str | None = None
) -> dict:
    """Start-up of ``rlsuite bench --suite quick`` against its wall (see the module docstring).

    ``suite``/``sweep`` replace the quick suite for a smoke check of this script.
    """
    plan_code = (
        "from rlsuite.experiments.runner import prepare_sweep; "
        f"specs, _ = prepare_sweep({suite!r}, sweep={sweep!r}, workers={workers}); assert specs"
    )
    imports_code = (
        "from rlsuite.experiments.base import resolve_callable; "
        "from rlsuite.experiments.runner import resolve_suite; "
        f"[resolve_callable(e.run_ref) for e in resolve_suite({suite!r}, {sweep!r})[0]]"
    )
    plan = [_python_wall(plan_code) for _ in range(repeats)]
    # The start-up of a pool: force one for these 10 runs (run_sweep would keep
    # a sweep this small in-process, see runner.POOL_MIN_WORK_S).
    saved = runner.POOL_MIN_WORK_S, runner._PROBE_RUNS
    runner.POOL_MIN_WORK_S, runner._PROBE_RUNS = 0.0, 1
    pool = [
        timed_sweep(experiment("tiny", 10, gap=0.5, rounds=200), tmp / "p.sqlite", workers)
        for _ in range(repeats)
    ]
    runner.POOL_MIN_WORK_S, runner._PROBE_RUNS = saved
    imports = [_python_wall(imports_code) for _ in range(repeats)]
    db = tmp / "quick.sqlite"
    db.unlink(missing_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "rlsuite.experiments.cli", "bench", "--suite", suite]
    command += ["--db", str(db), "--workers", str(workers), "--no-progress"]
    command += ["--sweep", sweep] if sweep else []
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    with ResultsStore(db, read_only=True) as store:
        n_runs = store.count()
    startup = statistics.median(plan) + statistics.median(pool)
    return {
        "suite": suite if sweep is None else f"{suite} [{sweep}]",
        "runs": n_runs,
        "wall_s": round(wall, 2),
        "plan_s": _spread(plan),
        "pool_start_s": _spread(pool),
        "worker_imports_s": _spread(imports),
        "startup_share": round(startup / wall, 4),
        "startup_share_with_worker_imports": round(
            (startup + statistics.median(imports)) / wall, 4
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="tiny runs")
    parser.add_argument("--slow-runs", type=int, default=100, help="slow runs")
    parser.add_argument("--slow-ms", type=float, default=60.0, help="CPU ms per slow run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--no-quick", action="store_true", help="skip the quick suite's start-up share"
    )
    parser.add_argument(
        "--quick-suite", default="quick", help="suite timed for the start-up share (smoke checks)"
    )
    parser.add_argument("--quick-sweep", default=None, help="its sweep (None: the suite's own)")
    parser.add_argument(
        "--compare-spawn",
        action="store_true",
        help="also time a spawn pool in each repeat (the start method before the fork server)",
    )
    args = parser.parse_args()
    workloads = {
        "tiny": experiment("tiny", args.runs, gap=0.5, rounds=200),
        "slow": experiment("slow", args.slow_runs, ms=args.slow_ms),
    }
    result: dict = {"workers": args.workers, "cpu_count": os.cpu_count(), "repeats": args.repeats}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, exp in workloads.items():
            seq, pool, spawn = [], [], []
            for _ in range(args.repeats):
                seq.append(timed_sweep(exp, Path(tmp) / "seq.sqlite", workers=1))
                pool.append(timed_sweep(exp, Path(tmp) / "pool.sqlite", workers=args.workers))
                if args.compare_spawn:
                    runner.POOL_START_METHOD = "spawn"
                    spawn.append(timed_sweep(exp, Path(tmp) / "sp.sqlite", workers=args.workers))
                    runner.POOL_START_METHOD = None
            n = len(exp.sweep.SWEEPS["main"]["settings"]) * 10
            print(
                f"{kind}: {n} runs, sequential {statistics.median(seq):.2f} s, "
                f"pool({args.workers}) {statistics.median(pool):.2f} s (medians)"
                + (f", spawn pool {statistics.median(spawn):.2f} s" if spawn else ""),
                file=sys.stderr,
            )
            result[kind] = {"runs": n, **_speedups(seq, pool)}
            if spawn:
                result[kind]["spawn"] = _speedups(seq, spawn)
        if not args.no_quick:
            result["quick"] = quick_startup(
                args.workers, args.repeats, Path(tmp), args.quick_suite, args.quick_sweep
            )
            print(
                f"quick: {result['quick']['runs']} runs in {result['quick']['wall_s']} s, "
                f"start-up share {result['quick']['startup_share']:.1%}",
                file=sys.stderr,
            )
    result["loadavg"] = _loadavg()
    print(json.dumps(result))


def _speedups(seq: list[float], pool: list[float]) -> dict:
    """Sequential wall / pool wall per repeat (same repeat): min/median/max, and the walls."""
    spread = _spread([s / p for s, p in zip(seq, pool)])
    return {
        **{f"speedup_{stat}": value for stat, value in spread.items()},
        "sequential_wall_s": [round(s, 2) for s in seq],
        "pool_wall_s": [round(p, 2) for p in pool],
    }


def _loadavg() -> list[float] | None:
    try:
        return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return None


if __name__ == "__main__":
    main()
