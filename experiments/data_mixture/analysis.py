"""Score and plots of the data-mixture study.

The bsuite-style score of a run is its Spearman correlation between
predicted and true held-out losses, clipped to ``[0, 1]`` (an anti-correlated
regressor scores 0); an agent's score is its mean over the runs given.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from rlsuite.experiments import plotting  # noqa: E402

__all__ = ["plot", "score", "summary"]

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Spearman rank correlation between the regressor's predicted and the true held-out losses "
    "of 90 unseen mixtures, clipped at 0; higher is better, 0 = no (or inverted) ranking, 1 = a"
    " perfect ranking."
)


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Mean clipped Spearman per agent: DataFrame with columns ``agent, score``."""
    scores = df.assign(score=df["spearman"].clip(0.0, 1.0)).groupby("agent")["score"].mean()
    return scores.reset_index()


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Mean (and min) Spearman, chosen and uniform loss per ``n_train`` and agent."""
    grouped = df.groupby(["n_train", "agent"])
    table = grouped.agg(
        spearman=("spearman", "mean"),
        spearman_sem=("spearman", "sem"),
        spearman_min=("spearman", "min"),
        chosen_loss=("chosen_loss", "mean"),
        uniform_loss=("uniform_loss", "mean"),
        improvement=("improvement_over_uniform", "mean"),
        best_heldout_loss=("best_heldout_loss", "mean"),
        runs=("seed", "count"),
    )
    return table.reset_index()


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Spearman vs ``n_train``, chosen-vs-uniform loss, and one predicted-vs-true scatter."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    agents = sorted(df["agent"].unique())
    colors = plotting.agent_colours(agents, "data_mixture")
    table = summary(df)
    paths = []

    fig, axes = plotting.figure(1, 1, panel=(5, 4))
    ax = axes[0, 0]
    for agent in agents:
        rows = table[table["agent"] == agent].sort_values("n_train")
        ax.errorbar(
            rows["n_train"], rows["spearman"], yerr=rows["spearman_sem"].fillna(0.0),
            marker="o", capsize=3, label=agent, color=colors[agent],
        )  # fmt: skip
    ax.set_xlabel("observed training mixtures n")
    ax.set_ylabel("Spearman rho on 90 held-out mixtures")
    ax.set_ylim(min(-0.1, float(table["spearman"].min()) - 0.05), 1.02)
    plotting.legend_outside(fig)
    paths.append(plotting.save(fig, out / "data_mixture_spearman.png"))

    fig, axes = plotting.figure(1, 1, panel=(6, 4))
    ax = axes[0, 0]
    n_values = sorted(table["n_train"].unique())
    width = 0.8 / (len(agents) + 1)
    positions = np.arange(len(n_values))
    uniform = table.groupby("n_train")["uniform_loss"].mean().reindex(n_values)
    ax.bar(positions, uniform, width, label="uniform", color="grey")
    for i, agent in enumerate(agents, start=1):
        rows = table[table["agent"] == agent].set_index("n_train").reindex(n_values)
        ax.bar(positions + i * width, rows["chosen_loss"], width, label=agent, color=colors[agent])
    ax.set_xticks(positions + width * len(agents) / 2)
    ax.set_xticklabels([f"n={plotting.number(n)}" for n in n_values])
    low = float(table[["chosen_loss", "uniform_loss"]].min().min())
    high = float(table[["chosen_loss", "uniform_loss"]].max().max())
    ax.set_ylim(low - 0.1 * (high - low + 1e-9), high + 0.1 * (high - low + 1e-9))
    ax.set_ylabel("true validation loss of chosen mixture (nats)")
    plotting.mark_truncated(ax)
    plotting.legend_outside(fig)
    paths.append(plotting.save(fig, out / "data_mixture_chosen_loss.png"))

    if not curves.empty:
        paths.append(_scatter(df, curves, agents, colors, out))
    return paths


def _scatter(
    df: pd.DataFrame, curves: pd.DataFrame, agents: list[str], colors: dict, out: Path
) -> Path:
    """Predicted vs true held-out loss for the first seed of the middle ``n_train``."""
    n_values = sorted(df["n_train"].unique())
    middle = df[df["n_train"] == n_values[len(n_values) // 2]]
    seed = middle["seed"].min()
    fig, axes = plotting.figure(1, len(agents), panel=(3.2, 3.2))
    for ax, agent in zip(axes[0], agents):
        setting = middle[middle["agent"] == agent]["setting"].iloc[0]
        keys = (curves["setting"] == setting) & (curves["agent"] == agent)
        run = curves[keys & (curves["seed"] == seed)]
        true = run[run["curve"] == "heldout_true_loss"].sort_values("step")["value"].to_numpy()
        pred = run[run["curve"] == "heldout_predicted"].sort_values("step")["value"].to_numpy()
        ax.scatter(true, pred, s=8, color=colors[agent])
        plotting.identity_line(ax)
        ax.set_title(f"{agent} (seed {seed})", fontsize="small")
        ax.set_xlabel("true loss")
    axes[0][0].set_ylabel("predicted loss")
    axes[0][0].legend(loc="upper left")
    return plotting.save(fig, out / "data_mixture_scatter.png")


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Titled tables of the study (printed by the front end, written to ``tables.md``)."""
    return {"rank correlation and chosen-mixture loss per n_train": summary(df)}
