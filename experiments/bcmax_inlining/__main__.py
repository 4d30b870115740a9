"""Print the BC-Max table: ``python -m rlsuite.experiments.bcmax_inlining [--quick]``."""

from __future__ import annotations

import argparse

import pandas as pd

from rlsuite.experiments.base import load_experiment


def main() -> None:
    """Run the sweep sequentially and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=None)
    args = parser.parse_args()
    experiment = load_experiment("bcmax_inlining")
    rows = []
    n_seeds = args.seeds or experiment.num_seeds(args.quick)
    for setting_id, params in experiment.settings(args.quick):
        for agent in experiment.agents(args.quick):
            for seed in range(n_seeds):
                result = experiment.run(params, agent, seed)
                rows.append({"setting": setting_id, "agent": agent, "seed": seed, **result.metrics})
                print(agent, seed, f"{result.metrics['size_reduction_pct']:.2f}", flush=True)
    df = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(experiment.analysis.table(df).round(2).to_string())
    print(experiment.analysis.score(df).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
