"""Analysis of the Catoni study: regret against log R, fitted slopes, the Catoni/OFUL ratio.

Score (in ``[0, 1]``, higher is better): for each setting an agent's
normalised performance ``clip(1 - regret / regret_uniform, 0, 1)``, where
``regret_uniform`` is uniform play's expected regret on the same contexts;
the score is its mean over the settings given (0: no better than uniform
play, 1: no regret). The study's own claim is checked by :func:`ratios`:
CatoniOFUL's regret over OFUL's when OFUL is told the true range.

Intervals are 95% Student-t intervals over the copies (independent seeds)
of each run, read from the ``copy_regret`` curve.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "SCORE",
    "copy_regrets",
    "plot",
    "print_report",
    "ratio_against_t",
    "ratio_intervals",
    "ratio_table_against_t",
    "ratios",
    "score",
    "slopes",
    "summary",
    "table",
]

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Regret at T relative to uniform play, clip(1 - regret / regret_uniform, 0, 1), mean over "
    "settings; higher is better, 0 = no better than uniform play, 1 = no regret."
)


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Mean normalised performance per agent (see the module docstring)."""
    perf = (1.0 - df["regret"] / df["random_regret"]).clip(0.0, 1.0)
    return df.assign(score=perf).groupby("agent")["score"].mean().reset_index()


def copy_regrets(curves: pd.DataFrame, curve: str = "copy_regret") -> pd.DataFrame:
    """One row per (setting, agent, copy) with its final regret (or that of ``curve``)."""
    rows = curves[curves["curve"] == curve]
    return rows.rename(columns={"value": "regret", "step": "copy"})[
        ["setting", "agent", "copy", "regret"]
    ]


