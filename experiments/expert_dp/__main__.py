"""Run the expert-level DP study sequentially or on a small process pool and print the table.

``python -m rlsuite.experiments.expert_dp [--experts 3000] [--seeds 5] [--workers 2]
[--agents ...] [--envs ...] [--out report/expert_dp]`` writes ``runs.csv`` and the plot
into ``--out``.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from rlsuite.experiments.expert_dp import analysis, sweep
from rlsuite.experiments.expert_dp.run import run


def _one(job: tuple[int, dict, str, int]) -> dict:
    index, params, agent, seed = job
    start = time.perf_counter()
    result = run(params, agent, seed)
    row = {"setting": f"expert_dp/{index}", "agent": agent, "seed": seed, **params}
    return {**row, **result.metrics, "seconds": time.perf_counter() - start}


def main(argv: list[str] | None = None) -> pd.DataFrame:
    """Parse arguments, run the sweep, write CSV + plot, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experts", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=sweep.NUM_SEEDS)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--agents", nargs="*", default=list(sweep.AGENTS))
    parser.add_argument("--envs", nargs="*", default=list(sweep.ENV_IDS))
    parser.add_argument("--epsilons", nargs="*", type=float, default=list(sweep.EPSILONS))
    parser.add_argument("--out", default="report/expert_dp")
    args = parser.parse_args(argv)
    jobs = []
    for index, params in enumerate(sweep.settings(args.experts)):
        if params["env_id"] not in args.envs or params["epsilon"] not in args.epsilons:
            continue
        for agent in args.agents:
            # BC ignores epsilon: run it once per env (at the first epsilon).
            if agent == "BehaviorCloning" and params["epsilon"] != args.epsilons[0]:
                continue
            seeds = range(args.first_seed, args.first_seed + args.seeds)
            jobs.extend((index, params, agent, seed) for seed in seeds)
    start = time.perf_counter()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            rows = list(pool.map(_one, jobs))
    else:
        rows = [_one(job) for job in jobs]
    df = pd.DataFrame(rows)
    bc = df[df["agent"] == "BehaviorCloning"]
    # Draw BC as a flat reference at every epsilon of the plot and table.
    df_plot = pd.concat(
        [df[df["agent"] != "BehaviorCloning"]] + [bc.assign(epsilon=e) for e in args.epsilons]
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "runs.csv", index=False)
    analysis.plot(df_plot, pd.DataFrame(), out)
    print(analysis.table(df_plot).round(3).to_string())
    consensus = df[df["agent"] == "ConsensusDP"]
    if len(consensus):
        prefixes = ("released", "prefix_length", "count_median", "release_epsilon", "threshold")
        columns = [c for c in consensus.columns if c.startswith(prefixes)] + ["noise_multiplier"]
        print("ConsensusDP release (mean over seeds):")
        print(consensus.groupby(["env_id", "epsilon"])[columns].mean().round(4).to_string())
    dpsgd = df[df["agent"] == "ExpertDPSGD"]
    if len(dpsgd):
        print("ExpertDPSGD noise multiplier:")
        print(dpsgd.groupby(["env_id", "epsilon"])["noise_multiplier"].mean().round(3).to_string())
    print(f"{len(jobs)} runs in {time.perf_counter() - start:.0f} s ({args.workers} workers)")
    return df


if __name__ == "__main__":
    main()
