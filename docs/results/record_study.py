"""Record one study's output in ``docs/results/`` through the one front end.

    python docs/results/record_study.py OUT_TXT NAME [front-end options ...]

runs ``python -m rlsuite.experiments NAME [options]`` (niced, single-threaded
BLAS) in a subprocess and writes ``OUT_TXT``: the exact command on the first
line (``$ ...``), the date, host CPU count and load average, the front end's
output verbatim, and a last line with the wall time and the CPU seconds of
the command and its worker processes. Options are the front end's
(``--sweep main --db ... --out ... --workers 2``); add ``--no-progress``.

Earlier records (the issue-14 files of 2026-12-01) were made by a previous
version of this script, which ran runs job by job into CSVs; that driver is
gone, every study now runs through ``runner.run_sweep``.
"""

from __future__ import annotations

import datetime
import os
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path


def record(out_txt: str, name: str, options: list[str]) -> int:
    """Run the front end for ``name`` with ``options``, write ``out_txt``; return its exit code."""
    command = ["nice", "-n", "10", sys.executable, "-m", "rlsuite.experiments", name, *options]
    shown = "OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 nice -n 10 python -m rlsuite.experiments "
    shown += shlex.join([name, *options])
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    header = [
        f"$ {shown}",
        f"# started {now}, {os.cpu_count()} CPUs, load average {' '.join(load)} at the start "
        "(shared machine: walls are upper bounds)",
        "",
    ]
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    footer = [
        f"# exit {done.returncode}; wall {wall:.1f} s, user {user:.1f} s, sys {system:.1f} s "
        "(command and its workers)"
    ]
    text = "\n".join(header) + done.stdout + done.stderr + "\n".join(footer) + "\n"
    Path(out_txt).write_text(text)
    os.chmod(out_txt, 0o644)
    print(text)
    return done.returncode


def main() -> None:
    """``record_study.py OUT_TXT NAME [options]`` (see the module docstring)."""
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(record(sys.argv[1], sys.argv[2], sys.argv[3:]))


if __name__ == "__main__":
    main()