def summary(df: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """Per setting and agent: mean regret over copies and its 95% interval half-width."""
    per_copy = copy_regrets(curves)
    params = df.drop_duplicates("setting").set_index("setting")
    stats_ = per_copy.groupby(["setting", "agent"])["regret"].agg(["mean", "std", "count"])
    half = stats.t.ppf(0.975, np.maximum(stats_["count"] - 1, 1)) * stats_["std"].fillna(0.0)
    stats_["ci95"] = half / np.sqrt(stats_["count"])
    out = stats_.reset_index()
    for column in ("reward_range", "heteroscedastic", "noise", "random_regret"):
        if column in params:
            out[column] = out["setting"].map(params[column])
    return out


def _range_key(frame: pd.DataFrame) -> pd.Series:
    """Column key of a setting: its range ``R``, or the noise's name where none is stated.

    The ``outside`` sweep's Student-t and Gaussian noises are unbounded
    (``reward_range`` empty), so its columns are the noise family and ``df``.
    """
    stated = frame["reward_range"] if "reward_range" in frame else pd.Series(np.nan, frame.index)
    r = pd.to_numeric(stated, errors="coerce").astype(float)
    if np.isfinite(r).all():
        return r
    df_ = frame["df"] if "df" in frame else pd.Series(np.nan, index=frame.index)
    labels = [
        f"R={value:g}" if np.isfinite(value) else (f"{noise} df={d:g}" if pd.notna(d) else noise)
        for value, noise, d in zip(r, frame["noise"], df_)
    ]
    return pd.Series(labels, index=frame.index)


def table(df: pd.DataFrame, curves: pd.DataFrame | None = None) -> pd.DataFrame:
    """``mean ± 95% CI`` of the regret per agent (rows) and (rounds, R) (columns)."""
    if curves is None:
        cells = df.assign(cell=df["regret"].map("{:.0f}".format))
    else:
        s = summary(df, curves)
        cells = s.assign(cell=[f"{m:.0f} ± {c:.0f}" for m, c in zip(s["mean"], s["ci95"])])
        keys = [c for c in ("setting", "heteroscedastic", "reward_range", "noise", "df") if c in df]
        cells = cells.merge(df[keys].drop_duplicates("setting"), on="setting", suffixes=("_", ""))
    cells = cells.assign(
        rounds=np.where(cells["heteroscedastic"].astype(bool), "hetero", "homo"),
        R=_range_key(cells),
    )
    formatted = cells.pivot_table(
        index="agent", columns=["rounds", "R"], values="cell", aggfunc="first"
    )
    uniform = (
        df.assign(
            rounds=np.where(df["heteroscedastic"].astype(bool), "hetero", "homo"),
            R=_range_key(df),
        )
        .groupby(["rounds", "R"])["random_regret"]
        .mean()
    )
    formatted.loc["(uniform play)"] = [f"{uniform.get(c, np.nan):.0f}" for c in formatted.columns]
    return formatted


def slopes(df: pd.DataFrame) -> pd.DataFrame:
    """Least-squares slope of mean regret against ``R`` and against ``log R`` per agent.

    ``regret ~ a + b R`` and ``regret ~ a + c log R`` over the ranges of the
    sweep, separately for homoscedastic and heteroscedastic rounds; with
    three ranges the fit is descriptive, not a test.
    """
    rows: list[dict[str, Any]] = []
    if "reward_range" not in df:
        return pd.DataFrame(rows)
    for (hetero, agent), group in df.groupby(["heteroscedastic", "agent"]):
        means = group.groupby("reward_range")["regret"].mean()
        r = means.index.to_numpy(dtype=float)
        if len(r) < 2:
            continue
        rows.append(
            {
                "rounds": "hetero" if hetero else "homo",
                "agent": agent,
                "slope_per_R": float(np.polyfit(r, means.to_numpy(), 1)[0]),
                "slope_per_logR": float(np.polyfit(np.log(r), means.to_numpy(), 1)[0]),
            }
        )
    return pd.DataFrame(rows)


def ratios(df: pd.DataFrame, agent: str = "CatoniOFUL", reference: str = "OFUL-trueR"):
    """``regret(agent) / regret(reference)`` per setting (rounds, R)."""
    means = df.groupby(["heteroscedastic", "reward_range", "agent"])["regret"].mean().unstack()
    return (means[agent] / means[reference]).rename(f"{agent} / {reference}").reset_index()


def ratio_intervals(
    df: pd.DataFrame,
    curves: pd.DataFrame,
    agent: str = "CatoniOFUL",
    reference: str = "OFUL-trueR",
    n_boot: int = 10_000,
    seed: int = 0,
    curve: str = "copy_regret",
) -> pd.DataFrame:
    """``mean regret(agent) / mean regret(reference)`` per setting, with a 95% interval.

    Copy ``i`` of both agents plays the same contexts and noise (the env's
    draws do not depend on the actions), so the interval is a paired
    percentile bootstrap over copies: resample copy indices, recompute the
    ratio of the two means. ``copies`` is the number of paired copies.
    ``curve`` names the per-copy regret used (default: at the horizon).
    """
    per_copy = copy_regrets(curves, curve)
    params = df.drop_duplicates("setting").set_index("setting")
    keys = _range_key(params)
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for setting, group in per_copy.groupby("setting"):
        wide = group.pivot_table(index="copy", columns="agent", values="regret")
        if agent not in wide or reference not in wide:
            continue
        pair = wide[[agent, reference]].dropna().to_numpy()
        if len(pair) < 3:
            continue
        draws = rng.integers(0, len(pair), size=(n_boot, len(pair)))
        boot = pair[draws, 0].mean(axis=1) / pair[draws, 1].mean(axis=1)
        low, high = np.quantile(boot, [0.025, 0.975])
        rows.append(
            {
                "rounds": "hetero" if bool(params.loc[setting, "heteroscedastic"]) else "homo",
                "R": keys[setting],
                "copies": len(pair),
                "ratio": pair[:, 0].mean() / pair[:, 1].mean(),
                "ci95_low": low,
                "ci95_high": high,
            }
        )
    if not rows:
        return pd.DataFrame(rows)
    return pd.DataFrame(rows).sort_values(["rounds", "R"], ascending=[False, True])


def ratio_against_t(
    df: pd.DataFrame,
    curves: pd.DataFrame,
    agent: str = "CatoniOFUL",
    reference: str = "OFUL-trueR",
) -> pd.DataFrame:
    """:func:`ratio_intervals` at every checkpoint ``t`` the runs kept and at the horizon.

    The checkpoints are the ``copy_regret_t{t}`` curves of
    :func:`~rlsuite.experiments.heavy_tail_catoni.run.run`: the same copies'
    regret after ``t`` rounds, so the rows of one setting follow one set of runs.
    """
    horizon = int(df["horizon"].max())
    names = sorted(
        {c for c in curves["curve"].unique() if c.startswith("copy_regret_t")},
        key=lambda c: int(c.removeprefix("copy_regret_t")),
    )
    parts = []
    for name, t in [
        *((c, int(c.removeprefix("copy_regret_t"))) for c in names),
        ("copy_regret", horizon),
    ]:
        part = ratio_intervals(df, curves, agent, reference, curve=name)
        if len(part):
            parts.append(part.assign(t=t))
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    columns = ["rounds", "R", "t", "copies", "ratio", "ci95_low", "ci95_high"]
    return out[columns].sort_values(["rounds", "R", "t"], ascending=[False, True, True])


def plot(
    df: pd.DataFrame,
    curves: pd.DataFrame,
    out_dir: str | Path,
    filename: str = "heavy_tail_catoni_regret_vs_logR.png",
) -> list[Path]:
    """Regret at ``T`` against ``log R`` per agent with 95% intervals, one panel per rounds kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    s = summary(df, curves)
    kinds = sorted(s["heteroscedastic"].astype(bool).unique())
    fig, axes = plt.subplots(1, len(kinds), figsize=(5.5 * len(kinds), 4), squeeze=False)
    for ax, hetero in zip(axes[0], kinds):
        part = s[s["heteroscedastic"].astype(bool) == hetero]
        for agent, group in part.groupby("agent"):
            group = group.sort_values("reward_range")
            ax.errorbar(
                group["reward_range"],
                group["mean"],
                yerr=group["ci95"],
                marker="o",
                capsize=3,
                label=agent,
            )
        uniform = part.groupby("reward_range")["random_regret"].mean()
        ax.plot(uniform.index, uniform.values, "k--", lw=1, label="uniform play")
        ax.set_xscale("log")
        ax.set_xlabel("reward range R (log scale)")
        ax.set_ylabel("cumulative regret at T (mean, 95% CI)")
        ax.set_title("heteroscedastic sigma_t" if hetero else "homoscedastic")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    path = out_dir / filename
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)
    return [path]


def print_report(runs_csv: str, curves_csv: str, plot_to: str | None = None) -> None:
    """Print a recorded sweep's regret table, slopes and Catoni/OFUL ratios; optionally plot.

    ``runs_csv`` and ``curves_csv`` are the ``runs_heavy_tail_catoni.csv`` and
    ``curves.csv`` files that ``python -m rlsuite.experiments heavy_tail_catoni
    --out DIR`` writes; ``plot_to`` is the figure's path.
    """
    df, curves = pd.read_csv(runs_csv), pd.read_csv(curves_csv)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print("-- regret at T: mean ± 95% t-interval over copies")
        print(table(df, curves).to_string())
        slope = slopes(df)
        if len(slope):
            print("-- slopes of mean regret against R and against log R")
            print(slope.to_string(index=False))
        for reference in ("OFUL-trueR", "OFUL-sigma"):
            ratio = ratio_against_t(df, curves, reference=reference)
            if len(ratio):
                print(f"-- CatoniOFUL / {reference}: ratio of mean regrets, paired bootstrap 95%")
                print(ratio.round(4).to_string(index=False))
    if plot_to is not None and "reward_range" in df:
        path = Path(plot_to)
        for written in plot(df, curves, path.parent, filename=path.name):
            print(f"wrote {written}")


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The study's titled tables (the front end prints them, the report writes tables.md).

    Runs that kept checkpoint regrets (``regret_t{t}`` metrics, a horizon
    past the first checkpoint) add the CatoniOFUL / OFUL-trueR ratio of mean
    regrets at every checkpoint and at ``T``.
    """
    out = {"regret at T per agent and setting": table(df)}
    at_t = ratio_table_against_t(df)
    if len(at_t):
        out["CatoniOFUL / OFUL-trueR, ratio of mean regrets after t rounds (same runs)"] = at_t
    return out


def ratio_table_against_t(
    df: pd.DataFrame, agent: str = "CatoniOFUL", reference: str = "OFUL-trueR"
) -> pd.DataFrame:
    """``regret(agent) / regret(reference)`` after ``t`` rounds, a column per ``t`` (metrics)."""
    if not {agent, reference} <= set(df["agent"]):
        return pd.DataFrame()
    columns = [c for c in df.columns if c.startswith("regret_t") and df[c].notna().any()]
    if not columns:
        return pd.DataFrame()
    horizon = int(df["horizon"].max())
    frame = df.assign(**{f"regret_t{horizon}": df["regret"]})
    columns = sorted(
        {*columns, f"regret_t{horizon}"}, key=lambda c: int(c.removeprefix("regret_t"))
    )
    keys = _range_key(df.drop_duplicates("setting").set_index("setting"))
    means = frame.groupby(["setting", "agent"])[columns].mean()
    ratio = means.xs(agent, level="agent") / means.xs(reference, level="agent")
    ratio.columns = [f"t={int(c.removeprefix('regret_t')):,}" for c in columns]
    params = df.drop_duplicates("setting").set_index("setting")
    kind = params["heteroscedastic"].astype(bool).map({True: "hetero", False: "homo"})
    ratio.index = pd.MultiIndex.from_arrays(
        [kind.loc[ratio.index], keys.loc[ratio.index]], names=["rounds", "R"]
    )
    return ratio.sort_index(ascending=[False, True]).round(4)
