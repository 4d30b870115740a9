import importlib.util
import re
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
    expected = {f"runs_{name}", "curves", "scores", "summary"}
    for stem in expected:
        assert (out / f"{stem}.csv").exists() and (out / f"{stem}.parquet").exists()
    assert (out / "summary.png") in paths and (out / "summary.md") in paths
    for png in [out / "summary.png", out / name / "main" / "scores.png"]:
        image = matplotlib.image.imread(png)
        assert image.shape[0] > 100 and image.shape[1] > 100
        assert image[..., :3].std() > 0.01  # not a blank canvas
    assert (out / name / "main" / "tiny_regret.png").exists()  # the study's own plot
    assert not list(out.rglob(".*"))  # no temporary files left behind
    assert {oct(p.stat().st_mode & 0o777) for p in out.rglob("*") if p.is_file()} == {"0o644"}


def test_exports_round_trip(report):
    name, out, _ = report
    runs = pd.read_parquet(out / f"runs_{name}.parquet")
    assert len(runs) == 2 * 2 * 12
    pd.testing.assert_frame_equal(
        runs.reset_index(drop=True), pd.read_csv(out / f"runs_{name}.csv"), check_dtype=False
    )
    # ISO 8601 timestamps, and only this study's metrics as columns.
    assert pd.to_datetime(runs["finished_at"]).notna().all()
    assert {"regret", "draw", "greedy_only"} <= set(runs.columns)
    curves = pd.read_parquet(out / "curves.parquet")
    assert len(curves) == len(runs) * 200


def test_summary_ranks_agents_with_iqm_intervals(report):
    name, out, _ = report
    summary = pd.read_csv(out / "summary.csv")
    summary = summary[summary.metric == "score"].set_index("agent")
    assert set(summary["sweep"]) == {"main"}
    assert set(summary.index) == {"greedy", "uniform"}
    assert (summary["n_seeds"] == 12).all()
    assert ((summary.ci_low <= summary.iqm_score) & (summary.iqm_score <= summary.ci_high)).all()
    # greedy errs with p=0.1, uniform with p=0.5: scores ~0.9 vs ~0.5 (s.e. ~0.02
    # per seed over 2x200 rounds), so the intervals cannot overlap.
    assert summary.loc["greedy", "ci_low"] > summary.loc["uniform", "ci_high"]
    assert summary.loc["greedy", "iqm_score"] == pytest.approx(0.9, abs=0.05)
    markdown = (out / "summary.md").read_text()
    assert f"## {name} [main]" in markdown
    assert "**Score.** 1 - regret / (n * gap)" in markdown
    assert re.search(r"\| greedy \| 0\.\d{3} \| \[0\.\d{3}, 0\.\d{3}\] \| 12 \|", markdown)
    assert "![summary](summary.png)" in markdown


def _report_tiny_study(tmp_path, monkeypatch, sweeps=("main",), **study):
    """Write a tiny study, run ``sweeps`` into one database, report it: ``(name, summary)``."""
    monkeypatch.syspath_prepend(str(tmp_path))
    name = f"tiny_{uuid.uuid4().hex[:8]}"
    tiny.write_tiny_study(tmp_path, name, **study)
    db = tmp_path / "results.sqlite"
    for sweep in sweeps:
        run_sweep(name, db, sweep=sweep, workers=1, progress=False)
    write_report(db, tmp_path / "out")
    return name, pd.read_csv(tmp_path / "out" / "summary.csv")


def test_fewer_than_three_seeds_give_points_and_the_words_1_seed(tmp_path, monkeypatch):
    _, summary = _report_tiny_study(tmp_path, monkeypatch, settings=1, seeds=1, n=50)
    assert (summary["n_seeds"] == 1).all()
    assert summary["ci_low"].isna().all() and summary["ci_high"].isna().all()
    assert "1 seed, no interval" in (tmp_path / "out" / "summary.md").read_text()


def test_two_sweeps_in_one_database_are_reported_apart(tmp_path, monkeypatch):
    name, summary = _report_tiny_study(
        tmp_path, monkeypatch, ("main", "quick"), settings=2, seeds=3, n=40
    )
    scores = summary[summary.metric == "score"]
    assert sorted(set(scores["sweep"])) == ["main", "quick"]
    assert set(scores.loc[scores.sweep == "main", "n_seeds"]) == {3}
    assert set(scores.loc[scores.sweep == "quick", "n_seeds"]) == {2}
    markdown = (tmp_path / "out" / "summary.md").read_text()
    assert f"## {name} [main]" in markdown and f"## {name} [quick]" in markdown


def test_pivot_tables_keep_their_row_labels_and_plain_tables_lose_their_index():
    import pandas as pd

    from rlsuite.experiments.report import _labelled

    runs = pd.DataFrame(
        {"agent": ["a", "a", "b", "b"], "noise": ["x", "y", "x", "y"], "regret": [1, 2, 3, 4]}
    )
    pivot = runs.pivot_table(index="agent", columns=["noise"], values=["regret"])
    labelled = _labelled(pivot)
    assert list(labelled["agent"]) == ["a", "b"]
    assert list(labelled.columns) == ["agent", "regret x", "regret y"]
    filtered = runs[runs["regret"] > 1]  # index 1, 2, 3, unnamed
    assert list(_labelled(filtered).columns) == ["agent", "noise", "regret"]
