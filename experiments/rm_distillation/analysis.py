"""Scores, tables and figures of ``rm_distillation``."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["plot", "score", "summary_tables"]

_CURVES = ("parameter_norm", "margin", "preferred_prob", "unseen_mass", "true_reward")
_COLUMNS = [
    "parameter_norm_early",
    "parameter_norm_final",
    "margin_early",
    "margin_final",
    "preferred_prob_final",
    "unseen_mass_final",
    "true_reward_final",
    "kl",
    "worst_member_loss",
    "mean_member_loss",
]


#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "True reward of the learned policy, (J(pi) - J(uniform)) / (J(best response) - J(uniform)) "
    "clipped to [0, 1]; higher is better, 0 = no better than choosing responses uniformly, "
    "1 = always the best response."
)
#: Second quantities (:func:`metrics`).
METRICS = {
    "margin_stability": "min(1, implicit-reward margin at step 200 / final margin); 1 = the "
    "margin stopped growing by step 200, about 200 / n_steps = it grew without bound.",
}


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Per agent: normalised true reward of the final policy, in ``[0, 1]`` (see :data:`SCORE`)."""
    span = df["best_true_reward"] - df["uniform_true_reward"]
    value = ((df["true_reward_final"] - df["uniform_true_reward"]) / span).clip(0.0, 1.0)
    return value.groupby(df["agent"]).mean().rename("score").reset_index()


def metrics(df: pd.DataFrame) -> pd.DataFrame:
    """Margin stability ``min(1, margin_early / margin_final)`` per agent (mean over runs)."""
    ratio = (df["margin_early"] / df["margin_final"]).clip(0.0, 1.0)
    table = ratio.groupby(df["agent"]).mean().rename("value").reset_index()
    return table.assign(metric="margin_stability")[["agent", "metric", "value"]]


def summary_tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Mean metrics per ``(n_pairs, beta, agent)``, and the same pooled over settings."""
    per_setting = df.groupby(["n_pairs", "beta", "agent"])[_COLUMNS].mean().reset_index()
    pooled = df.groupby("agent")[_COLUMNS].mean().reset_index()
    return {"per setting (mean over seeds)": per_setting, "pooled": pooled}


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Training curves per setting, and final true reward / KL / worst-member loss per agent."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    params = df.drop_duplicates("setting").set_index("setting")
    settings = sorted(curves["setting"].unique())
    fig, axes = plt.subplots(
        len(settings),
        len(_CURVES),
        figsize=(3.2 * len(_CURVES), 2.6 * len(settings)),
        squeeze=False,
    )
    for i, setting in enumerate(settings):
        rows = curves[curves["setting"] == setting]
        label = f"n={params.loc[setting, 'n_pairs']}, beta={params.loc[setting, 'beta']:g}"
        for j, name in enumerate(_CURVES):
            ax = axes[i][j]
            mean = rows[rows["curve"] == name].groupby(["agent", "step"])["value"].mean()
            for agent, curve in mean.groupby(level="agent"):
                ax.plot(curve.index.get_level_values("step"), curve.values, label=agent)
            ax.set_title(f"{name} ({label})", fontsize=8)
            ax.set_xlabel("step", fontsize=8)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    curve_path = out / "rm_distillation_curves.png"
    fig.savefig(curve_path, dpi=100)
    plt.close(fig)

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    agents = sorted(df["agent"].unique())
    for ax, metric in zip(axes, ("true_reward_final", "kl", "worst_member_loss")):
        means = df.groupby("agent")[metric].mean().reindex(agents)
        sems = df.groupby("agent")[metric].sem().reindex(agents).fillna(0.0)
        ax.bar(np.arange(len(agents)), means.values, yerr=sems.values)
        ax.set_xticks(np.arange(len(agents)), agents, rotation=30, fontsize=8)
        ax.set_title(metric, fontsize=9)
        if metric == "worst_member_loss":
            ax.set_yscale("log")
    fig.tight_layout()
    bar_path = out / "rm_distillation_final.png"
    fig.savefig(bar_path, dpi=100)
    plt.close(fig)
    return [curve_path, bar_path]


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Titled tables of the study (printed by the front end, written to ``tables.md``)."""
    return summary_tables(df)
