"""The results database: one SQLite file, one row per run key.

Layout (schema version :data:`SCHEMA_VERSION`):

``schema_version(version)``
    one row; opening a database written by another version raises.
``runs(experiment, setting, agent, seed, params, wall_s, finished_at, "m:<metric>"...)``
    primary key ``(experiment, setting, agent, seed)``; ``params`` is the
    setting's JSON; every metric is its own ``REAL`` column, added the first
    time a metric name appears.
``curves(experiment, setting, agent, seed, curve, steps, "values")``
    one row per curve of a run, the series stored as little-endian float64
    blobs (a 10,000-run sweep stays small); :meth:`ResultsStore.curves`
    returns them in long format.
``failures(experiment, setting, agent, seed, error, failed_at)``
    the last error of a run that raised; cleared when the run later succeeds.

The database runs in WAL mode so ``rlsuite report`` can read while a sweep
writes. A run and its curves are written in one transaction, so a process
killed at any point leaves either the whole run or nothing.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rlsuite.experiments.base import RunResult

__all__ = ["KEY_COLUMNS", "SCHEMA_VERSION", "ResultsStore", "RunRecord"]

SCHEMA_VERSION = 1
KEY_COLUMNS = ("experiment", "setting", "agent", "seed")
_METRIC_PREFIX = "m:"

RunKey = tuple[str, str, str, int]


@dataclass
class RunRecord:
    """A finished run as the runner hands it to the store."""

    key: RunKey
    params: dict[str, Any]
    result: RunResult
    wall_s: float


def _curve_blobs(key: RunKey, result: RunResult) -> list[tuple[str, bytes, bytes]]:
    """``(name, steps, values)`` float64 blobs of every curve of a run."""
    blobs = []
    for curve, series in result.curves.items():
        values = np.asarray(series, dtype="<f8").ravel()
        steps = result.curve_steps.get(curve)
        steps = np.arange(1, values.size + 1) if steps is None else steps
        steps = np.asarray(steps, dtype="<f8").ravel()
        if steps.shape != values.shape:
            raise ValueError(
                f"curve {curve!r} of run {key} has {values.size} values but {steps.size} steps"
            )
        blobs.append((curve, steps.tobytes(), values.tobytes()))
    return blobs


def _quote(identifier: str) -> str:
    """SQL identifier quoting: metric names may hold any character."""
    return '"' + identifier.replace('"', '""') + '"'


class ResultsStore:
    """Read and write a results database.

    Parameters
    ----------
    path : str or pathlib.Path
        The SQLite file; created (with its folder) if absent.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are explicit (BEGIN ... COMMIT).
        self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._create_schema()
        self._metric_columns = self._read_metric_columns()

    # ----------------------------------------------------------------- schema
    def _create_schema(self) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            elif row[0] != SCHEMA_VERSION:
                raise ValueError(
                    f"{self.path} has schema version {row[0]}; this rlsuite reads version "
                    f"{SCHEMA_VERSION}: write to a new --db file"
                )
            key = "experiment TEXT NOT NULL, setting TEXT NOT NULL, agent TEXT NOT NULL, "
            key += "seed INTEGER NOT NULL"
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS runs ({key}, params TEXT NOT NULL, "
                "wall_s REAL, finished_at REAL, PRIMARY KEY (experiment, setting, agent, seed))"
            )
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS curves ({key}, curve TEXT NOT NULL, "
                'steps BLOB NOT NULL, "values" BLOB NOT NULL, '
                "PRIMARY KEY (experiment, setting, agent, seed, curve))"
            )
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS failures ({key}, error TEXT, failed_at REAL, "
                "PRIMARY KEY (experiment, setting, agent, seed))"
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _read_metric_columns(self) -> set[str]:
        columns = [row[1] for row in self._conn.execute("PRAGMA table_info(runs)")]
        return {c for c in columns if c.startswith(_METRIC_PREFIX)}

    def _ensure_metric_columns(self, names: Iterable[str]) -> None:
        for name in names:
            column = _METRIC_PREFIX + name
            if column not in self._metric_columns:
                self._conn.execute(f"ALTER TABLE runs ADD COLUMN {_quote(column)} REAL")
                self._metric_columns.add(column)

    # ------------------------------------------------------------------ write
    def write(self, records: Iterable[RunRecord]) -> int:
        """Store finished runs (each with its curves) in one transaction; return the count."""
        records = list(records)
        if not records:
            return 0
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._ensure_metric_columns({m for r in records for m in r.result.metrics})
            self._insert(records, time.time())
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            # A rolled-back ALTER TABLE takes its columns with it.
            self._metric_columns = self._read_metric_columns()
            raise
        return len(records)

    def _insert(self, records: list[RunRecord], now: float) -> None:
        # Runs reporting the same metric names share one executemany statement.
        by_metrics: dict[tuple[str, ...], list[list[Any]]] = {}
        curve_rows, keys = [], []
        for record in records:
            experiment, setting, agent, seed = record.key
            key = (experiment, setting, agent, int(seed))
            keys.append(key)
            metrics = record.result.metrics
            params = json.dumps(record.params, sort_keys=True)
            row = [*key, params, record.wall_s, now, *(float(v) for v in metrics.values())]
            by_metrics.setdefault(tuple(metrics), []).append(row)
            curve_rows += [(*key, *blobs) for blobs in _curve_blobs(key, record.result)]
        base = ["experiment", "setting", "agent", "seed", "params", "wall_s", "finished_at"]
        for metric_names, rows in by_metrics.items():
            columns = base + [_METRIC_PREFIX + m for m in metric_names]
            names = ", ".join(_quote(c) for c in columns)
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT OR REPLACE INTO runs ({names}) VALUES ({marks})"
            self._conn.executemany(sql, rows)
        self._conn.executemany(
            "INSERT OR REPLACE INTO curves VALUES (?, ?, ?, ?, ?, ?, ?)", curve_rows
        )
        where = "experiment=? AND setting=? AND agent=? AND seed=?"
        self._conn.executemany(f"DELETE FROM failures WHERE {where}", keys)

    def record_failure(self, key: RunKey, error: str) -> None:
        """Remember the error of a run that raised (it is retried on the next sweep)."""
        experiment, setting, agent, seed = key
        self._conn.execute(
            "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?, ?, ?)",
            (experiment, setting, agent, int(seed), error, time.time()),
        )

    # ------------------------------------------------------------------- read
    def done_keys(self) -> set[RunKey]:
        """Keys of every stored run."""
        rows = self._conn.execute("SELECT experiment, setting, agent, seed FROM runs")
        return {(e, s, a, int(seed)) for e, s, a, seed in rows}

    def metric_names(self) -> list[str]:
        """Names of every metric column, sorted."""
        return sorted(c[len(_METRIC_PREFIX) :] for c in self._metric_columns)

    def count(self) -> int:
        """Number of stored runs."""
        return int(self._conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    def runs(self) -> pd.DataFrame:
        """One row per run: key columns, one column per params key and per metric.

        A params key that is also a metric name keeps the metric; the raw
        params JSON stays in ``params``.
        """
        frame = pd.read_sql_query(
            "SELECT * FROM runs ORDER BY experiment, setting, agent, seed", self._conn
        )
        metrics = {
            c: c[len(_METRIC_PREFIX) :] for c in frame.columns if c.startswith(_METRIC_PREFIX)
        }
        frame = frame.rename(columns=metrics)
        params = pd.DataFrame([json.loads(p) for p in frame["params"]], index=frame.index)
        taken = set(frame.columns)
        extra = params[[c for c in params.columns if c not in taken]]
        return pd.concat([frame, extra], axis=1)

    def curves(self) -> pd.DataFrame:
        """Curves in long format: ``experiment, setting, agent, seed, curve, step, value``."""
        rows = self._conn.execute(
            'SELECT experiment, setting, agent, seed, curve, steps, "values" FROM curves '
            "ORDER BY experiment, setting, agent, seed, curve"
        ).fetchall()
        columns = ["experiment", "setting", "agent", "seed", "curve", "step", "value"]
        if not rows:
            return pd.DataFrame(columns=columns)
        # One frame from concatenated arrays: a DataFrame per curve is far slower.
        steps = [np.frombuffer(row[5], dtype="<f8") for row in rows]
        values = [np.frombuffer(row[6], dtype="<f8") for row in rows]
        lengths = np.array([v.size for v in values])
        frame = pd.DataFrame(
            {
                name: np.repeat(np.array([row[i] for row in rows], dtype=object), lengths)
                for i, name in enumerate(columns[:5])
            }
        )
        frame["seed"] = frame["seed"].astype(np.int64)
        frame["step"] = np.concatenate(steps)
        frame["value"] = np.concatenate(values)
        return frame

    def failures(self) -> pd.DataFrame:
        """Runs whose last attempt raised, with the error text."""
        return pd.read_sql_query("SELECT * FROM failures", self._conn)

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite)."""
        self._conn.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
