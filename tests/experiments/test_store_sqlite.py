import sqlite3

import numpy as np
import pytest

from rlsuite.experiments.base import RunResult
from rlsuite.experiments.store import SCHEMA_VERSION, ResultsStore, RunRecord


def _record(seed, metrics, curve=None, steps=None, setting="s/0"):
    curves = {} if curve is None else {"cumulative_regret": np.asarray(curve, dtype=float)}
    curve_steps = {} if steps is None else {"cumulative_regret": np.asarray(steps)}
    result = RunResult(metrics=metrics, curves=curves, curve_steps=curve_steps)
    return RunRecord(("exp", setting, "UCB1", seed), {"gap": 0.5, "T": 10}, result, 0.01)


def test_metrics_come_back_as_columns_and_params_expand(tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as store:
        store.write([_record(0, {"regret": 1.5})])
        store.write([_record(1, {"regret": 2.5, "new metric": 7.0})])
        runs = store.runs()
        assert store.metric_names() == ["new metric", "regret"]
    assert list(runs["regret"]) == [1.5, 2.5]
    assert np.isnan(runs["new metric"][0]) and runs["new metric"][1] == 7.0
    assert list(runs["gap"]) == [0.5, 0.5] and list(runs["T"]) == [10, 10]
    assert list(runs["seed"]) == [0, 1]


def test_curves_round_trip_in_long_format(tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as store:
        store.write([_record(0, {"r": 1.0}, curve=[0.0, 1.0, 1.5]), _record(1, {"r": 1.0})])
        store.write([_record(2, {"r": 1.0}, curve=[2.0, 4.0], steps=[10, 20])])
        curves = store.curves()
    assert list(curves.columns) == [
        "experiment",
        "setting",
        "agent",
        "seed",
        "curve",
        "step",
        "value",
    ]
    first = curves[curves.seed == 0]
    assert list(first["step"]) == [1, 2, 3] and list(first["value"]) == [0.0, 1.0, 1.5]
    third = curves[curves.seed == 2]
    assert list(third["step"]) == [10, 20] and list(third["value"]) == [2.0, 4.0]


def test_a_bad_record_rolls_back_the_whole_batch(tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as store:
        good = _record(0, {"regret": 1.0}, curve=[1.0, 2.0])
        bad = _record(1, {"other": 1.0}, curve=[1.0, 2.0], steps=[1])
        with pytest.raises(ValueError, match="steps"):
            store.write([good, bad])
        assert store.count() == 0 and store.curves().empty
        assert store.metric_names() == []
        store.write([good])
        assert store.done_keys() == {("exp", "s/0", "UCB1", 0)}


def test_rewriting_a_key_keeps_one_row(tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as store:
        store.write([_record(0, {"regret": 1.0}, curve=[1.0])])
        store.write([_record(0, {"regret": 3.0}, curve=[3.0])])
        assert store.count() == 1
        assert store.runs()["regret"].tolist() == [3.0]
        assert store.curves()["value"].tolist() == [3.0]


def test_wal_mode_schema_version_and_failures(tmp_path):
    path = tmp_path / "r.sqlite"
    with ResultsStore(path) as store:
        store.record_failure(("exp", "s/0", "UCB1", 0), "Traceback: boom")
        assert store.failures()["error"].tolist() == ["Traceback: boom"]
        store.write([_record(0, {"regret": 1.0})])
        assert store.failures().empty  # a success clears the failure
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    conn.execute("UPDATE schema_version SET version = 999")
    conn.commit()
    conn.close()
    with pytest.raises(ValueError, match="schema version 999"):
        ResultsStore(path)
