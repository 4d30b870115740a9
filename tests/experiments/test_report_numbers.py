"""Whole-number parameters print as integers in the report's tables (``1000``, not ``1000.0``).

Two causes: an integer parameter that some settings lack became a float column
in the store's frame (NaN), and a whole-number float parameter (``R = 10.0``,
or a study's ``astype(float)``) printed its ``.0`` in pivot labels and cells.
Stored values are not changed.
"""

import json
import re
import sqlite3
import uuid

import numpy as np
import pandas as pd

from rlsuite.experiments.base import RunResult
from rlsuite.experiments.report import (
    _labelled,
    _markdown_table,
    _metric_means,
    print_study,
    write_report,
)
from rlsuite.experiments.runner import run_sweep
from rlsuite.experiments.store import ResultsStore, RunRecord

SWEEP = """
SETTINGS = (
    {"R": 10.0, "horizon": 100, "budget": 400},
    {"R": 1000.0, "horizon": 100},
    {"R": 1000.0, "horizon": 2000, "budget": None},
)
SWEEPS = {"main": {"settings": SETTINGS, "agents": ("a", "b"), "seeds": 3}}
"""

RUN = """
from rlsuite.experiments.base import RunResult


def run(params, agent, seed):
    regret = params["R"] * (1.0 if agent == "a" else 2.0) + seed
    return RunResult(metrics={"regret": regret}, curves={})
"""

ANALYSIS = """
SCORE = "a test score: 1 / (1 + regret); 1 = no regret."


def score(df):
    scores = df.assign(score=1.0 / (1.0 + df["regret"]))
    return scores.groupby("agent", as_index=False)["score"].mean()


def tables(df):
    pivot = df.assign(R=df["R"].astype(float)).pivot_table(
        index="agent", columns=["horizon", "R"], values="regret", aggfunc="mean"
    )
    return {"regret per (horizon, R)": pivot, "budgets": df[["agent", "R", "budget"]]}
"""

_FLOAT_WHOLE = re.compile(r"\b(10|100|400|1000|2000)\.0\b|1e\+03|2e\+03")


def _write_study(root, monkeypatch) -> str:
    monkeypatch.syspath_prepend(str(root))
    name = f"numbers_{uuid.uuid4().hex[:8]}"
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "sweep.py").write_text(SWEEP)
    (package / "run.py").write_text(RUN)
    (package / "analysis.py").write_text(ANALYSIS)
    return name


def test_an_integer_parameter_some_settings_lack_stays_integer(tmp_path):
    db = tmp_path / "r.sqlite"
    params = [{"R": 10.0, "budget": 400}, {"R": 1000.0}, {"R": 2.5, "budget": None}]
    with ResultsStore(db) as store:
        store.write(
            RunRecord(("e", f"e/main/{i}", "a", 0), p, RunResult({"m": 1.0}, {}), 0.0)
            for i, p in enumerate(params)
        )
    with ResultsStore(db, read_only=True) as store:
        runs = store.runs()
    assert str(runs["budget"].dtype) == "Int64"
    assert runs["budget"].tolist()[0] == 400 and runs["budget"].isna().tolist() == [
        False,
        True,
        True,
    ]
    assert runs["R"].dtype == np.float64  # floats stay floats
    with sqlite3.connect(db) as conn:  # the stored JSON is what the sweep gave
        stored = [
            json.loads(p) for (p,) in conn.execute("SELECT params FROM runs ORDER BY setting")
        ]
    assert stored == params


def test_table_helpers_print_whole_numbers_as_integers():
    frame = pd.DataFrame({"agent": ["a", "b"], "R": [10.0, 1000.0], "regret": [2.5, 1234.0]})
    markdown = _markdown_table(frame)
    assert "| a | 10 | 2.5 |" in markdown and "| b | 1000 | 1234 |" in markdown
    pivot = frame.pivot_table(index="agent", columns=["R"], values="regret")
    assert list(_labelled(pivot).columns) == ["agent", "10", "1000"]
    multi = frame.pivot_table(index="agent", columns=["R"], values=["regret"])
    assert list(_labelled(multi).columns) == ["agent", "regret 10", "regret 1000"]
    assert _markdown_table(pd.DataFrame({"x": [0.125, np.nan, None]})).splitlines()[2:] == [
        "| 0.125 |",
        "|  |",
        "|  |",
    ]


def test_report_tables_and_printed_study_show_integers(tmp_path, monkeypatch, capsys):
    name = _write_study(tmp_path, monkeypatch)
    db = tmp_path / "results.sqlite"
    run_sweep(name, db, workers=1, progress=False)
    write_report(db, tmp_path / "out")
    tables = (tmp_path / "out" / name / "main" / "tables.md").read_text()
    summary = (tmp_path / "out" / "summary.md").read_text()
    print_study(db, name, "main")
    printed = capsys.readouterr().out
    for text in (tables, summary, printed):
        assert not _FLOAT_WHOLE.search(text), text
    assert "| agent | 100 10 | 100 1000 | 2000 1000 |" in tables
    assert "100 10" in printed and "2000 1000" in printed
    runs_csv = (tmp_path / "out" / f"runs_{name}.csv").read_text()
    assert re.search(r",400(,|\n)", runs_csv) and "400.0" not in runs_csv
    with ResultsStore(db, read_only=True) as store:
        means = _metric_means(store.runs(name, "main"), ["regret"])
    assert set(means["horizon"]) == {"100", "2000"} and set(means["budget"]) == {"400", ""}
