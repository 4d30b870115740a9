"""The ``rlsuite`` command: ``list``, ``bench``, ``report`` and ``collect``.

Examples
--------
::

    rlsuite list
    rlsuite bench --suite quick --db results.sqlite
    rlsuite bench --suite heavy_tail_mab --seeds 20 --backend ray --ray-address auto
    rlsuite report --db results.sqlite --out report/

Exit codes: 0 success, 1 some runs failed or nothing to report, 2 bad arguments or an
unusable database, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]

EXIT_FAILED_RUNS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _cmd_list(args: argparse.Namespace) -> int:
    import gymnasium as gym

    import rlsuite.envs  # noqa: F401 - registers the rlsuite/ ids
    from rlsuite.agents import list_agents
    from rlsuite.experiments.base import list_experiments

    envs = sorted(env_id for env_id in gym.registry if env_id.startswith("rlsuite/"))
    sections = {
        "envs": envs,
        "agents": sorted(list_agents()),
        "experiments": list_experiments(),
    }
    for title, names in sections.items():
        print(f"{title} ({len(names)}):")
        for name in names:
            print(f"  {name}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from rlsuite.experiments.runner import SweepInterrupted, run_sweep
    from rlsuite.experiments.store import ResultsStore

    try:
        # The path, not an open store: every argument is checked before the file is touched.
        summary = run_sweep(
            args.suite,
            args.db,
            sweep="quick" if args.quick else args.sweep,
            seeds=args.seeds,
            backend=args.backend,
            workers=args.workers,
            ray_address=args.ray_address,
            progress=not args.no_progress,
        )
    except SweepInterrupted as stop:
        s = stop.summary
        print(
            f"interrupted: {s.completed} runs committed to {args.db}; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    with ResultsStore(args.db, read_only=True) as store:
        total = store.count()
    print(
        f"{summary.planned} runs planned, {summary.skipped} already in {args.db}, "
        f"{summary.completed} completed, {summary.failed} failed "
        f"in {summary.wall_s:.1f} s; the database holds {total} runs"
    )
    for key, error in summary.errors[:3]:
        last_line = error.strip().splitlines()[-1]
        print(f"failed {key}: {last_line}", file=sys.stderr)
    return EXIT_FAILED_RUNS if summary.failed else 0


def _cmd_report(args: argparse.Namespace) -> int:
    from rlsuite.experiments.report import EmptyDatabase, write_report

    try:
        paths = write_report(args.db, args.out)
    except EmptyDatabase as empty:
        print(f"rlsuite report: {empty}; no report written", file=sys.stderr)
        return EXIT_FAILED_RUNS
    print(f"wrote {len(paths)} files to {args.out}")
    for path in paths:
        print(f"  {path}")
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is out of range: must be >= 1")
    return value


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rlsuite")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _add_collect(subparsers: argparse._SubParsersAction) -> None:
    """Register ``collect`` from :mod:`rlsuite.offline_data.cli` if it imports."""
    try:
        offline_cli = importlib.import_module("rlsuite.offline_data.cli")
    except ImportError as error:
        reason = f"{type(error).__name__}: {error}"
        parser = subparsers.add_parser("collect", help="collect an offline dataset (unavailable)")

        def unavailable(args: argparse.Namespace) -> int:
            print(
                "rlsuite collect needs the offline extra: pip install 'rlsuite[offline]' "
                f"({reason})",
                file=sys.stderr,
            )
            return EXIT_USAGE

        # Whatever options follow are accepted, so the message below is what users see.
        parser.set_defaults(handler=unavailable, accepts_unknown=True)
        return
    parser = subparsers.add_parser("collect", help="collect an offline dataset with Minari")
    offline_cli.configure_parser(parser)
    parser.set_defaults(handler=offline_cli.run)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rlsuite`` command."""
    formatter = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(
        prog="rlsuite",
        description="rlsuite benchmarks: list, bench, report and collect.",
        epilog="Exit codes: 0 success, 1 some runs failed or nothing to report, "
        "2 bad arguments or an unusable database, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"rlsuite {_version()}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    subparsers.add_parser(
        "list", help="registered envs, agents and experiments", formatter_class=formatter
    ).set_defaults(handler=_cmd_list)

    bench = subparsers.add_parser(
        "bench",
        help="run a sweep into the results database (resumable)",
        description="Run every run of a suite that the database does not hold yet.",
        formatter_class=formatter,
    )
    bench.add_argument(
        "--suite",
        required=True,
        help="quick (every study's quick sweep), full (every study's main sweep), or "
        "comma-separated study names",
    )
    bench.add_argument(
        "--sweep",
        default=None,
        help="which sweep of each study: main, quick, smoke, ... (None: quick for "
        "--suite quick, else main)",
    )
    bench.add_argument("--quick", action="store_true", help="short for --sweep quick")
    bench.add_argument(
        "--seeds", type=_positive_int, default=None, help="seeds 0..N-1 (None: each setting's own)"
    )
    bench.add_argument(
        "--backend", choices=("local", "ray"), default="local", help="where runs execute"
    )
    bench.add_argument(
        "--ray-address", default=None, help="existing Ray cluster, e.g. auto (None: start one)"
    )
    bench.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="worker processes (None: CPU count; 1: in this process)",
    )
    bench.add_argument("--db", default="results.sqlite", help="SQLite results database")
    bench.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    bench.set_defaults(handler=_cmd_bench)

    report = subparsers.add_parser(
        "report",
        help="plots, tables and exports from a database (opened read-only)",
        description="Write the report of a results database: one section per study and sweep.",
        formatter_class=formatter,
    )
    report.add_argument("--db", default="results.sqlite", help="SQLite results database")
    report.add_argument("--out", default="report", help="folder the report is written to")
    report.set_defaults(handler=_cmd_report)

    _add_collect(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rlsuite`` console script; returns the exit code."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "accepts_unknown", False):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return int(args.handler(args))
    except (ValueError, TypeError) as error:
        print(f"rlsuite {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
