import importlib.util
import sys
import uuid
from pathlib import Path

import matplotlib.image
import pandas as pd
import pytest

from rlsuite.experiments.report import write_report
from rlsuite.experiments.runner import run_sweep
from rlsuite.experiments.store import ResultsStore

_spec = importlib.util.spec_from_file_location(
    "tiny_study_helper", Path(__file__).with_name("test_runner_tiny_study.py")
)
tiny = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tiny)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("studies")
    sys.path.insert(0, str(root))
    try:
        name = f"tiny_{uuid.uuid4().hex[:8]}"
        tiny.write_tiny_study(root, name, settings=2, seeds=12, n=200)
        db = root / "results.sqlite"
        with ResultsStore(db) as store:
            run_sweep(name, store, workers=1, progress=False)
        out = root / "report"
        paths = write_report(db, out)
    finally:
        sys.path.remove(str(root))
    return name, out, paths


def test_every_file_is_written_and_pngs_render(report):
    name, out, paths = report
    expected = {"runs", "curves", "scores", "summary"}
    for stem in expected:
        assert (out / f"{stem}.csv").exists() and (out / f"{stem}.parquet").exists()
    assert (out / "summary.png") in paths and (out / "summary.md") in paths
    for png in [out / "summary.png", out / name / "scores.png", out / name / "regret_curves.png"]:
        image = matplotlib.image.imread(png)
        assert image.shape[0] > 100 and image.shape[1] > 100
        assert image[..., :3].std() > 0.01  # not a blank canvas
    assert (out / name / "tiny_regret.png").exists()  # the study's own plot
    assert not list(out.rglob(".*"))  # no temporary files left behind


def test_exports_round_trip(report):
    _, out, _ = report
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 * 2 * 12
    pd.testing.assert_frame_equal(
        runs.reset_index(drop=True), pd.read_csv(out / "runs.csv"), check_dtype=False
    )
    curves = pd.read_parquet(out / "curves.parquet")
    assert len(curves) == len(runs) * 200


def test_summary_ranks_agents_with_iqm_intervals(report):
    name, out, _ = report
    summary = pd.read_csv(out / "summary.csv").set_index("agent")
    assert set(summary.index) == {"greedy", "uniform"}
    assert (summary["n_seeds"] == 12).all()
    assert ((summary.ci_low <= summary.iqm_score) & (summary.iqm_score <= summary.ci_high)).all()
    # greedy errs with p=0.1, uniform with p=0.5: scores ~0.9 vs ~0.5 (s.e. ~0.02
    # per seed over 2x200 rounds), so the intervals cannot overlap.
    assert summary.loc["greedy", "ci_low"] > summary.loc["uniform", "ci_high"]
    assert summary.loc["greedy", "iqm_score"] == pytest.approx(0.9, abs=0.05)
    markdown = (out / "summary.md").read_text()
    assert f"| {name} | greedy | 12 |" in markdown
    assert "![summary](summary.png)" in markdown
