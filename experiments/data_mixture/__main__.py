"""Run the data-mixture study directly and print its table.

``python -m rlsuite.experiments.data_mixture [--quick] [--seeds N]
[--workers W] [--out DIR]`` runs every ``(setting, agent, seed)``, writes
``results.csv``, ``curves.csv`` and the figures to ``DIR`` and prints the
summary. Long sweeps with resume belong to ``rlsuite bench``.
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from rlsuite.experiments.base import load_experiment

NAME = "data_mixture"


def _one(job: tuple[str, dict[str, Any], str, int]) -> tuple[dict, list[dict]]:
    setting, params, agent, seed = job
    result = load_experiment(NAME).run(params, agent, seed)
    key = {"experiment": NAME, "setting": setting, "agent": agent, "seed": seed}
    curves = [
        {**key, "curve": curve, "step": step, "value": float(value)}
        for curve, values in result.curves.items()
        for step, value in enumerate(values, start=1)
    ]
    return {**key, **params, **result.metrics}, curves


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    frame.to_csv(tmp, index=False)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog=f"python -m rlsuite.experiments.{NAME}")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", default=f"results/{NAME}")
    args = parser.parse_args(argv)
    exp = load_experiment(NAME)
    seeds = exp.num_seeds(args.quick) if args.seeds is None else args.seeds
    jobs = [
        (setting, params, agent, seed)
        for setting, params in exp.settings(args.quick)
        for agent in exp.agents(args.quick)
        for seed in range(seeds)
    ]
    start = time.perf_counter()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            results = list(pool.map(_one, jobs, chunksize=2))
    else:
        results = [_one(job) for job in jobs]
    elapsed = time.perf_counter() - start
    df = pd.DataFrame([row for row, _ in results])
    curves = pd.DataFrame([c for _, cs in results for c in cs])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(df, out / "results.csv")
    _write_csv(curves, out / "curves.csv")
    paths = exp.analysis.plot(df, curves, out)
    print(f"{NAME}: {len(df)} runs in {elapsed:.1f} s wall with {args.workers} worker(s)")
    print(exp.analysis.score(df).to_string(index=False))
    print(exp.analysis.summary(df).to_string(index=False, float_format="%.3f"))
    print("figures:", *map(str, paths), sep="\n  ")


if __name__ == "__main__":
    main()
