"""Local process pool vs the sequential loop, both through ``runner.run_sweep`` and the store.

Two workloads, each timed ``--repeats`` times in alternation (sequential,
pool, sequential, ...) so machine load hits both alike:

* ``tiny``: ``--runs`` (10,000) runs of ~0.1 ms, where dispatch and the
  parent's store writes dominate;
* ``slow``: ``--slow-runs`` runs of ``--slow-ms`` (60 ms) of CPU work each.

The sequential loop is ``workers=1`` (in-process), the pool ``--workers``
spawned processes; the pool's time includes starting its workers. The last
line is JSON: per workload the speed-up (sequential wall / pool wall) as
min/median/max over the repeats, and the walls.

    python benchmarks/sweep_scale.py [--runs 10000] [--workers 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="tiny runs")
    parser.add_argument("--slow-runs", type=int, default=100, help="slow runs")
    parser.add_argument("--slow-ms", type=float, default=60.0, help="CPU ms per slow run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    workloads = {
        "tiny": experiment("tiny", args.runs, gap=0.5, rounds=200),
        "slow": experiment("slow", args.slow_runs, ms=args.slow_ms),
    }
    result: dict = {"workers": args.workers, "cpu_count": os.cpu_count(), "repeats": args.repeats}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, exp in workloads.items():
            seq, pool = [], []
            for _ in range(args.repeats):
                seq.append(timed_sweep(exp, Path(tmp) / "seq.sqlite", workers=1))
                pool.append(timed_sweep(exp, Path(tmp) / "pool.sqlite", workers=args.workers))
            ratios = sorted(s / p for s, p in zip(seq, pool))
            n = len(exp.sweep.SWEEPS["main"]["settings"]) * 10
            print(
                f"{kind}: {n} runs, sequential {statistics.median(seq):.2f} s, "
                f"pool({args.workers}) {statistics.median(pool):.2f} s (medians)",
                file=sys.stderr,
            )
            result[kind] = {
                "runs": n,
                "speedup_min": round(ratios[0], 3),
                "speedup_median": round(statistics.median(ratios), 3),
                "speedup_max": round(ratios[-1], 3),
                "sequential_wall_s": [round(s, 2) for s in seq],
                "pool_wall_s": [round(p, 2) for p in pool],
            }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
