"""Run the process-rewards study without the runner, print its table and write its figures.

``python -m rlsuite.experiments.process_rewards --seeds 3 --studies rl,beam --out figs``
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pandas as pd

from rlsuite.experiments.base import RunResult, load_experiment

NAME = "process_rewards"


def _one(job: tuple[str, dict[str, Any], str, int]) -> tuple[tuple, RunResult, float]:
    setting, params, agent, seed = job
    start = time.perf_counter()
    result = load_experiment(NAME).run(params, agent, seed)
    return job, result, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the selected settings and report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=None, help="seeds per setting")
    parser.add_argument("--studies", default="rl,beam,ppo", help="comma-separated subset")
    parser.add_argument("--quick", action="store_true", help="the quick sweep")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", default="process_rewards_figures")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    experiment = load_experiment(NAME)
    studies = set(args.studies.split(","))
    seeds = args.seeds or experiment.num_seeds(args.quick)
    jobs = [
        (setting, params, agent, seed)
        for setting, params in experiment.settings(args.quick)
        if params["study"] in studies
        for agent in experiment.agents(args.quick)
        for seed in range(seeds)
    ]
    start = time.perf_counter()
    rows, curve_rows, seconds = [], [], {}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for (setting, params, agent, seed), result, took in pool.map(_one, jobs):
            keys = {"experiment": NAME, "setting": setting, "agent": agent, "seed": seed}
            rows.append({**keys, **params, **result.metrics})
            seconds[params["study"]] = seconds.get(params["study"], 0.0) + took
            for name, values in result.curves.items():
                steps = result.curve_steps.get(name, range(1, len(values) + 1))
                curve_rows += [
                    {**keys, "curve": name, "step": s, "value": float(v)}
                    for s, v in zip(steps, values)
                ]
    df, curves = pd.DataFrame(rows), pd.DataFrame(curve_rows)
    os.makedirs(args.out, exist_ok=True)
    df.to_csv(os.path.join(args.out, "results.csv"), index=False)
    pd.set_option("display.width", 200)
    print(experiment.analysis.score(df).to_string(index=False))
    for title, table in experiment.analysis.summary_tables(df).items():
        print(f"\n== {title}\n{table.to_string(index=False, float_format='%.3f')}")
    for path in experiment.analysis.plot(df, curves, args.out):
        print("wrote", path)
    cpu = ", ".join(f"{study}: {s:.0f} s" for study, s in sorted(seconds.items()))
    print(f"{len(jobs)} runs, {seeds} seeds, wall {time.perf_counter() - start:.0f} s ({cpu} CPU)")


if __name__ == "__main__":
    main()
