"""Scores, tables and figures of ``preference_design``."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["dpo_ipo_gap", "plot", "score", "summary_tables", "unsampled_table"]

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Normalised true reward of the learned policy, (J(pi) - J(pi_ref)) / (J* - J(pi_ref)) "
    "clipped to [0, 1]; higher is better, 0 = no better than the reference policy, 1 = the "
    "optimal response everywhere."
)

_COLORS = {"dpo": "tab:blue", "ipo": "tab:orange", "slic": "tab:green"}
_STYLES = {"reference": "-", "sampling": "--", "uniform": ":"}


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Per agent: mean normalised true reward, clipped to ``[0, 1]`` (1 = optimal response)."""
    scores = df.groupby("agent")["normalized_reward"].mean().clip(0.0, 1.0)
    return scores.rename("score").reset_index()


def dpo_ipo_gap(df: pd.DataFrame, base: str = "reference") -> pd.DataFrame:
    """DPO minus IPO normalised reward per ``(sampling, R, n)``: best and mean over ``beta``."""
    rows = df[df["agent"].isin([f"dpo/{base}", f"ipo/{base}"])]
    keys = ["sampling", "reward_range", "n_pairs", "agent"]
    per_beta = rows.groupby([*keys, "beta"])["normalized_reward"].mean().reset_index()
    best = per_beta.groupby(keys)["normalized_reward"].max().unstack("agent")
    mean = per_beta.groupby(keys)["normalized_reward"].mean().unstack("agent")
    out = pd.DataFrame(
        {
            "best_dpo": best[f"dpo/{base}"],
            "best_ipo": best[f"ipo/{base}"],
            "gap_best": best[f"dpo/{base}"] - best[f"ipo/{base}"],
            "gap_mean_over_beta": mean[f"dpo/{base}"] - mean[f"ipo/{base}"],
        }
    )
    return out.reset_index()


def unsampled_table(df: pd.DataFrame) -> pd.DataFrame:
    """Mass that each agent puts on responses ``mu`` never samples (censored sampling)."""
    cens = df[df["sampling"] == "censored"]
    cols = ["unsampled_mass", "unsampled_mass_ref", "greedy_unsampled", "normalized_reward"]
    return cens.groupby(["agent", "reward_range"])[cols].mean().reset_index()


def _frontier_figure(df: pd.DataFrame, sampling: str, out: Path) -> Path:
    sub = df[df["sampling"] == sampling]
    ranges, sizes = sorted(sub["reward_range"].unique()), sorted(sub["n_pairs"].unique())
    fig, axes = plt.subplots(
        len(ranges), len(sizes), figsize=(4 * len(sizes), 3.2 * len(ranges)), squeeze=False
    )
    for i, r in enumerate(ranges):
        for j, n in enumerate(sizes):
            ax = axes[i][j]
            cell = sub[(sub["reward_range"] == r) & (sub["n_pairs"] == n)]
            means = cell.groupby(["agent", "beta"])[["kl", "normalized_reward"]].mean()
            for agent, curve in means.groupby(level="agent"):
                loss, _, base = str(agent).partition("/")
                ax.plot(
                    curve["kl"],
                    curve["normalized_reward"],
                    marker="o",
                    ms=3,
                    color=_COLORS.get(loss, "k"),
                    ls=_STYLES.get(base, "-"),
                    label=agent,
                )
            opt = cell.groupby("beta")[["regularized_kl", "regularized_normalized_reward"]].mean()
            ax.plot(
                opt["regularized_kl"],
                opt["regularized_normalized_reward"],
                "k+",
                ms=6,
                label="pi*_beta",
            )
            ax.set_xscale("symlog", linthresh=0.1)
            ax.set_title(f"R={r:g}, n={n}", fontsize=9)
            ax.set_xlabel("KL(pi || pi_ref)")
            ax.set_ylabel("normalised true reward")
    axes[0][0].legend(fontsize=6, ncol=2)
    fig.suptitle(f"preference_design: reward vs KL over beta (sampling={sampling})")
    fig.tight_layout()
    path = out / f"preference_design_frontier_{sampling}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _gap_figure(df: pd.DataFrame, out: Path) -> Path:
    samplings = [s for s in ("uniform", "skewed", "censored") if (df["sampling"] == s).any()]
    fig, axes = plt.subplots(1, len(samplings), figsize=(4.5 * len(samplings), 3.4), squeeze=False)
    axes = axes[0]
    for ax, sampling in zip(axes, samplings):
        gap = dpo_ipo_gap(df[df["sampling"] == sampling])
        for n, rows in gap.groupby("n_pairs"):
            ax.plot(rows["reward_range"], rows["gap_best"], marker="o", label=f"n={n} best beta")
            ax.plot(
                rows["reward_range"],
                rows["gap_mean_over_beta"],
                marker="x",
                ls="--",
                label=f"n={n} mean over beta",
            )
        ax.axhline(0.0, color="k", lw=0.5)
        ax.set_xscale("log", base=4)
        ax.set_xlabel("reward range R")
        ax.set_ylabel("DPO - IPO normalised reward")
        ax.set_title(f"sampling={sampling}, base=reference", fontsize=9)
    axes[0].legend(fontsize=6)
    fig.tight_layout()
    path = out / "preference_design_dpo_ipo_gap.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _unsampled_figure(df: pd.DataFrame, out: Path) -> Path:
    table = unsampled_table(df)
    fig, ax = plt.subplots(figsize=(8, 3.4))
    agents = sorted(table["agent"].unique())
    ranges = sorted(table["reward_range"].unique())
    width = 0.8 / len(ranges)
    for k, r in enumerate(ranges):
        rows = table[table["reward_range"] == r].set_index("agent").reindex(agents)
        ax.bar(
            [i + k * width for i in range(len(agents))],
            rows["unsampled_mass"],
            width,
            label=f"R={r:g}",
        )
    ref = table.groupby("agent")["unsampled_mass_ref"].mean().reindex(agents)
    ax.plot(range(len(agents)), ref.values, "k_", ms=20, label="pi_ref")
    ax.set_xticks(
        [i + 0.4 - width / 2 for i in range(len(agents))], agents, rotation=30, fontsize=7
    )
    ax.set_ylabel("pi mass on responses mu never samples")
    ax.legend(fontsize=7)
    fig.tight_layout()
    path = out / "preference_design_unsampled_mass.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Reward-vs-KL frontiers per sampling policy, the DPO-IPO gap, unsampled mass."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [_frontier_figure(df, s, out) for s in sorted(df["sampling"].unique())]
    paths.append(_gap_figure(df, out))
    if (df["sampling"] == "censored").any():
        paths.append(_unsampled_figure(df, out))
    return paths


def summary_tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The tables printed by ``python -m rlsuite.experiments.preference_design``."""
    frontier = (
        df.groupby(["sampling", "reward_range", "agent"])[["normalized_reward", "kl"]]
        .mean()
        .reset_index()
    )
    best = (
        df.groupby(["sampling", "reward_range", "n_pairs", "agent", "beta"])["normalized_reward"]
        .mean()
        .groupby(["sampling", "reward_range", "agent"])
        .max()
        .unstack("agent")
        .reset_index()
    )
    return {
        "mean over n, beta": frontier,
        "best beta, mean over n": best,
        "DPO - IPO (base=reference)": dpo_ipo_gap(df),
        "unsampled responses (censored mu)": unsampled_table(df),
    }


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Titled tables of the study (printed by the front end, written to ``tables.md``)."""
    return summary_tables(df)
