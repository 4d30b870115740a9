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

import numpy as np
import pandas as pd
from scipy import stats

from rlsuite.experiments import plotting

__all__ = [
    "claims",
    "comparisons",
    "dpo_ipo_gap",
    "dpo_ipo_gap_per_seed",
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


_STYLES = {"reference": "-", "sampling": "--", "uniform": ":"}
_STUDY = "preference_design"


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


def dpo_ipo_gap_per_seed(df: pd.DataFrame, base: str = "reference") -> pd.DataFrame:
    """DPO minus IPO per ``(sampling, R, seed)``: best beta, mean over beta, at matched KL.

    Long table with columns ``sampling, reward_range, seed, kind, gap``
    (``kind`` in ``best beta``, ``mean over beta``, ``matched KL``), the
    per-seed values the gap figure draws its median and IQR from.
    """
    dpo, ipo = f"dpo/{base}", f"ipo/{base}"
    rows = df[df["agent"].isin([dpo, ipo])]
    cell = ["sampling", "reward_range", "seed"]
    per_beta = rows.groupby([*cell, "agent", "beta"])["normalized_reward"].mean()
    best = per_beta.groupby([*cell, "agent"]).max().unstack("agent")
    mean = per_beta.groupby([*cell, "agent"]).mean().unstack("agent")
    matched = matched_kl(rows).pivot_table(index=cell, columns="agent", values="reward")
    parts = []
    for kind, wide in (("best beta", best), ("mean over beta", mean), ("matched KL", matched)):
        if dpo in wide and ipo in wide:
            gap = (wide[dpo] - wide[ipo]).dropna().rename("gap").reset_index()
            parts.append(gap.assign(kind=kind))
    columns = [*cell, "kind", "gap"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def unsampled_table(df: pd.DataFrame) -> pd.DataFrame:
    """Mass that each agent puts on responses ``mu`` never samples (censored sampling)."""
    cens = df[df["sampling"] == "censored"]
    cols = ["unsampled_mass", "unsampled_mass_ref", "greedy_unsampled", "normalized_reward"]
    return cens.groupby(["agent", "reward_range"])[cols].mean().reset_index()


def _frontier_figure(df: pd.DataFrame, sampling: str, out: Path) -> Path:
    """Reward against KL along the beta path, one panel per ``(R, n)``.

    Points are medians over seeds at each beta with inter-quartile error bars
    in both directions (from >= 3 seeds); KL is on a log axis with values
    below 1e-4 drawn at 1e-4 and marked.
    """
    sub = df[df["sampling"] == sampling]
    cells = [
        (r, n)
        for r in sorted(sub["reward_range"].unique())
        for n in sorted(sub["n_pairs"].unique())
    ]
    colours = plotting.agent_colours(sub["agent"].unique(), _STUDY)
    n_seeds = int(sub.groupby(["agent", "beta", "reward_range", "n_pairs"])["seed"].nunique().min())
    ncols = min(3, len(cells))
    fig, axes = plotting.figure(
        -(-len(cells) // ncols),
        ncols,
        panel=(4.6, 3.6),
        title=f"{_STUDY}: true reward vs KL along the beta path (sampling={sampling}; "
        f"median over {plotting.seeds_label(n_seeds)}"
        + (", IQR bars)" if n_seeds >= plotting.MIN_SEEDS_FOR_INTERVAL else ", no interval)"),
        sharey=True,
    )
    for ax in axes.flat[len(cells) :]:
        ax.set_visible(False)
    floor = 1e-4
    for ax, (r, n) in zip(axes.flat, cells):
        cell = sub[(sub["reward_range"] == r) & (sub["n_pairs"] == n)]
        ax.set_xlabel("KL(pi || pi_ref)")
        ax.set_ylabel("normalised true reward")
        clipped = 0
        for agent, runs in cell.groupby("agent"):
            _, _, base = str(agent).partition("/")
            per_beta = runs.groupby("beta")[["kl", "normalized_reward"]]
            mid = per_beta.median()
            kl = np.maximum(mid["kl"].to_numpy(), floor)
            clipped += int((mid["kl"] <= floor).sum())
            err = {}
            if n_seeds >= plotting.MIN_SEEDS_FOR_INTERVAL:
                q25, q75 = per_beta.quantile(0.25), per_beta.quantile(0.75)
                err = {
                    "xerr": [
                        kl - np.maximum(q25["kl"], floor),
                        np.maximum(q75["kl"], floor) - kl,
                    ],
                    "yerr": [
                        mid["normalized_reward"] - q25["normalized_reward"],
                        q75["normalized_reward"] - mid["normalized_reward"],
                    ],
                }
            ax.errorbar(
                kl,
                mid["normalized_reward"],
                **err,
                marker="o",
                ms=3,
                capsize=0,
                elinewidth=0.6,
                color=colours[agent],
                ls=_STYLES.get(base, "-"),
                label=agent,
            )
        opt = cell.groupby("beta")[["regularized_kl", "regularized_normalized_reward"]].median()
        ax.plot(
            np.maximum(opt["regularized_kl"], floor),
            opt["regularized_normalized_reward"],
            "k+",
            ms=6,
            label="pi*_beta (exact KL-regularised optimum)",
        )
        ax.set_xscale("log")
        plotting.mark_floor(ax, floor, clipped, axis="x")
        ax.set_title(f"R={plotting.number(r)}, {plotting.param_label('n', n)} pairs")
    plotting.legend_outside(fig)
    return plotting.save(fig, out / f"preference_design_frontier_{sampling}.png")


def _gap_figure(df: pd.DataFrame, out: Path) -> Path:
    """DPO - IPO (base=reference) against R per sampling policy, median and IQR over seeds."""
    samplings = [s for s in ("uniform", "skewed", "censored") if (df["sampling"] == s).any()]
    fig, axes = plotting.figure(
        1,
        len(samplings),
        panel=(4.4, 3.4),
        title=f"{_STUDY}: DPO - IPO normalised true reward (base=reference), "
        f"{plotting.param_label('n', df['n_pairs'].max())} pairs",
    )
    kinds = {"best beta": ("C0", "o"), "mean over beta": ("C1", "x"), "matched KL": ("C2", "s")}
    for ax, sampling in zip(axes[0], samplings):
        gap = dpo_ipo_gap_per_seed(df[df["sampling"] == sampling])
        ax.set_xscale("log", base=4)
        for kind, (colour, marker) in kinds.items():
            rows = gap[gap["kind"] == kind]
            if not rows.empty:
                plotting.sweep_line(ax, rows, "reward_range", "gap", kind, colour, marker=marker)
        ax.axhline(0.0, color="k", lw=0.5)
        plotting.number_ticks(ax, "x")
        ax.set_xlabel("reward range R")
        ax.set_ylabel("DPO - IPO normalised true reward")
        ax.set_title(f"sampling={sampling}")
    plotting.legend_outside(fig, loc="bottom")
    return plotting.save(fig, out / "preference_design_dpo_ipo_gap.png")


def _unsampled_figure(df: pd.DataFrame, out: Path) -> Path:
    table = unsampled_table(df)
    agents = sorted(table["agent"].unique())
    ranges = sorted(table["reward_range"].unique())
    fig, axes = plotting.figure(
        1,
        1,
        panel=(8, 3.6),
        title=f"{_STUDY}: policy mass on responses mu never samples (censored mu, mean over seeds)",
    )
    ax = axes[0, 0]
    width = 0.8 / len(ranges)
    for k, r in enumerate(ranges):
        rows = table[table["reward_range"] == r].set_index("agent").reindex(agents)
        ax.bar(
            [i + k * width for i in range(len(agents))],
            rows["unsampled_mass"],
            width,
            color=f"C{k}",
            label=f"R={plotting.number(r)}",
        )
    ref = table.groupby("agent")["unsampled_mass_ref"].mean().reindex(agents)
    ax.plot(
        [i + 0.4 - width / 2 for i in range(len(agents))], ref.values, "k_", ms=20, label="pi_ref"
    )
    ax.set_xticks(
        [i + 0.4 - width / 2 for i in range(len(agents))], agents, rotation=30, ha="right"
    )
    ax.set_ylabel("pi mass on unsampled responses")
    plotting.legend_outside(fig)
    return plotting.save(fig, out / "preference_design_unsampled_mass.png")


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
