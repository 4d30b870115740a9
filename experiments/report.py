"""``rlsuite report``: plots, tables and exports from a results database.

The database is opened read-only. Results are grouped per
``(experiment, sweep)`` and never pooled across sweeps, so a quick sweep and
the full study in one database give two labelled sections. Writes into
``out_dir`` (every file mode 644, written atomically):

* ``runs_<experiment>.csv|parquet`` (only that experiment's params and
  metrics) and ``curves.csv|parquet`` (long format);
* ``scores.csv|parquet``: each study's ``analysis.score`` per sweep, agent and
  replicate (the score applied to one replicate's runs at a time), and its
  extra ``METRICS`` the same way. A replicate is a seed, or a ``(seed, copy)``
  for runs that record independent copies (``n_copies`` and ``copy:<metric>``
  curves, see :mod:`rlsuite.experiments.base` and :func:`expand_copies`);
* ``summary.csv|parquet`` and ``summary.md``: per experiment, sweep and agent
  the interquartile mean of the replicate scores with a 95 % stratified-bootstrap
  interval (:mod:`rlsuite.experiments.stats`) when there are >= 3 replicates
  (``n_seeds`` and ``n_replicates`` say how many); the score's definition
  (``analysis.SCORE``) with every section;
* ``summary.png``: one panel per experiment and sweep, the score's definition
  under it; ``<experiment>/<sweep>/``: ``scores.png``, ``tables.md`` and the
  study's own ``analysis.plot`` figures.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from rlsuite.experiments import plotting
from rlsuite.experiments.base import COPY_PREFIX, N_COPIES
from rlsuite.experiments.stats import bootstrap_iqm
from rlsuite.experiments.store import ResultsStore

__all__ = [
    "EmptyDatabase",
    "expand_copies",
    "print_study",
    "seed_scores",
    "summarise",
    "write_report",
]

_SCORE_COLUMNS = ["experiment", "sweep", "agent", "seed", "copy", "metric", "score"]
_SUMMARY_COLUMNS = [
    "experiment",
    "sweep",
    "agent",
    "metric",
    "n_seeds",
    "n_replicates",
    "iqm_score",
    "ci_low",
    "ci_high",
]


class EmptyDatabase(ValueError):
    """The database holds no runs (of the selection)."""


def _atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)``, make it mode 644 and move it onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _concat_runs(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The runs of several sweeps in one frame, without all-empty columns.

    A column that is integer in every sweep holding it stays integer
    (nullable ``Int64`` where other sweeps lack it) rather than becoming float.
    """
    runs = pd.concat(frames, ignore_index=True).dropna(axis=1, how="all")
    for column in runs.columns:
        parts = [f[column] for f in frames if column in f and f[column].notna().any()]
        whole = parts and all(pd.api.types.is_integer_dtype(p.dtype) for p in parts)
        if whole and not pd.api.types.is_integer_dtype(runs[column].dtype):
            runs[column] = runs[column].astype("Int64")
    return runs


def _export(frame: pd.DataFrame, out: Path, stem: str) -> list[Path]:
    return [
        _atomic(out / f"{stem}.csv", lambda p: frame.to_csv(p, index=False)),
        _atomic(out / f"{stem}.parquet", lambda p: frame.to_parquet(p, index=False)),
    ]


def _analysis(name: str) -> ModuleType | None:
    from rlsuite.experiments.runner import resolve_experiment

    try:
        return resolve_experiment(name).analysis
    except (ValueError, ImportError) as error:
        print(f"report: no analysis for {name!r} ({error}); no score", file=sys.stderr)
        return None


