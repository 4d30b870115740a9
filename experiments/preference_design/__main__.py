"""Run a study's sweep sequentially (or on a small pool), save a CSV and the figures.

``python -m rlsuite.experiments.preference_design [--quick] [--seeds N]
[--workers W] [--out DIR] [--setting-filter KEY=VALUE ...]``. The
``rm_distillation`` study reuses :func:`main`. Long sweeps belong to
``rlsuite bench``; this entry point exists to make the figures directly.
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rlsuite.experiments.base import load_experiment

__all__ = ["main", "run_sweep"]


def _one(job: tuple[str, str, dict[str, Any], str, int]) -> tuple[dict, list[dict]]:
    name, setting, params, agent, seed = job
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    result = load_experiment(name).run(params, agent, seed)
    row = {"experiment": name, "setting": setting, "agent": agent, "seed": seed, **params}
    row.update(result.metrics)
    curves = []
    for curve, values in result.curves.items():
        steps = result.curve_steps.get(curve, np.arange(1, len(values) + 1))
        curves += [
            {
                "experiment": name,
                "setting": setting,
                "agent": agent,
                "seed": seed,
                "curve": curve,
                "step": int(s),
                "value": float(v),
            }
            for s, v in zip(steps, values)
        ]
    return row, curves


def run_sweep(
    name: str, quick: bool, seeds: int | None, workers: int, filters: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every ``(setting, agent, seed)`` of study ``name``: the results and curves tables."""
    exp = load_experiment(name)
    n_seeds = exp.num_seeds(quick) if seeds is None else seeds
    jobs = [
        (name, setting, params, agent, seed)
        for setting, params in exp.settings(quick)
        if all(str(params.get(k)) == v for k, v in filters.items())
        for agent in exp.agents(quick)
        for seed in range(n_seeds)
    ]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_one, jobs, chunksize=4))
    else:
        results = [_one(job) for job in jobs]
    df = pd.DataFrame([row for row, _ in results])
    curves = pd.DataFrame([c for _, cs in results for c in cs])
    return df, curves


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    frame.to_csv(tmp, index=False)
    os.replace(tmp, path)


def main(name: str = "preference_design", argv: list[str] | None = None) -> None:
    """Command-line entry point shared by this package's studies."""
    parser = argparse.ArgumentParser(prog=f"python -m rlsuite.experiments.{name}")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", default=f"results/{name}")
    parser.add_argument("--setting-filter", nargs="*", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    filters = dict(item.split("=", 1) for item in args.setting_filter)
    start = time.perf_counter()
    cpu0 = time.process_time()
    df, curves = run_sweep(name, args.quick, args.seeds, args.workers, filters)
    elapsed = time.perf_counter() - start
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(df, out / "results.csv")
    if len(curves):
        _write_csv(curves, out / "curves.csv")
    analysis = load_experiment(name).analysis
    paths = analysis.plot(df, curves, out)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    print(
        f"{name}: {len(df)} runs in {elapsed:.1f} s wall "
        f"({time.process_time() - cpu0:.1f} s CPU in this process)"
    )
    print(analysis.score(df).to_string(index=False))
    for title, table in analysis.summary_tables(df).items():
        print(f"\n== {title}\n{table.to_string(index=False, float_format='%.3f')}")
    print("\nfigures:", *map(str, paths), sep="\n  ")


if __name__ == "__main__":
    main()
