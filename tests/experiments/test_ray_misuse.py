"""``--backend ray --ray-address`` misuse: one line, exit 2, no database and no report left behind.

Both front ends (``rlsuite bench`` and ``python -m rlsuite.experiments NAME``)
go through ``runner.run_sweep``, which joins Ray before it opens the store.
The first test uses the real ``ray.init`` (no cluster runs in the test
environment), the others need no Ray at all.
"""

from __future__ import annotations

import os

import pytest

from rlsuite.experiments import frontend
from rlsuite.experiments.cli import main as rlsuite_main


def _one_line_exit_2(capsys, code: int, *expected: str) -> str:
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for text in expected:
        assert text in err, err
    return err


@pytest.fixture
def no_cluster(monkeypatch):
    ray = pytest.importorskip("ray")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    if ray.is_initialized():
        pytest.skip("a Ray instance is already running in this process")
    return ray


def test_real_ray_without_a_cluster_leaves_no_file(tmp_path, capsys, no_cluster, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the front end's default report folder is relative
    db, out = tmp_path / "r.sqlite", tmp_path / "rep"
    code = rlsuite_main(
        ["bench", "--suite", "heavy_tail_mab", "--sweep", "smoke", "--db", str(db)]
        + ["--backend", "ray", "--ray-address", "auto", "--no-progress"]
    )
    _one_line_exit_2(capsys, code, "--ray-address 'auto'", "ray start --head")
    code = frontend.main(
        ["heavy_tail_mab", "--sweep", "smoke", "--db", str(db), "--out", str(out)]
        + ["--backend", "ray", "--ray-address", "auto", "--no-progress"]
    )
    _one_line_exit_2(capsys, code, "heavy_tail_mab: error: --ray-address 'auto'", "ray start")
    assert not no_cluster.is_initialized()
    assert os.listdir(tmp_path) == []  # no .sqlite, -wal, -shm or report folder


@pytest.mark.parametrize("front", ["bench", "study"])
def test_ray_address_without_the_ray_backend_is_refused_before_any_file(tmp_path, capsys, front):
    db = tmp_path / "r.sqlite"
    if front == "bench":
        argv = ["bench", "--suite", "heavy_tail_mab", "--sweep", "smoke", "--db", str(db)]
        code = rlsuite_main([*argv, "--ray-address", "auto", "--no-progress"])
    else:
        argv = ["heavy_tail_mab", "--sweep", "smoke", "--db", str(db), "--out", str(tmp_path)]
        code = frontend.main([*argv, "--ray-address", "auto", "--no-progress"])
    _one_line_exit_2(capsys, code, "--ray-address 'auto' needs --backend ray")
    assert os.listdir(tmp_path) == []


def test_the_study_front_end_documents_ray_address(capsys):
    with pytest.raises(SystemExit):
        frontend.main(["heavy_tail_mab", "--help"])
    out = capsys.readouterr().out
    assert "--ray-address" in out and "(default: None)" in out
