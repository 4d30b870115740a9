"""Scores, table and plot of the expert-level DP study."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["plot", "score", "table"]

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Mean normalised return of the cloned policy, (return - random) / (expert - random) clipped"
    " to [0, 1]; higher is better, 0 = no better than a random policy, 1 = expert level."
)


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Mean normalized return per agent, clipped to ``[0, 1]``."""
    scores = df.groupby("agent")["normalized_return"].mean().clip(0.0, 1.0)
    return scores.rename("score").reset_index()


def table(df: pd.DataFrame) -> pd.DataFrame:
    """Mean (and standard error) normalized return per env, agent and epsilon."""
    grouped = df.groupby(["env_id", "agent", "epsilon"])["normalized_return"]
    out = grouped.agg(["mean", "sem", "count"]).reset_index()
    return out.pivot_table(index=["env_id", "agent"], columns="epsilon", values="mean")


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """One PNG: normalized return against epsilon, one panel per environment."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    envs = sorted(df["env_id"].unique())
    fig, axes = plt.subplots(1, len(envs), figsize=(5 * len(envs), 3.6), squeeze=False)
    for ax, env_id in zip(axes[0], envs):
        sub = df[df["env_id"] == env_id]
        for agent, rows in sub.groupby("agent"):
            stats = rows.groupby("epsilon")["normalized_return"].agg(["mean", "sem"]).fillna(0.0)
            style = "--" if agent == "BehaviorCloning" else "-o"
            ax.errorbar(
                stats.index, stats["mean"], yerr=stats["sem"], fmt=style, label=agent, capsize=3
            )
        ax.set_xscale("log")
        ax.set_xticks(sorted(sub["epsilon"].unique()))
        ax.set_xticklabels([f"{e:g}" for e in sorted(sub["epsilon"].unique())])
        ax.set_xlabel("expert-level epsilon (delta = 1e-5)")
        ax.set_ylabel("normalized return")
        ax.set_title(env_id)
        ax.axhline(0.0, color="grey", lw=0.5)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    path = out_dir / "expert_dp_return_vs_epsilon.png"
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)
    return [path]


def _fmt(value: float) -> str:
    return "nan" if np.isnan(value) else f"{value:.2f}"


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Titled tables of the study (printed by the front end, written to ``tables.md``)."""
    return {"normalised return per env, agent and epsilon": table(df)}
