"""Scores, tables and figures of ``preference_design``: methods compared at matched KL.

Every fit is converged (see ``sweep.py``), so the beta path traces each
method's reward-vs-``KL(pi || pi_ref)`` frontier; :func:`matched_kl` compares
the frontiers at common KL values, :func:`comparisons` names the paper's three
design questions (loss curvature, normalising policy, sampling policy) and
:func:`claims` ends with ``claim — reproduced — evidence``. Recorded run
(docs/results/preference_design.txt, 756 runs, 278 s wall): at matched KL the
DPO-IPO difference is within [-0.009, +0.034] and never significant, although
averaged over beta DPO leads by 0.08-0.42 only because a given beta puts DPO
at larger KL; normalising by ``pi_ref`` beats base=uniform by +0.05 to +0.11
and base=sampling by +0.13 to +0.42 under skewed sampling.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
from scipy import stats

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = [
    "claims",
    "comparisons",
    "dpo_ipo_gap",
    "matched_kl",
    "plot",
    "score",
    "summary_tables",
    "unsampled_table",
]

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Normalised true reward (J(pi) - J(pi_ref)) / (J* - J(pi_ref)) at matched KL(pi || pi_ref): "
    "each agent's converged reward-vs-KL frontier over the beta path, linearly interpolated at "
    "KL values every agent reaches in that (sampling, R, seed), averaged, clipped to [0, 1]; "
    "higher is better, 0 = no better than pi_ref, 1 = the optimal response everywhere."
)

#: Points of the matched-KL grid inside the KL range every agent covers.
N_MATCHED = 8
_CELL = ["sampling", "reward_range", "seed"]


def matched_kl(df: pd.DataFrame, n_points: int = N_MATCHED) -> pd.DataFrame:
    """Reward of every agent interpolated at common KL values, per ``(sampling, R, seed)``.

    Each agent's runs over beta give points ``(KL, reward)``; sorted by KL they
    are interpolated linearly. The grid is ``n_points`` values spaced evenly in
    ``log KL`` between the largest per-agent minimum KL and the smallest
    per-agent maximum, so no agent is extrapolated. Columns: the cell keys,
    ``agent``, ``kl_grid`` and ``reward`` (mean over the grid), ``kl_low``,
    ``kl_high``.
    """
    rows = []
    for key, cell in df.groupby(_CELL):
        curves = {
            agent: run.sort_values("kl")[["kl", "normalized_reward"]].to_numpy()
            for agent, run in cell.groupby("agent")
        }
        low = max(c[0, 0] for c in curves.values())
        high = min(c[-1, 0] for c in curves.values())
        if not high > low > 0:
            continue
        grid = np.geomspace(low, high, n_points)
        for agent, c in curves.items():
            reward = np.interp(grid, c[:, 0], c[:, 1])
            rows.append(
                dict(
                    zip(_CELL, key),
                    agent=agent,
                    reward=float(reward.mean()),
                    kl_low=low,
                    kl_high=high,
                )
            )
    columns = [*_CELL, "agent", "reward", "kl_low", "kl_high"]
    return pd.DataFrame(rows, columns=columns)


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Per agent: mean normalised reward at matched KL (see :data:`SCORE`), in ``[0, 1]``."""
    scores = matched_kl(df).groupby("agent")["reward"].mean().clip(0.0, 1.0)
    return scores.rename("score").reset_index()


def _paired(matched: pd.DataFrame, a: str, b: str, **where: object) -> dict:
    """Mean over seeds of ``reward(a) - reward(b)`` at matched KL, with a 95 % t-interval."""
    sub = matched
    for col, val in where.items():
        sub = sub[sub[col] == val]
    wide = sub.pivot_table(index=_CELL, columns="agent", values="reward")
    if a not in wide or b not in wide:
        return {"a": a, "b": b, **where, "diff": np.nan, "low": np.nan, "high": np.nan, "n": 0}
    diff = (wide[a] - wide[b]).dropna().to_numpy()
    n = len(diff)
    half = stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / np.sqrt(n) if n >= 3 else np.nan
    mean = float(diff.mean()) if n else np.nan
    return {"a": a, "b": b, **where, "diff": mean, "low": mean - half, "high": mean + half, "n": n}


