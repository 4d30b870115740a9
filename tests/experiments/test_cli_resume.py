import importlib.util
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from rlsuite.experiments.cli import build_parser, main

_spec = importlib.util.spec_from_file_location(
    "tiny_study_helper", Path(__file__).with_name("test_runner_tiny_study.py")
)
tiny = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tiny)

# 2 settings x 2 agents x 60 seeds = 240 runs of 50 ms: ~6 s on 2 workers, long
# enough to interrupt after the first commit (the runner flushes every 2 s) even on
# an idle machine, where 20 ms runs finished before the signal landed.
SEEDS = 60
TOTAL = 2 * 2 * SEEDS


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _bench(root: Path, name: str, db: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "rlsuite.experiments.cli", "bench", "--suite", name]
    cmd += ["--db", str(db), "--workers", "2", "--no-progress"]
    # A new session = its own process group, so the test can signal pool workers too.
    return subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # A shell without job control starts background jobs with SIGINT ignored, and
        # that is inherited: give the bench the default handler a terminal would.
        preexec_fn=_default_sigint,
    )


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=10) as conn:
            return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def _wait_for_rows(proc: subprocess.Popen, db: Path, timeout: float = 120.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = _count(db)
        if count > 0:
            return count
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("no run was committed in time")


def _live_group_members(pgid: int) -> list[str]:
    """Commands of the non-zombie processes in group ``pgid`` (Linux /proc)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        # Fields after the parenthesised command: state, ppid, pgrp, ...
        state, _, pgrp = text.rpartition(")")[2].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            members.append(text.split(")")[0])
    return members


def _wait_group_gone(pgid: int, timeout: float = 15.0) -> list[str]:
    # multiprocessing's resource tracker exits once the parent's pipe closes.
    deadline = time.monotonic() + timeout
    while (members := _live_group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return members


@pytest.fixture
def study(tmp_path):
    name = f"tiny_{uuid.uuid4().hex[:8]}"
    tiny.write_tiny_study(tmp_path, name, seeds=SEEDS, sleep=0.05)
    return tmp_path, name


def test_sigkill_mid_sweep_resumes_with_one_row_per_key(study):
    root, name = study
    db = root / "results.sqlite"
    proc = _bench(root, name, db)
    _wait_for_rows(proc, db)
    os.killpg(proc.pid, signal.SIGKILL)  # parent and pool workers, no cleanup at all
    proc.wait(timeout=30)
    killed_at = _count(db)
    assert 0 < killed_at < TOTAL, "the kill must land mid-sweep for this test to mean anything"

    resumed = _bench(root, name, db)
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert f"{killed_at} already in" in out
    rows, keys, curves = tiny.run_counts(db, "curves")
    assert rows == keys == curves == TOTAL

    again = _bench(root, name, db)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert f"{TOTAL} already in" in out and "0 completed" in out


def test_ctrl_c_commits_finished_runs_and_exits_130(study):
    root, name = study
    db = root / "results.sqlite"
    proc = _bench(root, name, db)
    _wait_for_rows(proc, db)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    committed = _count(db)
    assert 0 < committed < TOTAL
    if sys.platform.startswith("linux"):
        assert _wait_group_gone(proc.pid) == [], "pool workers outlived the interrupted sweep"


def test_list_prints_envs_agents_experiments(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for expected in ("rlsuite/MultiArmedBandit-v1", "UCB1", "RobustUCB", "heavy_tail_mab"):
        assert expected in out


def test_bad_arguments_exit_2_with_a_message(tmp_path, capsys):
    db = str(tmp_path / "r.sqlite")
    assert main(["bench", "--suite", "no_such_study", "--db", db]) == 2
    assert "no_such_study" in capsys.readouterr().err
    assert main(["report", "--db", str(tmp_path / "missing.sqlite")]) == 2
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "--suite", "quick", "--backend", "dask"])


def test_collect_subcommand_is_registered():
    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    assert {"list", "bench", "report", "collect"} <= set(subcommands)


def test_collect_without_the_offline_module_names_the_extra(monkeypatch, capsys):
    # sys.modules[name] = None makes `import name` raise ImportError.
    monkeypatch.setitem(sys.modules, "rlsuite.offline_data.cli", None)
    assert main(["collect", "--anything"]) == 2
    assert "rlsuite[offline]" in capsys.readouterr().err