def expand_copies(runs: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """One row per replicate: runs with per-copy values split into their copies.

    A run that records ``n_copies = k`` and curves ``copy:<metric>`` (one
    value per copy, step = copy index) becomes ``k`` rows, ``copy = 0..k-1``,
    in which each such metric takes that copy's value and ``n_copies`` is 1;
    its other columns are the run's. Every other run is one row with
    ``copy = 0``. Copy ``c`` of seed ``s`` is one replicate across the
    settings of a sweep, as seed ``s`` is.
    """
    runs = runs.assign(copy=0)
    if curves is None or curves.empty or N_COPIES not in runs:
        return runs
    per_copy = curves[curves["curve"].astype(str).str.startswith(COPY_PREFIX)]
    if per_copy.empty:
        return runs
    keys = ["setting", "agent", "seed"]
    wide = (
        per_copy.assign(
            metric=per_copy["curve"].str[len(COPY_PREFIX) :],
            copy=per_copy["step"].round().astype(int),
        )
        .pivot_table(index=[*keys, "copy"], columns="metric", values="value", aggfunc="first")
        .reset_index()
    )
    wide.columns.name = None
    split_keys = wide[keys].drop_duplicates()
    marked = runs.merge(split_keys.assign(_split=True), on=keys, how="left")
    split = marked["_split"].eq(True).to_numpy()
    metrics = [c for c in wide.columns if c not in (*keys, "copy")]
    copies = runs[split].drop(columns=[c for c in (*metrics, "copy") if c in runs])
    copies = copies.merge(wide, on=keys, how="inner").assign(**{N_COPIES: 1.0})
    out = pd.concat([runs[~split], copies[[*runs.columns]]], ignore_index=True)
    return out.sort_values([*keys, "copy"], kind="stable").reset_index(drop=True)


def seed_scores(
    runs: pd.DataFrame,
    score: Callable[[pd.DataFrame], pd.DataFrame],
    value: str = "score",
    curves: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``score`` applied to each replicate's runs: columns ``agent, seed, copy, score``.

    ``value`` names the column ``score`` returns the number in. A replicate
    is a seed, or a ``(seed, copy)`` when ``curves`` carry per-copy values
    (:func:`expand_copies`).
    """
    rows_all = expand_copies(runs, curves) if curves is not None else runs.assign(copy=0)
    if "copy" not in rows_all:
        rows_all = rows_all.assign(copy=0)
    parts = []
    for (seed, copy), rows in rows_all.groupby(["seed", "copy"], sort=True):
        scores = score(rows.drop(columns=["copy"]).reset_index(drop=True))
        if scores.empty:
            continue
        # A study may score per setting: an agent's replicate score is its mean.
        scores = scores.groupby("agent", as_index=False)[value].mean()
        parts.append(scores.rename(columns={value: "score"}).assign(seed=seed, copy=copy))
    if not parts:
        return pd.DataFrame(columns=["agent", "seed", "copy", "score"])
    return pd.concat(parts, ignore_index=True)[["agent", "seed", "copy", "score"]]


def _study_scores(
    name: str,
    sweep: str,
    runs: pd.DataFrame,
    analysis: ModuleType | None,
    curves: pd.DataFrame | None = None,
):
    """Replicate scores of the study's score and of each of its ``METRICS``."""
    frames = []
    if analysis is not None and hasattr(analysis, "score"):
        frames.append(seed_scores(runs, analysis.score, curves=curves).assign(metric="score"))
    if analysis is not None and hasattr(analysis, "metrics"):
        for metric in getattr(analysis, "METRICS", {}):

            def one(df: pd.DataFrame, metric: str = metric) -> pd.DataFrame:
                table = analysis.metrics(df)
                return table[table["metric"] == metric]

            frames.append(
                seed_scores(runs, one, value="value", curves=curves).assign(metric=metric)
            )
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=_SCORE_COLUMNS)
    scores = pd.concat(frames, ignore_index=True).assign(experiment=name, sweep=sweep)
    return scores[_SCORE_COLUMNS]


def summarise(scores: pd.DataFrame) -> pd.DataFrame:
    """IQM per experiment, sweep, agent and metric; a 95 % interval only from >= 3 replicates.

    A replicate is a seed or, for runs with independent copies, a
    ``(seed, copy)``; ``n_seeds`` counts the seeds, ``n_replicates`` the values.
    """
    rows = []
    keys = ["experiment", "sweep", "agent", "metric"]
    for key, group in scores.groupby(keys, sort=True):
        finite = group[np.isfinite(group["score"].to_numpy(dtype=float))]
        values = finite["score"].to_numpy(dtype=float)
        if values.size == 0:
            continue
        estimate = bootstrap_iqm(values)
        honest = values.size >= plotting.MIN_SEEDS_FOR_INTERVAL
        rows.append(
            {
                **dict(zip(keys, key)),
                "n_seeds": int(finite["seed"].nunique()),
                "n_replicates": int(values.size),
                "iqm_score": estimate.iqm,
                "ci_low": estimate.low if honest else math.nan,
                "ci_high": estimate.high if honest else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=_SUMMARY_COLUMNS)


def _number_text(value: object, digits: int = 4) -> str:
    """A table cell or label: whole numbers as integers (``1000``, not ``1000.0`` or ``1e+03``).

    Other floats get ``digits`` significant digits; missing values are empty.
    Parameters that are whole numbers print as the sweep wrote them, whatever
    dtype a pivot or a missing value gave their column.
    """
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.{digits}g}"
    return str(value)


def _label_text(label: object) -> object:
    """A column label with whole-number floats as integers; other labels unchanged."""
    return _number_text(label) if isinstance(label, (float, np.floating)) else label


def _labelled(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a meaningful index (a pivot's agents, settings) moved into columns.

    An unnamed index (0..n-1, or what is left of it after filtering) is
    dropped; a named one holds data (a pivot's row labels), which printing
    with ``index=False`` would lose. Column levels are joined into one name.
    """
    out = table.copy()
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [
            " ".join(str(_label_text(part)) for part in col if str(part)) for col in out.columns
        ]
    else:
        out.columns = [_label_text(column) for column in out.columns]
    if all(name is None for name in out.index.names):
        return out.reset_index(drop=True)
    return out.reset_index()


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(value: object) -> str:
        if isinstance(value, (float, np.floating)):
            return _number_text(value, 3)
        return _number_text(value).replace("|", "\\|")

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |"]
    lines.append("|" + "---|" * len(frame.columns))
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join(lines)


def _varying_params(runs: pd.DataFrame) -> list[str]:
    """Params keys whose value differs between the settings of ``runs``."""
    import json

    params = pd.DataFrame([json.loads(p) for p in runs.drop_duplicates("setting")["params"]])
    return [c for c in params.columns if params[c].astype(str).nunique() > 1]


def _metric_means(runs: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    metrics = [m for m in metrics if m in runs and runs[m].notna().any()]
    keys = ["setting", *[p for p in _varying_params(runs) if p not in metrics], "agent"]
    frame = runs.assign(setting=runs["setting"].str.rsplit("/", n=1).str[-1])
    frame = frame.assign(**{k: frame[k].map(_number_text) for k in keys})
    table = frame.groupby(keys, sort=True)[metrics].mean().reset_index()
    counts = frame.groupby(keys, sort=True)["seed"].nunique().rename("n_seeds").reset_index()
    return counts.merge(table, on=keys)


def _interval_text(row: pd.Series) -> str:
    if row["n_replicates"] < plotting.MIN_SEEDS_FOR_INTERVAL:
        label = plotting.replicates_label(int(row["n_seeds"]), int(row["n_replicates"]))
        return f"{label}, no interval"
    return f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def _score_table(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.sort_values("iqm_score", ascending=False)
    return pd.DataFrame(
        {
            "agent": rows["agent"],
            "IQM": rows["iqm_score"].map(lambda v: f"{v:.3f}"),
            "95% interval": rows.apply(_interval_text, axis=1),
            "seeds": rows["n_seeds"],
            "replicates": rows["n_replicates"],
        }
    )


def _statement(analysis: ModuleType | None) -> str:
    text = getattr(analysis, "SCORE", None)
    return text or "(this study states no score definition: analysis.SCORE is missing)"


def _section_plots(
    name: str,
    sweep: str,
    runs: pd.DataFrame,
    curves: pd.DataFrame,
    summary: pd.DataFrame,
    analysis: ModuleType | None,
    folder: Path,
) -> list[Path]:
    paths = []
    rows = summary[summary["metric"] == "score"]
    if len(rows):
        fig, axes = plotting.figure(1, 1, panel=(6.5, 1.2 + 0.35 * len(rows)))
        ax = axes[0, 0]
        plotting.score_panel(
            ax, rows, f"{name} [{sweep}]", plotting.agent_colours(rows.agent, name)
        )
        ax.set_xlabel("\n".join(textwrap.wrap("score: " + _statement(analysis), 90)))
        paths.append(plotting.save(fig, folder / "scores.png"))
    if analysis is not None and hasattr(analysis, "plot"):
        paths += [Path(p) for p in analysis.plot(runs, curves, folder)]
    if analysis is not None and hasattr(analysis, "tables"):
        text = [f"# {name} [{sweep}]: tables", ""]
        for title, table in analysis.tables(runs).items():
            text += [f"## {title}", "", _markdown_table(_labelled(table)), ""]
        paths.append(_atomic(folder / "tables.md", lambda p: p.write_text("\n".join(text))))
    return paths


def _plot_summary(summary: pd.DataFrame, statements: dict[str, str], path: Path) -> Path:
    scores = summary[summary["metric"] == "score"]
    sections = list(scores.groupby(["experiment", "sweep"], sort=True))
    cols = min(3, max(1, len(sections)))
    nrows = max(1, math.ceil(len(sections) / cols))
    tallest = max([len(rows) for _, rows in sections] or [1])
    fig, axes = plotting.figure(nrows, cols, panel=(5.8, 1.9 + 0.33 * tallest))
    for ax, ((experiment, sweep), rows) in zip(axes.ravel(), sections):
        colours = plotting.agent_colours(rows["agent"], str(experiment))
        plotting.score_panel(ax, rows, f"{experiment} [{sweep}]", colours)
        ax.set_xlabel("\n".join(textwrap.wrap(statements[str(experiment)], 56)), fontsize=7)
    for ax in axes.ravel()[len(sections) :]:
        ax.set_visible(False)
    fig.suptitle(
        "rlsuite: IQM over replicates (seeds, or seed x independent copy) of each study's "
        "score (1 = best)\nlines: 95 % stratified-bootstrap interval, from >= 3 replicates "
        "only; open diamonds: fewer, no interval"
    )
    return plotting.save(fig, path)


def write_report(
    db: str | Path,
    out_dir: str | Path,
    *,
    experiments: Sequence[str] | None = None,
    sweep: str | None = None,
) -> list[Path]:
    """Write the report of ``db`` (optionally only some experiments / one sweep) into ``out_dir``.

    Raises
    ------
    EmptyDatabase
        If the selection holds no runs; no file is written then.
    StoreError
        If ``db`` is not a usable results database.
    """
    with ResultsStore(db, read_only=True) as store:
        pairs = [
            (e, s)
            for e, s in store.sweeps()
            if (experiments is None or e in experiments) and (sweep is None or s == sweep)
        ]
        if not pairs:
            what = "no runs" if store.count() == 0 else "no runs of the selection"
            raise EmptyDatabase(f"--db {str(db)!r} holds {what}: run `rlsuite bench` first")
        sections = {pair: (store.runs(*pair), store.curves(*pair)) for pair in pairs}
        metrics = store.metric_names()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    analyses = {e: _analysis(e) for e in dict.fromkeys(e for e, _ in pairs)}
    all_scores = []
    for name in analyses:
        runs = _concat_runs([sections[p][0] for p in pairs if p[0] == name])
        paths += _export(runs, out, f"runs_{name.replace('/', '_').replace('.', '_')}")
    frames = [c for _, c in sections.values() if not c.empty]
    curves = (
        pd.concat(frames, ignore_index=True)
        if frames
        else next(iter(sections.values()))[1].iloc[0:0]
    )
    paths += _export(curves, out, "curves")
    for (name, sweep_name), (runs, section_curves) in sections.items():
        all_scores.append(_study_scores(name, sweep_name, runs, analyses[name], section_curves))
    scores = pd.concat(all_scores, ignore_index=True).astype({"score": float})
    paths += _export(scores, out, "scores")
    summary = summarise(scores)
    paths += _export(summary, out, "summary")
    for (name, sweep_name), (runs, section_curves) in sections.items():
        folder = out / name.replace("/", "_") / sweep_name
        rows = summary[(summary["experiment"] == name) & (summary["sweep"] == sweep_name)]
        paths += _section_plots(
            name, sweep_name, runs, section_curves, rows, analyses[name], folder
        )
    statements = {name: _statement(a) for name, a in analyses.items()}
    paths.append(_plot_summary(summary, statements, out / "summary.png"))
    paths.append(_write_markdown(sections, summary, analyses, metrics, out / "summary.md"))
    return paths


def _write_markdown(sections, summary, analyses, metrics, path: Path) -> Path:
    n_runs = sum(len(runs) for runs, _ in sections.values())
    text = ["# rlsuite benchmark report", ""]
    text += [
        f"{n_runs} runs in {len(sections)} sections (experiment [sweep]); sweeps are never "
        "pooled. Scores: interquartile mean (IQM) over replicates of the study's score (a "
        "replicate is a seed, or a (seed, copy) for runs that record independent copies "
        "with n_copies and copy:<metric> curves); the 95 % interval is a stratified "
        "bootstrap, given only from >= 3 replicates.",
        "",
        "![summary](summary.png)",
        "",
    ]
    for (name, sweep), (runs, _) in sections.items():
        analysis = analyses[name]
        rows = summary[(summary["experiment"] == name) & (summary["sweep"] == sweep)]
        text += [f"## {name} [{sweep}]", ""]
        text += [f"{len(runs)} runs, {runs['setting'].nunique()} settings.", ""]
        text += [f"**Score.** {_statement(analysis)}", ""]
        main = rows[rows["metric"] == "score"]
        if len(main):
            text += [_markdown_table(_score_table(main)), ""]
        for metric, sentence in getattr(analysis, "METRICS", {}).items():
            extra = rows[rows["metric"] == metric]
            if len(extra):
                text += [f"**{metric}.** {sentence}", "", _markdown_table(_score_table(extra)), ""]
        text += ["Mean of each metric over seeds, per setting (id suffix) and agent:", ""]
        text += [_markdown_table(_metric_means(runs, metrics)), ""]
    return _atomic(path, lambda p: p.write_text("\n".join(text)))


def print_study(db: str | Path, name: str, sweep: str) -> None:
    """Print the score (with its definition) and the tables of one study's sweep."""
    with ResultsStore(db, read_only=True) as store:
        runs = store.runs(name, sweep)
        curves = store.curves(name, sweep, prefix=COPY_PREFIX)
    if runs.empty:
        print(f"{name} [{sweep}]: no runs in {db}")
        return
    analysis = _analysis(name)
    summary = summarise(_study_scores(name, sweep, runs, analysis, curves))
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(f"== {name} [{sweep}]: {len(runs)} runs")
        print(f"score: {_statement(analysis)}")
        for metric, rows in summary.groupby("metric", sort=False):
            print(f"-- {metric}")
            print(_score_table(rows).to_string(index=False))
        if analysis is not None and hasattr(analysis, "tables"):
            for title, table in analysis.tables(runs).items():
                print(f"-- {title}")
                print(_labelled(table).to_string(index=False, float_format=_number_text))
