"""``rlsuite report``: plots, tables and exports from a results database.

Writes into ``out_dir``:

* ``runs.csv|parquet`` and ``curves.csv|parquet``: the database as tables;
* ``scores.csv|parquet``: each experiment's ``analysis.score`` per agent and
  seed (the study's score applied to one seed's runs at a time);
* ``summary.csv|parquet`` and ``summary.md``: per experiment and agent the
  interquartile mean of the seed scores with a 95 % stratified-bootstrap
  interval (:mod:`rlsuite.experiments.stats`), and mean metrics per setting;
* ``summary.png``: one panel per experiment, a horizontal bar per agent
  (IQM score in ``[0, 1]`` with its interval);
* ``<experiment>/scores.png``: the same for one experiment (bsuite style);
* ``<experiment>/regret_curves.png``: mean curve per agent and setting for
  every curve whose name contains ``regret``;
* ``<experiment>/*.png``: the study's own ``analysis.plot``.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from rlsuite.experiments.runner import resolve_experiment  # noqa: E402
from rlsuite.experiments.stats import bootstrap_iqm  # noqa: E402
from rlsuite.experiments.store import ResultsStore  # noqa: E402

__all__ = ["seed_scores", "summarise", "write_report"]


def _atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` and move the temporary file onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _export(frame: pd.DataFrame, out: Path, stem: str) -> list[Path]:
    return [
        _atomic(out / f"{stem}.csv", lambda p: frame.to_csv(p, index=False)),
        _atomic(out / f"{stem}.parquet", lambda p: frame.to_parquet(p, index=False)),
    ]


def seed_scores(runs: pd.DataFrame, score: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
    """``score`` applied to each seed's runs: columns ``agent, seed, score``."""
    parts = []
    for seed, rows in runs.groupby("seed", sort=True):
        scores = score(rows.reset_index(drop=True))
        # A study may score per setting: an agent's seed score is its mean.
        scores = scores.groupby("agent", as_index=False)["score"].mean()
        parts.append(scores.assign(seed=seed))
    if not parts:
        return pd.DataFrame(columns=["agent", "seed", "score"])
    return pd.concat(parts, ignore_index=True)[["agent", "seed", "score"]]


def summarise(scores: pd.DataFrame) -> pd.DataFrame:
    """IQM and 95 % bootstrap interval of the seed scores per experiment and agent."""
    rows = []
    for (experiment, agent), group in scores.groupby(["experiment", "agent"], sort=True):
        values = group["score"].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0:
            continue
        estimate = bootstrap_iqm(values)
        rows.append(
            {
                "experiment": experiment,
                "agent": agent,
                "n_seeds": estimate.n_runs,
                "iqm_score": estimate.iqm,
                "ci_low": estimate.low,
                "ci_high": estimate.high,
            }
        )
    return pd.DataFrame(
        rows, columns=["experiment", "agent", "n_seeds", "iqm_score", "ci_low", "ci_high"]
    )


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(value: object) -> str:
        if isinstance(value, float):
            return "" if math.isnan(value) else f"{value:.3g}"
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |"]
    lines.append("|" + "---|" * len(frame.columns))
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join(lines)


def _metric_means(runs: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    # Only the metrics this experiment reports (the table holds every study's).
    metrics = [m for m in metrics if runs[m].notna().any()]
    keys = ["setting", "agent"]
    table = runs.groupby(keys, sort=True)[metrics].mean().reset_index()
    counts = runs.groupby(keys, sort=True)["seed"].nunique().rename("n_seeds").reset_index()
    return counts.merge(table, on=keys)


def _bar_panel(ax: plt.Axes, summary: pd.DataFrame, title: str) -> None:
    rows = summary.sort_values("iqm_score")
    y = np.arange(len(rows))
    err = np.vstack([rows["iqm_score"] - rows["ci_low"], rows["ci_high"] - rows["iqm_score"]])
    colors = plt.get_cmap("viridis")(rows["iqm_score"].clip(0, 1).to_numpy())
    ax.barh(y, rows["iqm_score"], xerr=np.clip(err, 0, None), color=colors, capsize=3)
    ax.set_yticks(y)
    # The value in the label keeps a zero score visible (a bar of length 0 is not).
    labels = [f"{agent} ({value:.2f})" for agent, value in zip(rows["agent"], rows["iqm_score"])]
    ax.set_yticklabels(labels, fontsize="small")
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("score (IQM over seeds, 95% CI)")
    ax.set_title(title, fontsize="medium")
    ax.grid(axis="x", alpha=0.3)


def _plot_summary(summary: pd.DataFrame, path: Path) -> Path:
    experiments = sorted(summary["experiment"].unique())
    cols = min(3, max(1, len(experiments)))
    nrows = max(1, math.ceil(len(experiments) / cols))
    tallest = max([int((summary["experiment"] == e).sum()) for e in experiments] or [1])
    fig, axes = plt.subplots(
        nrows, cols, figsize=(5.5 * cols, nrows * (1.0 + 0.4 * tallest)), squeeze=False
    )
    for ax, experiment in zip(axes.ravel(), experiments):
        _bar_panel(ax, summary[summary["experiment"] == experiment], experiment)
    for ax in axes.ravel()[len(experiments) :]:
        ax.set_visible(False)
    if not experiments:
        axes[0][0].set_visible(True)
        axes[0][0].text(0.5, 0.5, "no scored runs", ha="center", va="center")
    fig.suptitle("rlsuite benchmark: bsuite-style scores (1 = best)")
    fig.tight_layout()
    return _atomic(path, lambda p: fig.savefig(p, dpi=100, format="png"))


def _plot_regret_curves(curves: pd.DataFrame, path: Path) -> Path | None:
    regret = curves[curves["curve"].str.contains("regret")]
    if regret.empty:
        return None
    panels = list(regret.groupby(["setting", "curve"], sort=True))
    cols = min(3, len(panels))
    nrows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(5 * cols, 3.6 * nrows), squeeze=False)
    for ax, ((setting, curve), rows) in zip(axes.ravel(), panels):
        for agent, runs in rows.groupby("agent", sort=True):
            mean = runs.groupby("step")["value"].mean()
            ax.plot(mean.index, mean.to_numpy(), label=agent)
        ax.set_title(f"{setting}", fontsize="medium")
        ax.set_xlabel("step")
        ax.set_ylabel(f"{curve} (mean over seeds)")
    for ax in axes.ravel()[len(panels) :]:
        ax.set_visible(False)
    axes[0][0].legend(fontsize="x-small")
    fig.tight_layout()
    return _atomic(path, lambda p: fig.savefig(p, dpi=100, format="png"))