def comparisons(df: pd.DataFrame) -> pd.DataFrame:
    """The named comparisons at matched KL (paired by seed), one row per setting.

    * ``curvature``: IPO (squared loss, curvature bounded below) and SLiC
      (hinge, zero curvature) against DPO (logistic, curvature vanishing as
      the margin grows), all normalised by ``pi_ref``, for each ``R`` and
      sampling policy.
    * ``normalising``: base = reference against base = uniform (no
      normalisation) and base = sampling, per loss, under skewed sampling.
    * ``sampling``: the same agent on data from skewed ``mu`` against uniform
      ``mu`` (different datasets, so a different matched-KL grid per cell).
    """
    matched = matched_kl(df)
    rows = []
    for r in sorted(df["reward_range"].unique()):
        for samp in sorted(df["sampling"].unique()):
            for other in ("ipo", "slic"):
                rows.append(
                    {
                        "comparison": "curvature",
                        **_paired(
                            matched,
                            f"{other}/reference",
                            "dpo/reference",
                            reward_range=r,
                            sampling=samp,
                        ),
                    }
                )
            for loss in ("dpo", "ipo", "slic"):
                for base in ("uniform", "sampling"):
                    rows.append(
                        {
                            "comparison": "normalising",
                            **_paired(
                                matched,
                                f"{loss}/reference",
                                f"{loss}/{base}",
                                reward_range=r,
                                sampling=samp,
                            ),
                        }
                    )
    # Sampling policy: one agent, two datasets; pair by seed across the sampling column.
    for r in sorted(df["reward_range"].unique()):
        for agent in ("dpo/reference", "ipo/reference"):
            sub = matched[(matched["reward_range"] == r) & (matched["agent"] == agent)]
            relabeled = sub.assign(agent=agent + "@" + sub["sampling"], sampling="both")
            rows.append(
                {
                    "comparison": "sampling",
                    **_paired(relabeled, f"{agent}@uniform", f"{agent}@skewed", reward_range=r),
                }
            )
    return pd.DataFrame(rows)


def _verdict(rows: pd.DataFrame) -> str:
    """Say "yes" if every interval is above 0, "no" if none is, "partly" otherwise."""
    rows = rows.dropna(subset=["low"])
    if rows.empty:
        return "not tested (no paired seeds)"
    above = (rows["low"] > 0).to_numpy()
    return "yes" if above.all() else ("no" if not above.any() else "partly")


def _evidence(rows: pd.DataFrame) -> str:
    parts = []
    for _, r in rows.dropna(subset=["low"]).iterrows():
        where = f"R={r.reward_range:g}" + ("" if pd.isna(r.get("sampling")) else f", {r.sampling}")
        parts.append(f"{r.a} - {r.b} ({where}) {r['diff']:+.3f} [{r.low:+.3f}, {r.high:+.3f}]")
    return "; ".join(parts)


def claims(df: pd.DataFrame) -> pd.DataFrame:
    """``claim — reproduced yes/no/partly — evidence``, each from :func:`comparisons`.

    The claims are the issue's summary of the paper's findings (its full text
    was not available here), stated as directions at matched KL.
    """
    comp = comparisons(df)
    cur = comp[comp["comparison"] == "curvature"]
    norm = comp[comp["comparison"] == "normalising"]
    samp = comp[comp["comparison"] == "sampling"]
    near = cur[(cur["a"] == "ipo/reference") & (cur["reward_range"] == cur["reward_range"].max())]
    table = [
        (
            "Loss curvature: IPO (curvature bounded below) beats DPO at matched KL",
            cur[cur["a"] == "ipo/reference"],
        ),
        ("... in particular with near-deterministic preferences (largest R)", near),
        ("Loss curvature: SLiC (hinge) beats DPO at matched KL", cur[cur["a"] == "slic/reference"]),
        (
            "Normalising by pi_ref beats no normalisation (base=uniform) at matched KL",
            norm[(norm["b"].str.endswith("/uniform")) & (norm["sampling"] == "skewed")],
        ),
        (
            "Normalising by pi_ref beats normalising by the sampling policy mu at matched KL",
            norm[(norm["b"].str.endswith("/sampling")) & (norm["sampling"] == "skewed")],
        ),
        ("Sampling policy: data from uniform mu beats skewed mu (best responses rare)", samp),
    ]
    return pd.DataFrame(
        [
            {"claim": c, "reproduced": _verdict(rows), "evidence": _evidence(rows)}
            for c, rows in table
        ]
    )


_COLORS = {"dpo": "tab:blue", "ipo": "tab:orange", "slic": "tab:green"}
_STYLES = {"reference": "-", "sampling": "--", "uniform": ":"}


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
    matched = matched_kl(df)
    at_kl = (
        matched.groupby(["sampling", "reward_range", "agent"])[["reward", "kl_low", "kl_high"]]
        .mean()
        .reset_index()
    )
    fits = df.groupby("agent")[["converged", "n_iterations"]].agg(["mean", "max"])
    fits.columns = ["_".join(c) for c in fits.columns]
    return {
        "reward at matched KL (mean over seeds and the KL grid)": at_kl,
        "fits: fraction stopped by a convergence criterion, iterations": fits.reset_index(),
        "named comparisons at matched KL (paired by seed, 95 % t-interval)": comparisons(df),
        "claims (claim - reproduced - evidence)": claims(df),
        "mean over n, beta": frontier,
        "best beta, mean over n": best,
        "DPO - IPO (base=reference)": dpo_ipo_gap(df),
        "unsampled responses (censored mu)": unsampled_table(df),
    }


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Titled tables of the study (printed by the front end, written to ``tables.md``)."""
    return summary_tables(df)
