"""The results database: one SQLite file, one row per run key.

Layout (schema version :data:`SCHEMA_VERSION`):

``schema_version(version)``
    one row; a database of another version is refused.
``runs(experiment, setting, agent, seed, sweep, params, wall_s, finished_at)``
    primary key ``(experiment, setting, agent, seed)``; ``params`` is the
    setting's canonical JSON, ``finished_at`` ISO 8601 in UTC.
``metrics(experiment, setting, agent, seed, metric, value)``
    one row per run and metric (long format): new metric names need no
    ``ALTER TABLE``, so concurrent writers cannot race on the schema.
``curves(experiment, setting, agent, seed, curve, steps, "values")``
    one row per curve of a run, the series as little-endian float64 blobs.
``failures(experiment, setting, agent, seed, error, failed_at)``
    the last error of a run that raised; cleared when the run later succeeds.

The database runs in WAL mode so ``rlsuite report`` can read while a sweep
writes (a read-only store leaves the folder as it found it: see
:meth:`ResultsStore.close`); writers take ``BEGIN IMMEDIATE`` with a 60 s busy timeout, so two
sweeps on one file both finish. A run, its metrics and curves are written in
one transaction. Files that are not this layout (damaged, zero-length,
foreign, older, a directory, read-only for writing) raise :class:`StoreError`
with a one-line message and are never modified.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rlsuite.experiments.base import RunResult, canonical_params, curve_blobs, sweep_of

# pandas only where frames are built: the runner's writer side (and every
# pool worker importing a script that imports this module) does without it.
if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KEY_COLUMNS", "SCHEMA_VERSION", "ResultsStore", "RunRecord", "StoreError"]

SCHEMA_VERSION = 2
KEY_COLUMNS = ("experiment", "setting", "agent", "seed")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_TABLES = {"schema_version", "runs", "metrics", "curves", "failures"}

RunKey = tuple[str, str, str, int]


class StoreError(ValueError):
    """A results database that cannot be used, with a one-line reason."""


@dataclass
class RunRecord:
    """A finished run as the runner hands it to the store."""

    key: RunKey
    params: dict[str, Any]
    result: RunResult
    wall_s: float
    #: ``curve_blobs(key, result)``, when a worker already computed them.
    blobs: list[tuple[str, bytes, bytes]] | None = None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


_KEY_SQL = "experiment TEXT NOT NULL, setting TEXT NOT NULL, agent TEXT NOT NULL, "
_KEY_SQL += "seed INTEGER NOT NULL"
_SCHEMA = (
    f"CREATE TABLE runs ({_KEY_SQL}, sweep TEXT NOT NULL, params TEXT NOT NULL, wall_s REAL, "
    "finished_at TEXT, PRIMARY KEY (experiment, setting, agent, seed))",
    f"CREATE TABLE metrics ({_KEY_SQL}, metric TEXT NOT NULL, value REAL, "
    "PRIMARY KEY (experiment, setting, agent, seed, metric))",
    f"CREATE TABLE curves ({_KEY_SQL}, curve TEXT NOT NULL, steps BLOB NOT NULL, "
    '"values" BLOB NOT NULL, PRIMARY KEY (experiment, setting, agent, seed, curve))',
    f"CREATE TABLE failures ({_KEY_SQL}, error TEXT, failed_at TEXT, "
    "PRIMARY KEY (experiment, setting, agent, seed))",
)


def _params_frame(records: list[dict[str, Any]], index: pd.Index) -> pd.DataFrame:
    """One column per params key, each of the type the sweep stored.

    An integer parameter that some settings lack (or set to ``null``) would
    become a float column (``1000.0``) in a plain frame; it is a nullable
    integer column (``Int64``) instead. Floats stay floats, and the stored
    JSON is untouched.
    """
    import pandas as pd

    params = pd.DataFrame(records, index=index)
    for column in params.columns:
        if params[column].dtype.kind != "f" or not params[column].isna().any():
            continue
        present = [r[column] for r in records if r.get(column) is not None]
        if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            params[column] = pd.array([r.get(column) for r in records], dtype="Int64")
    return params


class ResultsStore:
    """Read and write a results database.

    Parameters
    ----------
    path : str or pathlib.Path
        The SQLite file; created (with its folder) if absent, unless
        ``read_only``.
    read_only : bool
        Open for reading only (``rlsuite report``): nothing is created or
        written, and a read-only file works.

    Raises
    ------
    StoreError
        The path is a directory, a zero-length, damaged or non-SQLite file,
        a foreign SQLite database, an older or newer rlsuite layout, missing
        (read-only), or not writable (read-write).
    """

    def __init__(self, path: str | os.PathLike[str], read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._sidecars_before: set[Path] = set()
        self._conn = self._open()
        try:
            self._check_layout()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ open
    def _fail(self, reason: str) -> StoreError:
        return StoreError(f"--db {str(self.path)!r}: {reason}")

    def _open(self) -> sqlite3.Connection:
        path = self.path
        if path.is_dir():
            raise self._fail("is a directory, not a results database file")
        if path.exists():
            try:
                with path.open("rb") as handle:
                    header = handle.read(len(_SQLITE_MAGIC))
            except OSError as error:
                raise self._fail(f"cannot be read ({error.strerror})") from None
            if not header:
                raise self._fail(
                    "is an empty (zero-length) file, not a results database: "
                    "delete it or choose another --db"
                )
            if header != _SQLITE_MAGIC:
                raise self._fail("is not an SQLite database (damaged or another kind of file)")
            if not self.read_only and not os.access(path, os.W_OK):
                raise self._fail("is read-only: `rlsuite report` can read it; bench needs --db")
        elif self.read_only:
            raise self._fail("does not exist: run `rlsuite bench` first")
        else:
            self._create()
        try:
            if self.read_only:
                return self._connect_read_only()
            # isolation_level=None: transactions are explicit (BEGIN ... COMMIT).
            return sqlite3.connect(path, isolation_level=None, timeout=60.0)
        except sqlite3.Error as error:
            raise self._fail(f"cannot be opened ({error})") from None

    def _create(self) -> None:
        """Build the schema in a temporary file and link it into place.

        A database is never visible half-made (another process would see a
        zero-length or table-less file); if two processes create one at once,
        the first link wins and the other opens it.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            os.close(fd)
        except OSError as error:
            raise self._fail(f"cannot be created ({error.strerror})") from None
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
                conn.execute("PRAGMA journal_mode=WAL")
            finally:
                conn.close()
            os.chmod(tmp, 0o644)
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass
        finally:
            Path(tmp).unlink(missing_ok=True)

    def _sidecar_paths(self) -> tuple[Path, Path]:
        """The WAL (``-wal``) and wal-index (``-shm``) files SQLite keeps beside the database."""
        name = self.path.name
        return self.path.with_name(f"{name}-wal"), self.path.with_name(f"{name}-shm")

    def _connect_read_only(self) -> sqlite3.Connection:
        """Open for reading: a WAL reader that sees what writers commit, creating nothing it keeps.

        A ``mode=ro`` connection to a WAL database creates the ``-wal`` and
        ``-shm`` files when they are missing and, unable to take the exclusive
        lock a closing connection needs, never deletes them (SQLite's WAL
        documentation: "Read-Only Databases"); :meth:`close` removes them.
        ``immutable=1`` (no locks, no side files) is used only where no writer
        can exist: the folder cannot hold a ``-wal`` file (every WAL writer
        needs one), or no WAL connection has the file open (no side files) and
        this account cannot write it (rlsuite writers refuse such a file).
        """
        uri = self.path.resolve().as_uri()
        self._sidecars_before = {p for p in self._sidecar_paths() if p.exists()}
        if not self._sidecars_before and not os.access(self.path, os.W_OK):
            return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, timeout=60.0)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            # A WAL database in a read-only folder cannot create its -shm file:
            # read it as immutable (no WAL writer can work in that folder either).
            conn.close()
            return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)

    def _remove_new_sidecars(self) -> None:
        """Delete the ``-wal`` / ``-shm`` files this read-only store made, if no one else uses them.

        SQLite's documented way to remove a WAL is to open the database and
        close it: the closing connection checkpoints and deletes both files
        only if it takes the exclusive lock, that is, only if it is the last
        connection. A writer that began during the report keeps its files
        (and, having closed meanwhile, has its committed frames checkpointed
        here, as its own close would have done). The connection is
        ``query_only`` and never creates the database (``mode=rw``). Nothing
        is done if either file existed before the store opened (a live writer,
        or a crashed one whose WAL must not be checkpointed by a report).
        """
        if self._sidecars_before or not any(p.exists() for p in self._sidecar_paths()):
            return
        uri = self.path.resolve().as_uri()
        try:
            conn = sqlite3.connect(f"{uri}?mode=rw", uri=True, isolation_level=None, timeout=0.0)
        except sqlite3.Error:
            return
        try:
            conn.execute("PRAGMA query_only=ON")
            conn.execute("PRAGMA schema_version").fetchone()  # opens the WAL
        except sqlite3.Error:
            pass
        finally:
            conn.close()

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn SQLite's damage and I/O errors into one-line :class:`StoreError` s."""
        try:
            yield
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise self._fail(f"is locked by another writer for over 60 s ({error})") from None
            if "readonly" in str(error) or "read-only" in str(error):
                raise self._fail("is read-only: `rlsuite report` can read it") from None
            raise self._fail(f"cannot be used ({error})") from None
        except sqlite3.DatabaseError as error:
            raise self._fail(f"is damaged ({error}); restore it or write a new --db") from None

    def _tables(self) -> set[str]:
        rows = self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        return {name for (name,) in rows}

    def _check_layout(self) -> None:
        with self._guard():
            if self.read_only:
                self._verify(self._tables())
                # quick_check reads every page: damage shows here, not mid-report.
                problem = self._conn.execute("PRAGMA quick_check").fetchone()[0]
                if problem != "ok":
                    raise self._fail(f"is damaged ({problem}); restore it or write a new --db")
                return
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._verify(self._tables())
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")

    def _verify(self, tables: set[str]) -> None:
        if "schema_version" not in tables:
            if "runs" in tables:
                raise self._fail(
                    "is an older rlsuite database (no schema_version table); write to a new --db"
                )
            shown = ", ".join(sorted(tables)) or "none"
            raise self._fail(
                f"is not an rlsuite results database (its tables: {shown}); it was not modified"
            )
        row = self._conn.execute("SELECT version FROM schema_version").fetchone()
        if row is None or row[0] != SCHEMA_VERSION or not _TABLES <= tables:
            version = None if row is None else row[0]
            raise self._fail(
                f"has schema version {version}; this rlsuite reads version {SCHEMA_VERSION}: "
                "write to a new --db"
            )

    # ------------------------------------------------------------------ write
    def write(self, records: Iterable[RunRecord]) -> int:
        """Store finished runs (each with its metrics and curves) in one transaction."""
        records = list(records)
        if not records:
            return 0
        if self.read_only:
            raise self._fail("was opened read-only")
        rows, metric_rows, curve_rows, keys = [], [], [], []
        now = _now()
        texts: dict[int, str] = {}  # runs of one setting share its params dict
        for record in records:
            experiment, setting, agent, seed = record.key
            key = (experiment, setting, agent, int(seed))
            keys.append(key)
            params = texts.get(id(record.params))
            if params is None:
                params = texts[id(record.params)] = canonical_params(record.params)
            rows.append((*key, sweep_of(setting), params, float(record.wall_s), now))
            metric_rows += [(*key, m, float(v)) for m, v in record.result.metrics.items()]
            blobs = record.blobs if record.blobs is not None else curve_blobs(key, record.result)
            curve_rows += [(*key, *blob) for blob in blobs]
        where = "experiment=? AND setting=? AND agent=? AND seed=?"
        with self._guard():
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                # A rewritten key replaces the old run whole (its metrics and curves too).
                for table in ("metrics", "curves", "failures"):
                    conn.executemany(f"DELETE FROM {table} WHERE {where}", keys)
                conn.executemany("INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?)", rows)
                conn.executemany("INSERT INTO metrics VALUES (?,?,?,?,?,?)", metric_rows)
                conn.executemany("INSERT INTO curves VALUES (?,?,?,?,?,?,?)", curve_rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return len(records)

    def record_failure(self, key: RunKey, error: str) -> None:
        """Remember the error of a run that raised (it is retried on the next sweep)."""
        experiment, setting, agent, seed = key
        with self._guard():
            self._conn.execute(
                "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?, ?, ?)",
                (experiment, setting, agent, int(seed), error, _now()),
            )

    # ------------------------------------------------------------------- read
    def done_keys(self) -> set[RunKey]:
        """Keys of every stored run."""
        with self._guard():
            rows = self._conn.execute("SELECT experiment, setting, agent, seed FROM runs")
            return {(e, s, a, int(seed)) for e, s, a, seed in rows}

    def metric_names(self) -> list[str]:
        """Names of every stored metric, sorted."""
        with self._guard():
            rows = self._conn.execute("SELECT DISTINCT metric FROM metrics ORDER BY metric")
            return [name for (name,) in rows]

    def count(self) -> int:
        """Number of stored runs."""
        with self._guard():
            return int(self._conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    def sweeps(self) -> list[tuple[str, str]]:
        """``(experiment, sweep)`` pairs that hold runs, sorted."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT DISTINCT experiment, sweep FROM runs ORDER BY experiment, sweep"
            )
            return [(e, s) for e, s in rows]

    def _where(self, experiment: str | None, sweep: str | None) -> tuple[str, list[str]]:
        clauses, args = [], []
        if experiment is not None:
            clauses.append("experiment = ?")
            args.append(experiment)
        if sweep is not None:
            clauses.append("sweep = ?")
            args.append(sweep)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def runs(self, experiment: str | None = None, sweep: str | None = None) -> pd.DataFrame:
        """One row per run: key columns, ``sweep``, one column per params key and per metric.

        Only the metrics of the selected runs become columns. A params key
        that is also a metric name keeps the metric; the params JSON stays in
        ``params``.
        """
        import pandas as pd

        where, args = self._where(experiment, sweep)
        with self._guard():
            frame = pd.read_sql_query(
                f"SELECT * FROM runs{where} ORDER BY experiment, setting, agent, seed",
                self._conn,
                params=args,
            )
            long = pd.read_sql_query(
                "SELECT m.* FROM metrics m JOIN runs r USING (experiment, setting, agent, seed)"
                + where.replace("experiment", "r.experiment").replace("sweep", "r.sweep"),
                self._conn,
                params=args,
            )
        keys = list(KEY_COLUMNS)
        if len(long):
            wide = long.pivot(index=keys, columns="metric", values="value").reset_index()
            wide.columns.name = None
            frame = frame.merge(wide, on=keys, how="left")
        params = _params_frame([json.loads(p) for p in frame["params"]], frame.index)
        taken = set(frame.columns)
        extra = params[[c for c in params.columns if c not in taken]]
        return pd.concat([frame, extra], axis=1)

    def curves(
        self, experiment: str | None = None, sweep: str | None = None, prefix: str | None = None
    ) -> pd.DataFrame:
        """Curves in long format: ``experiment, setting, agent, seed, curve, step, value``.

        ``prefix`` keeps only curves whose name starts with it (``"copy:"``).
        """
        import pandas as pd

        where, args = self._where(experiment, sweep)
        where = where.replace("experiment", "c.experiment").replace("sweep", "r.sweep")
        if prefix is not None:
            where += (" AND " if where else " WHERE ") + "substr(c.curve, 1, ?) = ?"
            args = [*args, len(prefix), prefix]  # type: ignore[list-item]
        with self._guard():
            rows = self._conn.execute(
                'SELECT c.experiment, c.setting, c.agent, c.seed, c.curve, c.steps, c."values" '
                "FROM curves c JOIN runs r USING (experiment, setting, agent, seed)"
                f"{where} ORDER BY c.experiment, c.setting, c.agent, c.seed, c.curve",
                args,
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
        import pandas as pd

        with self._guard():
            return pd.read_sql_query("SELECT * FROM failures", self._conn)

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite).

        A read-only store then removes the ``-wal`` / ``-shm`` files it
        created, unless another connection still uses them.
        """
        self._conn.close()
        if self.read_only:
            self._remove_new_sidecars()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
