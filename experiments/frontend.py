"""The study front end: ``python -m rlsuite.experiments NAME [options]``.

A thin layer over the one driver: it runs ``NAME``'s sweep with
:func:`rlsuite.experiments.runner.run_sweep` into a results database (so it
resumes like ``rlsuite bench``), then writes that study's report for that
sweep and prints its score with the score's definition and its tables.
A study needs no ``__main__`` of its own: the front end finds every study
folder (:func:`rlsuite.experiments.base.list_experiments`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from rlsuite.experiments.cli import _positive_int  # one argparse check for both front ends

__all__ = ["build_parser", "main"]

EXIT_FAILED_RUNS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m rlsuite.experiments NAME [options]``."""
    from rlsuite.experiments.base import list_experiments

    parser = argparse.ArgumentParser(
        prog="python -m rlsuite.experiments",
        description="Run one study's sweep into a results database (resumable), then "
        "print its score and tables and write its report.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    studies = list_experiments()
    parser.add_argument(
        "name", choices=studies, metavar="NAME", help="the study: " + ", ".join(studies)
    )
    parser.add_argument(
        "--sweep", default="main", help="which of the study's SWEEPS (main, quick, smoke, ...)"
    )
    parser.add_argument(
        "--seeds", type=_positive_int, default=None, help="seeds 0..N-1 (None: each setting's own)"
    )
    parser.add_argument(
        "--workers",
        type=_positive_int,
        default=os.cpu_count() or 1,
        help="worker processes (1: in this process)",
    )
    parser.add_argument(
        "--backend", choices=("local", "ray"), default="local", help="where runs execute"
    )
    parser.add_argument(
        "--ray-address",
        default=None,
        help="existing Ray cluster for --backend ray, e.g. auto (None: start a local one)",
    )
    parser.add_argument(
        "--db", default=None, help="SQLite results database (None: results/NAME.sqlite)"
    )
    parser.add_argument("--out", default=None, help="report folder (None: report/NAME)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the sweep, report; return the exit code."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    args = build_parser().parse_args(argv)
    study = args.name
    db = args.db or f"results/{study}.sqlite"
    out = args.out or f"report/{study}"
    from rlsuite.experiments.runner import SweepInterrupted, run_sweep

    try:
        start = time.perf_counter()
        summary = run_sweep(
            study,
            db,
            sweep=args.sweep,
            seeds=args.seeds,
            backend=args.backend,
            workers=args.workers,
            ray_address=args.ray_address,
            progress=not args.no_progress,
        )
        wall = time.perf_counter() - start
        from rlsuite.experiments.report import print_study, write_report

        paths = write_report(db, out, experiments=[study], sweep=args.sweep)
    except SweepInterrupted as stop:
        print(
            f"interrupted: {stop.summary.completed} runs committed to {db}; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except (ValueError, TypeError) as error:
        print(f"{study}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print_study(db, study, args.sweep)
    print(
        f"{summary.planned} runs ({summary.skipped} already in {db}, {summary.completed} run, "
        f"{summary.failed} failed) in {wall:.1f} s wall with {args.workers} worker(s); "
        f"{len(paths)} report files in {out}"
    )
    for key, message in summary.errors[:3]:
        print(f"failed {key}: {message.strip().splitlines()[-1]}", file=sys.stderr)
    return EXIT_FAILED_RUNS if summary.failed else 0
