"""Run the steerable multi-objective study locally and print its table.

``python -m rlsuite.experiments.steerable_mo [--quick] [--seeds N] [--workers K] [--out DIR]``
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from rlsuite.experiments.base import load_experiment


def _one(job: tuple) -> tuple:
    name, setting, params, agent, seed = job
    from rlsuite.experiments.steerable_mo.run import run

    start = time.process_time()
    result = run(params, agent, seed)
    return job, result, time.process_time() - start


def main() -> None:
    """Run the sweep, print the summary and write the plots."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", default="steerable_mo_results")
    args = parser.parse_args()
    exp = load_experiment("steerable_mo")
    seeds = args.seeds if args.seeds is not None else exp.num_seeds(args.quick)
    jobs = [
        (exp.name, setting, params, agent, seed)
        for setting, params in exp.settings(args.quick)
        for agent in exp.agents(args.quick)
        for seed in range(seeds)
    ]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(_one, jobs))
    wall = time.perf_counter() - start
    rows, curve_rows = [], []
    for (name, setting, params, agent, seed), result, cpu in results:
        key = {"experiment": name, "setting": setting, "agent": agent, "seed": seed}
        flat = {k: (str(v) if isinstance(v, list) else v) for k, v in params.items()}
        rows.append({**key, **flat, **result.metrics, "cpu_seconds": cpu})
        for curve, values in result.curves.items():
            steps = result.curve_steps.get(curve, np.arange(1, len(values) + 1))
            curve_rows += [
                {**key, "curve": curve, "step": float(s), "value": float(v)}
                for s, v in zip(steps, values)
            ]
    df, curves = pd.DataFrame(rows), pd.DataFrame(curve_rows)
    pd.set_option("display.width", 200)
    print(exp.analysis.summary(df).round(4).to_string(index=False))
    print(exp.analysis.score(df).round(4).to_string(index=False))
    paired = df.pivot_table(index=["setting", "seed"], columns="agent", values="hypervolume_ratio")
    print(paired.round(4).to_string())
    print(df.groupby("agent")["cpu_seconds"].mean().round(1).to_string())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for frame, name in ((df, "runs.csv"), (curves, "curves.csv")):
        tmp = out / f".{name}.tmp"
        frame.to_csv(tmp, index=False)
        os.replace(tmp, out / name)
    for path in exp.analysis.plot(df, curves, args.out):
        print("wrote", path)
    print(f"{len(jobs)} runs, wall {wall:.1f} s with {args.workers} worker(s)")


if __name__ == "__main__":
    main()
