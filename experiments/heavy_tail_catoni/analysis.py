"""Analysis of the heavy-tailed Catoni study: regret table, robustness score, plots.

Robustness score (bsuite style, in ``[0, 1]``, higher is better). For an
agent and a noise setting ``s``, its normalised performance is
``p_s = clip(1 - R_s / R_s^unif, 0, 1)``, where ``R_s`` is its mean regret at
``T`` and ``R_s^unif`` that of uniform play on the same contexts (0: no
better than random, 1: no regret). The score is the mean over the
heavy-tailed settings of ``min(1, p_s / p_gaussian)``: 1 when the agent does
as well under every tail index as under Gaussian noise, 0 when it is
reduced to random play; an agent that never learns scores 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rlsuite.experiments.heavy_tail_catoni.sweep import NOISES

__all__ = ["performance", "plot", "score", "table"]

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Robustness to heavy tails: the mean over heavy-tailed noises of min(1, p_noise / "
    "p_gaussian), where p = 1 - regret / uniform-play regret at T; higher is better, 0 = "
    "reduced to random play under heavy tails, 1 = as good as under Gaussian noise."
)

NOISE_ORDER = [label for label, *_ in NOISES]


def performance(df: pd.DataFrame) -> pd.DataFrame:
    """Normalised performance ``p_s`` per agent (rows) and noise label (columns)."""
    means = df.groupby(["agent", "noise_label"])[["regret", "random_regret"]].mean()
    perf = (1.0 - means["regret"] / means["random_regret"]).clip(0.0, 1.0)
    return perf.unstack("noise_label").reindex(columns=NOISE_ORDER)


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Robustness score per agent, in ``[0, 1]`` (see the module docstring)."""
    perf = performance(df)
    heavy = [c for c in perf.columns if c != "gaussian" and perf[c].notna().any()]
    reference = perf["gaussian"]
    ratios = perf[heavy].div(reference.where(reference > 0), axis=0).clip(upper=1.0)
    scores = ratios.mean(axis=1).fillna(0.0).clip(0.0, 1.0)
    return scores.rename("score").reset_index()


def table(df: pd.DataFrame) -> pd.DataFrame:
    """``mean ± s.e.`` of the regret at ``T`` per agent (rows) and noise (columns)."""
    grouped = df.groupby(["agent", "noise_label"])["regret"]
    stats = grouped.agg(["mean", "std", "count"])
    se = stats["std"].fillna(0.0) / np.sqrt(stats["count"])
    cells = [f"{m:.0f} ± {s:.0f}" for m, s in zip(stats["mean"], se)]
    formatted = pd.Series(cells, index=stats.index).unstack("noise_label")
    random = df.groupby("noise_label")["random_regret"].mean()
    formatted.loc["(uniform play)"] = [f"{random.get(c, np.nan):.0f}" for c in formatted]
    return formatted.reindex(columns=[c for c in NOISE_ORDER if c in formatted])


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Cumulative-regret curves (mean ± s.e. band) per noise, and the score bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    label_of = df.drop_duplicates("setting").set_index("setting")["noise_label"]
    data = curves[curves["curve"] == "cumulative_regret"]
    data = data.assign(noise_label=data["setting"].map(label_of))
    labels = [c for c in NOISE_ORDER if c in set(data["noise_label"])]
    fig, axes = plt.subplots(1, len(labels), figsize=(4 * len(labels), 3.4), squeeze=False)
    for ax, label in zip(axes[0], labels):
        for agent, group in data[data["noise_label"] == label].groupby("agent"):
            by_step = group.groupby("step")["value"]
            mean, se = by_step.mean(), by_step.std().fillna(0.0) / np.sqrt(by_step.count())
            ax.plot(mean.index, mean.values, label=agent)
            ax.fill_between(mean.index, mean - se, mean + se, alpha=0.2)
        ax.set_title(f"noise: {label}")
        ax.set_xlabel("round t")
        ax.set_ylabel("cumulative regret")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    paths = [_save(fig, out_dir / "heavy_tail_catoni_regret.png")]
    scores = score(df)
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar(scores["agent"], scores["score"])
    ax.set_ylim(0, 1)
    ax.set_ylabel("robustness score")
    fig.tight_layout()
    paths.append(_save(fig, out_dir / "heavy_tail_catoni_score.png"))
    return paths


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)
    return path


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Titled tables of the study (printed by the front end, written to ``tables.md``)."""
    return {"regret at T per agent and noise": table(df)}
