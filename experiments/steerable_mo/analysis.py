"""Scores and plots of the steerable multi-objective study."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["plot", "score", "summary"]

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Hypervolume of the steered policy's reward front as a fraction of the exact optimum's on "
    "the same weight grid, clipped to 1; higher is better, 0 = an empty front, 1 = the optimal "
    "front."
)

METHOD_COLOURS = {"CLP": "C0", "RewardedSoups": "C1", "PromptConditioned": "C2"}


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Mean hypervolume ratio (learned / exact optimum on the same grid) per agent, in ``[0, 1]``.

    A learned point set can beat the exact grid points by a hair (staircase
    effect of points off the grid positions), so the mean is clipped to 1.
    """
    scores = df.groupby("agent")["hypervolume_ratio"].mean().clip(0.0, 1.0)
    return scores.rename("score").reset_index()


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error over seeds of the headline metrics, per setting and agent."""
    metrics = ["hypervolume", "hypervolume_ratio", "expected_utility", "utility_regret", "mean_kl"]
    grouped = df.groupby(["setting", "kl_coef", "agent"])[metrics]
    mean, sem = grouped.mean(), grouped.sem(ddof=1)
    return mean.join(sem, rsuffix="_se").reset_index()


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Write the Pareto fronts (first seed of each setting) and a hypervolume bar chart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    settings = sorted(df["setting"].unique())
    agents = sorted(df["agent"].unique())

    fig, axes = plt.subplots(1, len(settings), figsize=(4.2 * len(settings), 4), squeeze=False)
    for ax, setting in zip(axes[0], settings):
        rows = curves[curves["setting"] == setting]
        seed = rows["seed"].min()
        rows = rows[rows["seed"] == seed]
        first = rows[rows["agent"] == agents[0]]
        _front(ax, first, "optimal_front", "exact optimum", "k", "--")
        for agent in agents:
            _front(ax, rows[rows["agent"] == agent], "front", agent, METHOD_COLOURS.get(agent))
        kl = df.loc[df["setting"] == setting, "kl_coef"].iloc[0]
        ax.set(title=f"{setting} (beta={kl}, seed {seed})", xlabel="J_1", ylabel="J_2")
        ax.legend(fontsize=8)
    fronts = _save(fig, out / "steerable_mo_fronts.png")

    table = summary(df)
    fig, ax = plt.subplots(figsize=(6, 4))
    width = 0.8 / len(agents)
    x = np.arange(len(settings))
    for k, agent in enumerate(agents):
        rows = table[table["agent"] == agent].set_index("setting").reindex(settings)
        ax.bar(
            x + k * width,
            rows["hypervolume_ratio"],
            width,
            yerr=rows["hypervolume_ratio_se"].fillna(0.0),
            label=agent,
            color=METHOD_COLOURS.get(agent),
        )
    betas = [df.loc[df["setting"] == s, "kl_coef"].iloc[0] for s in settings]
    ax.set_xticks(x + width * (len(agents) - 1) / 2, [f"beta={b}" for b in betas], fontsize=8)
    low = max(0.0, float(table["hypervolume_ratio"].min()) - 0.05)
    ax.set(ylabel="hypervolume / exact optimum (11 weights)", ylim=(low, 1.01))
    ax.legend(fontsize=8, loc="upper center", ncol=len(agents), bbox_to_anchor=(0.5, -0.08))
    bars = _save(fig, out / "steerable_mo_hypervolume.png")
    return [fronts, bars]


def _front(ax, rows: pd.DataFrame, prefix: str, label: str, colour, style: str = "-o") -> None:
    first = rows[rows["curve"] == f"{prefix}_objective_1"].sort_values("step")
    second = rows[rows["curve"] == f"{prefix}_objective_2"].sort_values("step")
    ax.plot(first["value"], second["value"], style, label=label, color=colour, ms=3, lw=1)


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fd, tmp = tempfile.mkstemp(suffix=".png", dir=path.parent)
    os.close(fd)
    fig.tight_layout()
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    os.replace(tmp, path)
    return path


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Titled tables of the study (printed by the front end, written to ``tables.md``)."""
    return {"front quality per KL strength and agent": summary(df)}
