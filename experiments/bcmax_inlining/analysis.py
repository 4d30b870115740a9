"""Score and plot the BC-Max inlining study."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["plot", "score", "table"]

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Mean code-size reduction of the learned or heuristic inlining policy on held-out modules "
    "as a fraction of the per-module best baseline's reduction; higher is better, 0 = no "
    "reduction (or growth), 1 = as good as the best baseline on every module."
)


def table(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error of the held-out size reduction (%) per agent, best first."""
    cols = [c for c in df.columns if c.startswith("size_reduction")]
    grouped = df.groupby("agent")[cols]
    out = grouped.mean()
    out["sem"] = df.groupby("agent")["size_reduction_pct"].sem()
    return out.sort_values("size_reduction_pct", ascending=False)


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Score in [0, 1]: mean reduction over the per-module best baseline's (clipped)."""
    ratio = (
        df.groupby("agent")["size_reduction_pct"].mean() / df.groupby("agent")["oracle_pct"].mean()
    )
    return pd.DataFrame({"agent": ratio.index, "score": np.clip(ratio.to_numpy(), 0.0, 1.0)})


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Bar chart of the held-out size reduction per agent."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = table(df)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.barh(summary.index, summary["size_reduction_pct"], xerr=summary["sem"].fillna(0.0))
    ax.invert_yaxis()
    ax.set_xlabel("mean module-size reduction on held-out modules (%)")
    ax.set_title("BC-Max on rlsuite/Inlining-v0")
    fig.tight_layout()
    path = out_dir / "bcmax_inlining.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Titled tables of the study (printed by the front end, written to ``tables.md``)."""
    return {"size reduction (%) per agent": table(df)}