def _experiment_report(
    name: str, runs: pd.DataFrame, curves: pd.DataFrame, out: Path
) -> tuple[pd.DataFrame, list[Path]]:
    """Seed scores and figures of one experiment (its own plots and the generic ones)."""
    paths: list[Path] = []
    folder = out / name.replace("/", "_")
    curve_plot = _plot_regret_curves(curves, folder / "regret_curves.png")
    if curve_plot is not None:
        paths.append(curve_plot)
    try:
        experiment = resolve_experiment(name)
    except (ValueError, ImportError) as error:
        print(f"report: no analysis for {name!r} ({error}); skipping its score", file=sys.stderr)
        return pd.DataFrame(columns=["experiment", "agent", "seed", "score"]), paths
    scores = seed_scores(runs, experiment.analysis.score).assign(experiment=name)
    folder.mkdir(parents=True, exist_ok=True)
    paths += [Path(p) for p in experiment.analysis.plot(runs, curves, folder)]
    return scores[["experiment", "agent", "seed", "score"]], paths


def write_report(db: str | Path, out_dir: str | Path) -> list[Path]:
    """Write every report file for the database ``db`` into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with ResultsStore(db) as store:
        runs, curves, metrics = store.runs(), store.curves(), store.metric_names()
    paths = _export(runs, out, "runs") + _export(curves, out, "curves")
    all_scores = [pd.DataFrame(columns=["experiment", "agent", "seed", "score"])]
    for name, rows in runs.groupby("experiment", sort=True):
        exp_curves = curves[curves["experiment"] == name]
        scores, figures = _experiment_report(str(name), rows, exp_curves, out)
        all_scores.append(scores)
        paths += figures
    scores = pd.concat([s for s in all_scores if not s.empty] or all_scores, ignore_index=True)
    scores["score"] = scores["score"].astype(float)
    paths += _export(scores, out, "scores")
    summary = summarise(scores)
    paths += _export(summary, out, "summary")
    for experiment, rows in summary.groupby("experiment"):
        fig, ax = plt.subplots(figsize=(6, 1.0 + 0.4 * len(rows)))
        _bar_panel(ax, rows, str(experiment))
        fig.tight_layout()
        target = out / str(experiment).replace("/", "_") / "scores.png"
        paths.append(_atomic(target, lambda p, f=fig: f.savefig(p, dpi=100, format="png")))
        plt.close(fig)
    paths.append(_plot_summary(summary, out / "summary.png"))
    plt.close("all")
    paths.append(_write_markdown(runs, summary, metrics, out / "summary.md"))
    return paths


def _write_markdown(
    runs: pd.DataFrame, summary: pd.DataFrame, metrics: list[str], path: Path
) -> Path:
    text = ["# rlsuite benchmark report", ""]
    text += [
        f"{len(runs)} runs of {runs['experiment'].nunique() if len(runs) else 0} experiments.",
        "",
    ]
    text += ["## Scores", "", "Interquartile mean over seeds of each study's bsuite-style score"]
    text += ["(in [0, 1], higher is better) with a 95% stratified-bootstrap interval.", ""]
    text += [_markdown_table(summary), "", "![summary](summary.png)", ""]
    if metrics and len(runs):
        text += ["## Metrics", "", "Mean over seeds per setting and agent.", ""]
        for experiment, rows in runs.groupby("experiment", sort=True):
            text += [f"### {experiment}", "", _markdown_table(_metric_means(rows, metrics)), ""]
    return _atomic(path, lambda p: p.write_text("\n".join(text)))
