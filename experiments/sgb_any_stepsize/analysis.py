"""Analysis of the SGB study: convergence table, score and the Figure-1-style plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rlsuite.experiments.sgb_any_stepsize.sweep import CHECKPOINTS

__all__ = ["plot", "score", "table"]

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Fraction of runs whose policy is within 1e-2 of the optimal expected reward at the "
    "horizon; higher is better, 0 = no run converged, 1 = every run converged."
)


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Fraction of runs (over settings and seeds) converged at their horizon, in ``[0, 1]``.

    The theory promises almost-sure convergence for every ``eta`` but no rate,
    so this measures how soon it happens at the horizon studied.
    """
    scores = df.groupby("agent")["converged_final"].mean().clip(0.0, 1.0)
    return scores.rename("score").reset_index()


def table(df: pd.DataFrame) -> pd.DataFrame:
    """Per ``eta``: fraction converged at each checkpoint, and the log-log slope.

    Columns ``eta, runs, conv_t<checkpoint>..., slope_mean, slope_se,
    slope_median, slope_median_converged`` (the last over runs converged at
    the horizon); checkpoints beyond the horizon are left out.
    """
    rows = []
    for eta, group in df.groupby("eta"):
        row: dict[str, float] = {"eta": eta, "runs": len(group)}
        for checkpoint in CHECKPOINTS:
            column = f"converged_t{checkpoint}"
            if column in group and group[column].notna().any():
                row[f"conv_t{checkpoint}"] = group[column].mean()
        slopes = group["slope"].dropna()
        row["slope_mean"] = slopes.mean()
        row["slope_se"] = slopes.std(ddof=1) / np.sqrt(len(slopes)) if len(slopes) > 1 else 0.0
        row["slope_median"] = slopes.median()
        converged = group.loc[group["converged_final"] > 0, "slope"].dropna()
        row["slope_median_converged"] = converged.median() if len(converged) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """One panel per ``eta``: ``log(r(a*) - pi^T r)`` against ``log t``, one line per seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    eta_of = df.drop_duplicates("setting").set_index("setting")["eta"]
    data = curves[curves["curve"] == "log_subopt"].assign(eta=lambda c: c["setting"].map(eta_of))
    etas = sorted(data["eta"].unique())
    fig, axes = plt.subplots(1, len(etas), figsize=(4 * len(etas), 3.4), squeeze=False)
    for ax, eta in zip(axes[0], etas):
        for _, run in data[data["eta"] == eta].groupby("seed"):
            ax.plot(np.log(run["step"]), run["value"], linewidth=0.9)
        ax.set_title(f"eta = {eta:g}")
        ax.set_xlabel("log t")
        ax.set_ylabel("log(r(a*) - pi_t^T r)")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path = out_dir / "sgb_any_stepsize_log_subopt.png"
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)
    return [path]


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Titled tables of the study (printed by the front end, written to ``tables.md``)."""
    return {"convergence per step size": table(df)}
