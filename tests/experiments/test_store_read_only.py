"""A read-only store (``rlsuite report``) leaves the database folder as it found it.

SQLite opens a WAL database read-only by creating its ``-wal`` and ``-shm``
files, and a read-only connection cannot delete them on close; the store
removes the ones it made unless a writer still uses them, and still reads what
a concurrent writer commits.
"""

import importlib.util
import os
import uuid
from pathlib import Path

import numpy as np

from rlsuite.experiments.base import RunResult
from rlsuite.experiments.cli import main
from rlsuite.experiments.runner import run_sweep
from rlsuite.experiments.store import ResultsStore, RunRecord

_spec = importlib.util.spec_from_file_location(
    "tiny_study_helper", Path(__file__).with_name("test_runner_tiny_study.py")
)
tiny = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tiny)


def _record(seed: int) -> RunRecord:
    result = RunResult({"regret": float(seed)}, {"c": np.arange(3.0)})
    return RunRecord(("exp", "exp/main/abc", "UCB1", seed), {"gap": 0.5}, result, 0.01)


def _folder_state(folder: Path, db: Path) -> tuple[list[str], bytes, int]:
    return sorted(p.name for p in folder.iterdir()), db.read_bytes(), db.stat().st_mtime_ns


def test_read_only_store_creates_no_side_files_and_changes_nothing(tmp_path):
    db = tmp_path / "r.sqlite"
    with ResultsStore(db) as store:
        store.write([_record(seed) for seed in range(4)])
    before = _folder_state(tmp_path, db)
    assert before[0] == ["r.sqlite"]
    with ResultsStore(db, read_only=True) as store:
        assert store.count() == 4 and len(store.runs()) == 4 and len(store.curves()) == 12
    assert _folder_state(tmp_path, db) == before


def test_report_leaves_the_database_folder_as_it_found_it(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    name = f"tiny_{uuid.uuid4().hex[:8]}"
    tiny.write_tiny_study(tmp_path, name, settings=2, seeds=3, n=20)
    folder = tmp_path / "db"
    db = folder / "results.sqlite"
    run_sweep(name, db, workers=1, progress=False)
    before = _folder_state(folder, db)
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "summary.md").exists()
    assert _folder_state(folder, db) == before


def test_report_during_a_sweep_reads_committed_runs_and_keeps_the_writers_files(tmp_path):
    db = tmp_path / "r.sqlite"
    ResultsStore(db).close()
    writer = ResultsStore(db)
    try:
        writer.write([_record(seed) for seed in range(3)])
        reader = ResultsStore(db, read_only=True)
        assert reader.count() == 3
        writer.write([_record(seed) for seed in range(3, 5)])
        assert reader.count() == 5  # a WAL reader, not a frozen (immutable) copy
        reader.close()
        # The writer's -wal / -shm are left to it, and it keeps writing.
        assert {"r.sqlite-wal", "r.sqlite-shm"} <= set(os.listdir(tmp_path))
        writer.write([_record(5)])
    finally:
        writer.close()
    assert sorted(os.listdir(tmp_path)) == ["r.sqlite"]  # the last writer removes them
    with ResultsStore(db, read_only=True) as store:
        assert store.count() == 6


def test_a_writer_that_starts_during_the_report_is_seen_and_loses_nothing(tmp_path):
    db = tmp_path / "r.sqlite"
    with ResultsStore(db) as store:
        store.write([_record(0)])
    reader = ResultsStore(db, read_only=True)  # no side files existed: it made them
    try:
        assert reader.count() == 1
        with ResultsStore(db) as writer:
            writer.write([_record(1), _record(2)])
            assert reader.count() == 3
        # The writer could not remove the files while the reader was open.
        assert reader.count() == 3
    finally:
        reader.close()
    # The reader's close checkpoints the writer's frames and removes the files.
    assert sorted(os.listdir(tmp_path)) == ["r.sqlite"]
    with ResultsStore(db, read_only=True) as store:
        assert store.count() == 3
    assert sorted(os.listdir(tmp_path)) == ["r.sqlite"]


def test_side_files_that_existed_before_are_left_alone(tmp_path):
    db = tmp_path / "r.sqlite"
    with ResultsStore(db) as store:
        store.write([_record(0)])
    with ResultsStore(db) as writer:  # a live writer holds its -wal / -shm
        writer.write([_record(1)])
        files = sorted(os.listdir(tmp_path))
        with ResultsStore(db, read_only=True) as store:
            assert store.count() == 2
        assert sorted(os.listdir(tmp_path)) == files
        writer.write([_record(2)])
    with ResultsStore(db, read_only=True) as store:
        assert store.count() == 3
