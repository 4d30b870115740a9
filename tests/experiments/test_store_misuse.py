"""The store and CLI under misuse: each case ends in one line and exit 2, or a correct result."""

import importlib.util
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

from rlsuite.experiments.base import RunResult
from rlsuite.experiments.cli import main
from rlsuite.experiments.store import ResultsStore, RunRecord, StoreError

_spec = importlib.util.spec_from_file_location(
    "tiny_study_helper", Path(__file__).with_name("test_runner_tiny_study.py")
)
tiny = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tiny)


def _record(seed: int) -> RunRecord:
    result = RunResult({"regret": float(seed)}, {"c": np.arange(3.0)})
    return RunRecord(("exp", "exp/main/abc", "UCB1", seed), {"gap": 0.5}, result, 0.01)


def _good_db(path: Path, runs: int = 50) -> Path:
    with ResultsStore(path) as store:
        store.write([_record(seed) for seed in range(runs)])
    return path


def _one_line_exit_2(capsys, argv: list[str], *expected: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for text in expected:
        assert text in err, err
    return err


def _random_file(path: Path) -> Path:
    path.write_bytes(np.random.default_rng(0).bytes(8192))
    return path


def _truncated_db(path: Path) -> Path:
    data = _good_db(path).read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def _damaged_db(path: Path) -> Path:
    _good_db(path, runs=2000)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    # Overwrite every page after the first two (the schema survives, the data does not).
    page = 4096
    rng = np.random.default_rng(1)
    for start in range(2 * page, len(data), page):
        data[start + 8 : start + page] = rng.bytes(page - 8)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    "make, expected",
    [
        (_random_file, "not an SQLite database"),
        (lambda p: p.write_bytes(b"") or p, "zero-length"),
        (lambda p: p.mkdir() or p, "is a directory"),
        (_truncated_db, "--db"),
        (_damaged_db, "damaged"),
    ],
    ids=["random", "zero-length", "directory", "truncated", "page-damaged"],
)
@pytest.mark.parametrize("command", ["bench", "report"])
def test_unusable_files_give_one_line_and_exit_2(tmp_path, capsys, make, expected, command):
    db = make(tmp_path / "bad.sqlite")
    before = None if db.is_dir() else db.read_bytes()
    if command == "bench":
        argv = ["bench", "--suite", "sgb_any_stepsize", "--sweep", "smoke", "--db", str(db)]
        argv += ["--workers", "1", "--no-progress"]
    else:
        argv = ["report", "--db", str(db), "--out", str(tmp_path / "out")]
    _one_line_exit_2(capsys, argv, expected)
    assert before is None or db.read_bytes() == before
    assert not (tmp_path / "out").exists()


def test_foreign_sqlite_file_is_refused_and_never_modified(tmp_path, capsys):
    db = tmp_path / "contacts.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("create table contacts(n)")
        conn.execute("insert into contacts values ('ada')")
    before = db.read_bytes()
    argv = ["bench", "--suite", "sgb_any_stepsize", "--sweep", "smoke", "--db", str(db)]
    _one_line_exit_2(capsys, argv + ["--workers", "1"], "not an rlsuite", "contacts")
    _one_line_exit_2(capsys, ["report", "--db", str(db)], "not an rlsuite")
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contacts.sqlite"]


def test_older_layout_without_schema_version_is_refused(tmp_path, capsys):
    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("create table runs(experiment, setting, agent, seed, params)")
    before = db.read_bytes()
    _one_line_exit_2(capsys, ["report", "--db", str(db)], "older rlsuite database")
    with pytest.raises(StoreError, match="older rlsuite database"):
        ResultsStore(db)
    assert db.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write read-only files")
def test_read_only_database_can_be_reported_but_not_benched(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = _good_db(folder / "r.sqlite", runs=5)
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        with ResultsStore(db, read_only=True) as store:
            assert store.count() == 5
        argv = ["bench", "--suite", "sgb_any_stepsize", "--sweep", "smoke", "--db", str(db)]
        _one_line_exit_2(capsys, argv + ["--workers", "1"], "read-only")
    finally:
        folder.chmod(0o755)


def test_bad_arguments_create_nothing(tmp_path, capsys):
    db = tmp_path / "new.sqlite"
    _one_line_exit_2(
        capsys, ["bench", "--suite", "quik", "--db", str(db)], "quik", "['quick', 'full']"
    )
    with pytest.raises(SystemExit) as stop:
        main(["bench", "--suite", "quick", "--workers", "0", "--db", str(db)])
    assert stop.value.code == 2
    assert "--workers" in capsys.readouterr().err
    _one_line_exit_2(
        capsys, ["bench", "--suite", "quick", "--sweep", "nope", "--db", str(db)], "nope"
    )
    assert list(tmp_path.iterdir()) == []


def test_empty_database_report_says_so_and_exits_1(tmp_path, capsys):
    db = tmp_path / "empty.sqlite"
    ResultsStore(db).close()
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "out")]) == 1
    assert "holds no runs" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_two_concurrent_benches_on_one_database_both_finish(tmp_path):
    root = tmp_path / "studies"
    root.mkdir()
    name = tiny.write_tiny_study(root, f"tiny_{uuid.uuid4().hex[:8]}", settings=20, seeds=10)
    db = tmp_path / "shared.sqlite"
    env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "rlsuite.experiments.cli", "bench", "--suite", name]
    cmd += ["--db", str(db), "--workers", "1", "--no-progress"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)]
    procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    runs, keys, metrics = tiny.run_counts(db, "metrics")
    assert runs == keys == 20 * 2 * 10
    # regret and draw for every run, greedy_only for the greedy half: one row each.
    assert metrics == runs * 2 + runs // 2


def test_version_and_help_texts(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("rlsuite ")
    for sub in ("bench", "report"):
        with pytest.raises(SystemExit):
            main([sub, "--help"])
        out = capsys.readouterr().out
        assert "(default: results.sqlite)" in out
        assert out.count("(default:") >= 2


def test_ray_without_a_cluster_is_one_line(tmp_path, capsys, monkeypatch):
    pytest.importorskip("ray")
    import ray

    def refuse(*args, **kwargs):
        raise ConnectionError("Could not find any running Ray instance.")

    monkeypatch.setattr(ray, "init", refuse)
    argv = ["bench", "--suite", "sgb_any_stepsize", "--sweep", "smoke", "--db"]
    argv += [str(tmp_path / "r.sqlite"), "--backend", "ray", "--ray-address", "auto"]
    _one_line_exit_2(capsys, argv + ["--no-progress"], "ray start --head")
    assert list(tmp_path.iterdir()) == []  # no database file either
