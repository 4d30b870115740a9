"""Run a study's sweep job by job, appending each finished run to CSV files at once.

Used to record the heavy-tail outputs in ``docs/results/`` on a shared machine: a job
that finished is kept even if the sweep is cut short, and jobs run in the order given
(agents major), so the cheap agents cover every setting first.

``python docs/results/record_study.py NAME SETTINGS OUT_PREFIX AGENT[,AGENT...] [WORKERS]``
(``SETTINGS``: ``main`` or an extra sweep name of the study). The recorded CSVs load
into the study's analysis with :func:`load`;
``python docs/results/record_study.py report NAME OUT_PREFIX`` prints the study's table
(and, where the analysis has them, slopes and ratios) and writes its plots next to the CSVs.
"""

from __future__ import annotations

import sys
import time
from multiprocessing import Pool
from pathlib import Path

import pandas as pd

from rlsuite.experiments.base import load_experiment
from rlsuite.experiments.study_main import _job, jobs_of, to_frames


def load(prefix: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(df, curves)`` recorded under ``prefix``."""
    return pd.read_csv(f"{prefix}_runs.csv"), pd.read_csv(f"{prefix}_curves.csv")


def report(name: str, prefix: str) -> None:
    """Print the recorded runs' table, score, slopes and ratios; write the plots."""
    analysis = load_experiment(name).analysis
    df, curves = load(prefix)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        try:
            print(analysis.table(df, curves).to_string())
        except TypeError:
            print(analysis.table(df).to_string())
        print(analysis.score(df).to_string(index=False))
        for extra in ("slopes", "ratios"):
            if hasattr(analysis, extra):
                print(getattr(analysis, extra)(df).to_string(index=False))
    print(f"{len(df)} runs; last finished {df['wall_s_since_start'].max():.0f} s after the start")
    for path in analysis.plot(df, curves, Path(prefix).parent):
        print(f"wrote {path}")


def main() -> None:
    """Record a sweep job by job, or report recorded runs (see the module docstring)."""
    if sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3])
        return
    name, settings, prefix, agents = sys.argv[1:5]
    workers = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    load_experiment(name)
    jobs = []
    for agent in agents.split(","):
        jobs += [(name, *job) for job in jobs_of(name, False, None, [agent], settings)]
    for suffix in ("_runs.csv", "_curves.csv"):
        Path(prefix + suffix).unlink(missing_ok=True)
    start = time.perf_counter()
    with Pool(workers) as pool:
        for done, result in enumerate(pool.imap_unordered(_job, jobs), start=1):
            df, curves = to_frames(name, [result])
            df["wall_s_since_start"] = time.perf_counter() - start
            first = done == 1
            df.to_csv(prefix + "_runs.csv", mode="a", header=first, index=False)
            curves.to_csv(prefix + "_curves.csv", mode="a", header=first, index=False)
            print(f"{done}/{len(jobs)} {result[0]} {result[2]} {time.perf_counter() - start:.0f} s")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
