"""Score and plots of the heavy-tailed bandit study.

The bsuite-style score of a run is ``1 - regret / regret_random`` where
``regret_random = T * gap * (K - 1) / K`` is the expected pseudo-regret of
uniform play, clipped to ``[0, 1]`` (worse than random scores 0, as in
bsuite). An agent's score is its mean over the runs given.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["plot", "random_regret", "run_scores", "score"]

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Cumulative pseudo-regret at T relative to uniform play, 1 - regret / regret_uniform "
    "clipped to [0, 1]; higher is better, 0 = no better than picking arms at random, 1 = zero "
    "regret."
)


def random_regret(df: pd.DataFrame) -> pd.Series:
    """Expected cumulative pseudo-regret of uniform play for each row's setting."""
    k = df["n_arms"].astype(float)
    return df["horizon"].astype(float) * df["gap"].astype(float) * (k - 1.0) / k


def run_scores(df: pd.DataFrame) -> pd.Series:
    """Score of every run (row) in ``[0, 1]``."""
    return (1.0 - df["regret"] / random_regret(df)).clip(0.0, 1.0)


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Mean score per agent: DataFrame with columns ``agent, score``."""
    scores = df.assign(score=run_scores(df)).groupby("agent", sort=True)["score"].mean()
    return scores.reset_index()


def _setting_title(row: pd.Series) -> str:
    noise = "Gaussian" if row["noise"] == "gaussian" else f"Student-t df={row['df']:g}"
    return f"{noise}, gap={row['gap']:g}, K={int(row['n_arms'])}"


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Cumulative regret per setting (mean +- standard error over seeds) and final regret."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    settings = df.drop_duplicates("setting").set_index("setting").sort_index()
    agents = sorted(df["agent"].unique())
    colors = dict(zip(agents, plt.get_cmap("tab10").colors))
    regret = curves[curves["curve"] == "cumulative_regret"]

    fig, axes = plt.subplots(1, len(settings), figsize=(5 * len(settings), 4), squeeze=False)
    for ax, (setting, row) in zip(axes[0], settings.iterrows()):
        for agent, runs in regret[regret["setting"] == setting].groupby("agent"):
            stats = runs.groupby("step")["value"].agg(["mean", "sem", "count"])
            sem = stats["sem"].fillna(0.0)
            ax.plot(stats.index, stats["mean"], label=agent, color=colors[agent])
            ax.fill_between(
                stats.index,
                stats["mean"] - sem,
                stats["mean"] + sem,
                alpha=0.2,
                lw=0,
                color=colors[agent],
            )
        ax.set_title(_setting_title(row))
        ax.set_xlabel("round t")
        ax.set_ylabel("cumulative pseudo-regret")
    axes[0][0].legend(fontsize="small")
    fig.tight_layout()
    paths = [out / "heavy_tail_mab_regret.png"]
    fig.savefig(paths[0], dpi=100)
    plt.close(fig)

    final = df.groupby(["setting", "agent"])["regret"].agg(["mean", "sem"]).reset_index()
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(len(agents), 1)
    positions = np.arange(len(settings))
    for i, agent in enumerate(agents):
        rows = final[final["agent"] == agent].set_index("setting").reindex(settings.index)
        ax.bar(
            positions + i * width,
            rows["mean"],
            width,
            yerr=rows["sem"].fillna(0.0),
            label=agent,
            color=colors[agent],
        )
    ax.set_xticks(positions + width * (len(agents) - 1) / 2)
    ax.set_xticklabels([_setting_title(r) for _, r in settings.iterrows()], fontsize="small")
    ax.set_ylabel("regret at T (mean +- s.e.)")
    ax.legend(fontsize="small")
    fig.tight_layout()
    paths.append(out / "heavy_tail_mab_final_regret.png")
    fig.savefig(paths[1], dpi=100)
    plt.close(fig)
    return paths
