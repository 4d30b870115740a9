"""Run a study's whole sweep without the results database, print its tables, write its plots.

For studies whose analysis has a ``table(df)``; their ``__main__`` calls :func:`main`:
``python -m rlsuite.experiments.<name> [--quick] [--seeds N] [--workers P]
[--agents A,B] [--settings main|<extra sweep>] [--out DIR]``. ``rlsuite bench`` is the
resumable, database-backed way to run the same sweeps.
"""

from __future__ import annotations

import argparse
import time
from multiprocessing import Pool

import pandas as pd

from rlsuite.experiments.base import RunResult, load_experiment


def _job(args: tuple[str, str, dict, str, int]) -> tuple[str, dict, str, int, RunResult]:
    name, setting, params, agent, seed = args
    return setting, params, agent, seed, load_experiment(name).run(params, agent, seed)


def jobs_of(
    name: str,
    quick: bool = False,
    seeds: int | None = None,
    agents: list[str] | None = None,
    settings: str = "main",
) -> list[tuple[str, dict, str, int]]:
    """``(setting, params, agent, seed)`` of the sweep (or ``sweep.<SETTINGS>_SETTINGS``)."""
    experiment = load_experiment(name)
    n_seeds = seeds if seeds is not None else experiment.num_seeds(quick)
    if settings == "main":
        pairs = experiment.settings(quick)
    else:
        extra = getattr(experiment.sweep, f"{settings.upper()}_SETTINGS")
        pairs = [(f"{name}/{settings}{i}", dict(p)) for i, p in enumerate(extra)]
    return [
        (setting, params, agent, seed)
        for setting, params in pairs
        for agent in agents or experiment.agents(quick)
        for seed in range(n_seeds)
    ]


def collect(
    name: str,
    quick: bool,
    seeds: int | None = None,
    processes: int = 1,
    agents: list[str] | None = None,
    settings: str = "main",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every (setting, agent, seed) of the sweep; return ``(df, curves)``."""
    jobs = [(name, *job) for job in jobs_of(name, quick, seeds, agents, settings)]
    if processes > 1:
        with Pool(processes) as pool:
            results = pool.map(_job, jobs, chunksize=1)
    else:
        results = [_job(job) for job in jobs]
    return to_frames(name, results)


def to_frames(name: str, results: list[tuple[str, dict, str, int, RunResult]]):
    """``(df, curves)`` in the layout of :mod:`rlsuite.experiments.base`."""
    rows, curve_rows = [], []
    for setting, params, agent, seed, result in results:
        key = {"experiment": name, "setting": setting, "agent": agent, "seed": seed}
        rows.append({**key, **params, **result.metrics})
        for name, values in result.curves.items():
            steps = result.curve_steps[name]
            curve_rows.append(pd.DataFrame({**key, "curve": name, "step": steps, "value": values}))
    return pd.DataFrame(rows), pd.concat(curve_rows, ignore_index=True)


def report(name: str, df: pd.DataFrame, curves: pd.DataFrame, out: str) -> None:
    """Print the study's table and score; write its plots under ``out``."""
    analysis = load_experiment(name).analysis

    with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
        print(analysis.table(df).to_string())
        print(analysis.score(df).to_string(index=False))
    for path in analysis.plot(df, curves, out):
        print(f"wrote {path}")


def main(name: str, argv: list[str] | None = None) -> None:
    """Parse arguments, run the sweep of study ``name`` sequentially or in a pool, report."""
    parser = argparse.ArgumentParser(
        prog=f"python -m rlsuite.experiments.{name}", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="the small quick sweep")
    parser.add_argument("--seeds", type=int, default=None, help="override the seed count")
    parser.add_argument(
        "--workers", "--processes", dest="processes", type=int, default=1, help="worker processes"
    )
    parser.add_argument("--agents", default=None, help="comma-separated agent labels")
    parser.add_argument("--settings", default="main", help="'main' or an extra sweep name")
    parser.add_argument("--out", default=f"results/{name}", help="plot folder")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    agents = args.agents.split(",") if args.agents else None
    df, curves = collect(name, args.quick, args.seeds, args.processes, agents, args.settings)
    elapsed = time.perf_counter() - start
    report(name, df, curves, args.out)
    print(f"{len(df)} runs in {elapsed:.1f} s")
