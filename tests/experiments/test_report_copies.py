"""Independent copies inside one run: ``n_copies`` + ``copy:<metric>`` curves give replicates.

A vector-env study that puts 10 independent copies in one run of one seed
must get an interval from 10 replicates, not "1 seed, no interval"; a run
that breaks the copy contract is a failed run with a message, not a silent
mis-count.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments import plotting
from rlsuite.experiments.base import RunResult, check_copies
from rlsuite.experiments.report import expand_copies, print_study, write_report
from rlsuite.experiments.runner import run_sweep
from rlsuite.experiments.store import ResultsStore

SWEEP = """
SWEEPS = {{
    "main": {{"settings": [{{"copies": {copies}, "p": 0.1}}, {{"copies": {copies}, "p": 0.3}}],
             "agents": ["a", "b"], "seeds": {seeds}}},
}}
"""

RUN = """
import numpy as np
from rlsuite.experiments.base import RunResult

PER_COPY = {per_copy}


def run(params, agent, seed):
    # Each copy has its own RNG stream: independent Bernoulli(p) error rates over 100 rounds.
    copies = params["copies"]
    p = params["p"] if agent == "a" else 2 * params["p"]
    rngs = [np.random.default_rng([seed, c, int(1000 * p)]) for c in range(copies)]
    errors = np.array([rng.binomial(100, p) / 100 for rng in rngs])
    metrics = {"error": float(errors.mean()), "n_copies": float(copies)}
    if not PER_COPY:
        return RunResult(metrics=metrics)
    curves = {"copy:error": errors}
    return RunResult(metrics=metrics, curves=curves, curve_steps={"copy:error": np.arange(copies)})
"""

ANALYSIS = """
import pandas as pd

SCORE = "1 - mean error over settings; higher is better, 0 = always wrong, 1 = never."


def score(df):
    return df.assign(score=1 - df["error"]).groupby("agent", as_index=False)["score"].mean()
"""


def _study(root: Path, copies: int, seeds: int, per_copy: bool = True) -> str:
    name = f"copies_{uuid.uuid4().hex[:8]}"
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "sweep.py").write_text(SWEEP.format(copies=copies, seeds=seeds))
    run = RUN.replace("{per_copy}", str(per_copy))
    (package / "run.py").write_text(run)
    (package / "analysis.py").write_text(ANALYSIS)
    return name


@pytest.fixture
def studies(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("copies_")]:
        del sys.modules[name]


def test_one_seed_of_ten_copies_gets_an_interval_from_ten_replicates(studies, capsys):
    name = _study(studies, copies=10, seeds=1)
    db = studies / "r.sqlite"
    summary = run_sweep(name, db, workers=1, progress=False)
    assert summary.failed == 0
    write_report(db, studies / "out")
    table = pd.read_csv(studies / "out" / "summary.csv").set_index("agent")
    assert (table["n_seeds"] == 1).all() and (table["n_replicates"] == 10).all()
    assert table[["ci_low", "ci_high"]].notna().all().all()
    # a errs with p = 0.1/0.3 (score ~0.8), b with 0.2/0.6 (~0.6): per-copy s.e. ~0.03.
    assert table.loc["a", "ci_low"] > table.loc["b", "ci_high"]
    assert table.loc["a", "iqm_score"] == pytest.approx(0.8, abs=0.05)
    scores = pd.read_csv(studies / "out" / "scores.csv")
    assert sorted(scores["copy"].unique()) == list(range(10))
    markdown = (studies / "out" / "summary.md").read_text()
    assert "| 1 | 10 |" in markdown  # seeds, replicates columns
    print_study(db, name, "main")
    assert "10" in capsys.readouterr().out


def test_replicate_score_is_the_score_of_that_copy_across_settings(studies):
    name = _study(studies, copies=4, seeds=2)
    db = studies / "r.sqlite"
    run_sweep(name, db, workers=1, progress=False)
    with ResultsStore(db, read_only=True) as store:
        runs, curves = store.runs(name, "main"), store.curves(name, "main", prefix="copy:")
    assert set(curves["curve"]) == {"copy:error"}
    rows = expand_copies(runs, curves)
    assert len(rows) == len(runs) * 4 and (rows["n_copies"] == 1).all()
    # The copies' mean is the run's recorded mean.
    means = rows.groupby(["setting", "agent", "seed"])["error"].mean()
    np.testing.assert_allclose(
        means.to_numpy(), runs.set_index(["setting", "agent", "seed"])["error"].loc[means.index]
    )
    write_report(db, studies / "out")
    scores = pd.read_csv(studies / "out" / "scores.csv")
    a = scores[(scores.agent == "a") & (scores.seed == 1) & (scores["copy"] == 2)]["score"].item()
    copy_rows = rows[(rows.agent == "a") & (rows.seed == 1) & (rows["copy"] == 2)]
    assert a == pytest.approx(1 - copy_rows["error"].mean())
    table = pd.read_csv(studies / "out" / "summary.csv")
    assert (table["n_seeds"] == 2).all() and (table["n_replicates"] == 8).all()


def test_copies_without_per_copy_values_stay_one_replicate_per_seed(studies):
    name = _study(studies, copies=10, seeds=1, per_copy=False)
    db = studies / "r.sqlite"
    run_sweep(name, db, workers=1, progress=False)
    write_report(db, studies / "out")
    table = pd.read_csv(studies / "out" / "summary.csv")
    assert (table["n_replicates"] == 1).all() and table["ci_low"].isna().all()
    assert "1 seed, no interval" in (studies / "out" / "summary.md").read_text()


@pytest.mark.parametrize(
    ("metrics", "curves", "match"),
    [
        ({"e": 1.0, "n_copies": 0.0}, {}, "integer >= 1"),
        ({"e": 1.0, "n_copies": 2.5}, {}, "integer >= 1"),
        ({"e": 1.0, "n_copies": float("nan")}, {}, "integer >= 1"),
        ({"e": 1.0, "n_copies": 3.0}, {"copy:e": np.zeros(2)}, "has 2 values but n_copies=3"),
        ({"e": 1.0, "n_copies": 2.0}, {"copy:x": np.zeros(2)}, "not a metric"),
        ({"e": 1.0}, {"copy:e": np.zeros(2)}, "no 'n_copies' metric"),
    ],
)
def test_a_broken_copy_contract_is_refused_with_the_reason(metrics, curves, match):
    with pytest.raises(ValueError, match=match):
        check_copies(("s", "x", "a", 0), RunResult(metrics=metrics, curves=curves))


def test_a_run_breaking_the_copy_contract_fails_with_its_message(studies):
    name = _study(studies, copies=3, seeds=1)
    run = (studies / name / "run.py").read_text()
    (studies / name / "run.py").write_text(
        run.replace('"n_copies": float(copies)', '"n_copies": 2.0')
    )
    summary = run_sweep(name, studies / "r.sqlite", workers=1, progress=False)
    assert summary.failed == 4 and summary.completed == 0
    assert "has 3 values but n_copies=2" in summary.errors[0][1]


def test_replicates_label():
    assert plotting.replicates_label(5) == "5 seeds"
    assert plotting.replicates_label(1, 10) == "1 seed x 10 copies"
    assert plotting.replicates_label(2, 15) == "2 seeds, 15 copies"
