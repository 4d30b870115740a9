"""Runs per second of a 10,000-run sweep: local process pool vs a sequential loop.

Both go through :func:`rlsuite.experiments.runner.run_sweep` with the same
tiny experiment (defined below, so spawned workers import it from this
script) and the same SQLite store code; the sequential loop is
``workers=1`` (in-process). The last line printed is JSON with both rates
and ``speedup = pool rate / sequential rate``.

    python benchmarks/sweep_scale.py [--runs 10000] [--workers 2] [--rounds 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from rlsuite.experiments.base import Experiment, RunResult
from rlsuite.experiments.runner import run_sweep
from rlsuite.experiments.store import ResultsStore


def tiny_run(params: dict, agent: str, seed: int) -> RunResult:
    """A tiny epsilon-greedy-like run: ``rounds`` rounds of a 2-armed bandit in numpy."""
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


def tiny_experiment(n_runs: int, rounds: int = 200) -> Experiment:
    agents = ("eps0.1", "eps0.3")
    seeds = 5
    n_settings = max(1, n_runs // (len(agents) * seeds))
    sweep = SimpleNamespace(
        SETTINGS=tuple({"index": i, "gap": 0.5, "rounds": rounds} for i in range(n_settings)),
        AGENTS=agents,
        NUM_SEEDS=seeds,
    )
    return Experiment(name="tiny", sweep=sweep, run=tiny_run, analysis=SimpleNamespace())


def timed_sweep(experiment: Experiment, db: Path, workers: int) -> tuple[int, float]:
    with ResultsStore(db) as store:
        start = time.perf_counter()
        summary = run_sweep([experiment], store, workers=workers, progress=False)
        wall = time.perf_counter() - start
        assert summary.failed == 0 and store.count() == summary.completed
    return summary.completed, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rounds", type=int, default=200, help="work per run (200: tiny)")
    args = parser.parse_args()
    experiment = tiny_experiment(args.runs, args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        n_seq, wall_seq = timed_sweep(experiment, Path(tmp) / "seq.sqlite", workers=1)
        n_pool, wall_pool = timed_sweep(experiment, Path(tmp) / "pool.sqlite", args.workers)
        # Starting the spawned workers (fresh interpreters importing numpy and
        # rlsuite) is a fixed cost: time it with one tiny run per worker.
        startup = tiny_experiment(10)
        startup.sweep.NUM_SEEDS = 1
        startup.sweep.SETTINGS = startup.sweep.SETTINGS[: max(1, args.workers // 2)]
        _, wall_start = timed_sweep(startup, Path(tmp) / "start.sqlite", args.workers)
    seq_rate, pool_rate = n_seq / wall_seq, n_pool / wall_pool
    steady_rate = n_pool / max(wall_pool - wall_start, 1e-9)
    print(f"sequential: {n_seq} runs in {wall_seq:.2f} s = {seq_rate:.0f} runs/s", file=sys.stderr)
    print(
        f"pool({args.workers}): {n_pool} runs in {wall_pool:.2f} s = {pool_rate:.0f} runs/s "
        f"(includes {wall_start:.2f} s to start the workers; "
        f"{steady_rate:.0f} runs/s after that)",
        file=sys.stderr,
    )
    result = {
        "runs": n_pool,
        "rounds_per_run": args.rounds,
        "workers": args.workers,
        "cpu_count": os.cpu_count(),
        "sequential_runs_per_s": round(seq_rate, 1),
        "pool_runs_per_s": round(pool_rate, 1),
        "pool_startup_s": round(wall_start, 2),
        "pool_runs_per_s_after_startup": round(steady_rate, 1),
        "speedup": round(pool_rate / seq_rate, 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
