"""Scores, table and plot of the expert-level DP study."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["normalise", "plot", "score", "table"]

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Mean normalised return of the cloned policy, (return - random) / (expert - random) clipped"
    " to [0, 1], where random is a uniformly random policy's return (REF_SCORES) and expert is"
    " the mean return of the run's own dataset episodes (the experts actually used, same env"
    " and seed; stored per run as expert_return); higher is better, 0 = no better than a random"
    " policy, 1 = as good as the experts that generated the data. The clone is evaluated"
    " greedily (argmax) while the experts sample from their softmax, so a clone of the experts'"
    " consensus may score slightly above 1 per env (the score clips at 1)."
)


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``normalized_return`` recomputed from the stored raw returns.

    ``(return - random_return) / (expert_return - random_return)`` wherever a run
    stores both references (see :mod:`rlsuite.experiments.expert_dp.run`). Runs
    recorded before ``expert_return`` existed keep their stored value (normalised
    with REF_SCORES' scripted experts) with a warning; ``run.add_expert_returns``
    adds the references to such a database without training.
    """
    needed = {"return", "random_return", "expert_return"}
    if not needed <= set(df.columns):
        if "return" in df.columns:
            warnings.warn(
                "expert_dp runs without expert_return: normalized_return is the stored one"
                " (REF_SCORES); add it with run.add_expert_returns(db)",
                stacklevel=2,
            )
        return df
    from rlsuite.experiments.expert_dp.run import normalised_return

    fresh = normalised_return(df["return"], df["random_return"], df["expert_return"])
    out = df.copy()
    has = df["expert_return"].notna()
    if "normalized_return" in df.columns:
        out["normalized_return"] = fresh.where(has, df["normalized_return"])
    else:
        out["normalized_return"] = fresh
    return out


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Mean normalized return per agent, clipped to ``[0, 1]``."""
    scores = normalise(df).groupby("agent")["normalized_return"].mean().clip(0.0, 1.0)
    return scores.rename("score").reset_index()


#: Non-private BC ignores epsilon; it runs once per env and is shown at every epsilon.
CEILING = "BehaviorCloning"


def _with_ceiling_everywhere(df: pd.DataFrame) -> pd.DataFrame:
    """Copy the BC rows (run at one epsilon) to every epsilon of the private agents."""
    bc = df[df["agent"] == CEILING]
    if bc.empty:
        return df
    rest = df[df["agent"] != CEILING]
    epsilons = sorted(rest["epsilon"].unique()) or sorted(bc["epsilon"].unique())
    copies = [bc.assign(epsilon=e) for e in epsilons]
    return pd.concat([rest, *copies], ignore_index=True)


def table(df: pd.DataFrame) -> pd.DataFrame:
    """Mean normalized return per env, agent and epsilon (BC's one value at every epsilon)."""
    grouped = _with_ceiling_everywhere(normalise(df)).groupby(["env_id", "agent", "epsilon"])
    out = grouped["normalized_return"].agg(["mean", "sem", "count"]).reset_index()
    return out.pivot_table(index=["env_id", "agent"], columns="epsilon", values="mean")


#: Per-run diagnostics of the private learners, averaged over seeds.
DIAGNOSTICS = (
    "released_transitions", "released_share", "prefix_length_q50", "prefix_length_q90",
    "prefix_length_q100", "threshold", "count_median_h1", "count_median_h10",
    "count_median_h50", "release_epsilon", "noise_multiplier", "epsilon_spent", "fit_seconds",
)  # fmt: skip


def diagnostics(df: pd.DataFrame) -> pd.DataFrame:
    """Release and noise diagnostics of ConsensusDP and ExpertDPSGD per env and epsilon."""
    private = df[df["agent"].isin(["ConsensusDP", "ExpertDPSGD"])]
    columns = [c for c in DIAGNOSTICS if c in private.columns]
    if private.empty or not columns:
        return pd.DataFrame()
    return private.groupby(["env_id", "agent", "epsilon"])[columns].mean().dropna(axis=1, how="all")


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """One PNG: normalized return against epsilon, one panel per environment."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = normalise(df)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    envs = sorted(df["env_id"].unique())
    fig, axes = plt.subplots(1, len(envs), figsize=(5 * len(envs), 3.6), squeeze=False)
    for ax, env_id in zip(axes[0], envs):
        sub = df[df["env_id"] == env_id]
        for agent, rows in sub.groupby("agent"):
            if agent == CEILING:  # ignores epsilon: a horizontal line with its seed band
                mean, sem = rows["normalized_return"].mean(), rows["normalized_return"].sem()
                ax.axhline(mean, color="k", ls="--", lw=1, label="BC, non-private (ceiling)")
                if np.isfinite(sem):
                    ax.axhspan(mean - sem, mean + sem, color="k", alpha=0.08)
                continue
            stats = rows.groupby("epsilon")["normalized_return"].agg(["mean", "sem"]).fillna(0.0)
            ax.errorbar(
                stats.index, stats["mean"], yerr=stats["sem"], fmt="-o", label=agent, capsize=3
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
    # Index levels become columns: the front end prints tables without their index.
    df = normalise(df)
    returns = table(df).round(3)
    returns.columns = [f"eps={e:g}" for e in returns.columns]
    out = {
        "normalised return per env, agent and epsilon (mean of seeds; BC: non-private ceiling)":
            returns.reset_index()
    }  # fmt: skip
    grouped = _with_ceiling_everywhere(df).groupby(["env_id", "agent", "epsilon"])
    sem = grouped["normalized_return"].sem().unstack("epsilon").round(3)
    sem.columns = [f"eps={e:g}" for e in sem.columns]
    out["standard error of the normalised return over seeds"] = sem.reset_index()
    if {"random_return", "expert_return"} <= set(df.columns):
        refs = df.groupby("env_id")[["random_return", "expert_return"]].agg(["mean", "min", "max"])
        refs.columns = [f"{name}_{stat}" for name, stat in refs.columns]
        title = "references of the score: random and expert (dataset) returns over seeds"
        out[title] = refs.round(2).reset_index()
    diag = diagnostics(df)
    if not diag.empty:
        out["release and noise diagnostics (means over seeds)"] = diag.reset_index()
    return out
