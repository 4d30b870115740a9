"""Scores, tables, claims and figures of ``steerable_mo``.

SCORE: the hypervolume of a method's steered front (exact per-objective
values ``J(pi_w)`` on the 11-weight grid) as a fraction of the hypervolume of
the exact optimal policies ``pi*_w`` at the same weights, against the env's
fixed reference point (the exact front's nadir minus 10 % of its range).

Reading the claims. Each claim is a paired difference (same seed, so same
instance and same prompts) per setting with a 95 % Student-t interval over
seeds; "yes" means every setting's interval lies above 0, "partly" some,
"no" none. Dominance is weight-matched: at grid weight ``w``, method A's
point ``J(pi^A_w)`` dominates B's if it is at least as good in both
objectives and better in one (by more than ``DOMINANCE_TOL``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from rlsuite.experiments import plotting
from rlsuite.experiments.stats import paired_claim, paired_interval

__all__ = [
    "SCORE",
    "claims",
    "dominance_counts",
    "fronts",
    "paired_interval",
    "plot",
    "score",
    "summary",
    "tables",
]

SCORE = (
    "Hypervolume of the steered policy's exact per-objective values on 11 weights, as a "
    "fraction of the hypervolume of the exact optimal policies at the same weights (reference "
    "point: the exact front's nadir minus 10 % of its range), mean over settings and seeds, "
    "clipped to 1; higher is better, 0 = no steered point dominates the reference point, "
    "1 = the exact optimum at every weight."
)

#: Differences below this (in J units) do not count as dominating.
DOMINANCE_TOL = 1e-4
PAIRS = (("CLP", "RewardedSoups"), ("CLP", "PromptConditioned"))


def _label(row: pd.Series) -> str:
    noise = row.get("noise", "bernoulli")
    if noise != "bernoulli" and "noise_std" in row and pd.notna(row["noise_std"]):
        noise = f"{noise} std {row['noise_std']:g}"
    gradient = row.get("gradient", "exact")
    return f"{noise}, beta={row['kl_coef']:g}, {gradient}"


def _with_labels(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["case"] = out.apply(_label, axis=1) if len(out) else []
    return out


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Mean hypervolume ratio (learned / exact optimum on the same grid) per agent, in ``[0, 1]``.

    A learned point set can beat the exact grid points by a hair (staircase
    effect of points off the grid positions), so the mean is clipped to 1.
    """
    scores = df.groupby("agent")["hypervolume_ratio"].mean().clip(0.0, 1.0)
    return scores.rename("score").reset_index()


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per case and agent: mean and 95 % t-interval over seeds of the headline metrics."""
    df = _with_labels(df)
    rows = []
    for (case, agent), group in df.groupby(["case", "agent"]):
        row = {"case": case, "agent": agent, "n_seeds": len(group)}
        for metric in ("hypervolume_ratio", "hypervolume_ratio_initial", "utility_regret"):
            mean, low, high = paired_interval(group[metric].to_numpy())
            row[metric] = mean
            if metric == "hypervolume_ratio":
                row["hv_ratio_ci"] = f"[{low:.3f}, {high:.3f}]"
        row["mean_kl"] = group["mean_kl"].mean()
        row["interactions"] = group["num_timesteps"].mean()
        row["gradient_steps"] = group["n_gradient_steps"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def fronts(df: pd.DataFrame) -> dict[tuple[str, int, str], np.ndarray]:
    """``(case, seed, agent) -> (k, m)`` front points from the ``front_<i>_w<kk>`` columns."""
    df = _with_labels(df)
    cols = sorted(c for c in df.columns if c.startswith("front_") and "_w" in c)
    n_obj = len({c.split("_")[1] for c in cols})
    n_w = len({c.split("_w")[1] for c in cols})
    out = {}
    for _, row in df.iterrows():
        points = np.array(
            [[row[f"front_{i + 1}_w{k:02d}"] for i in range(n_obj)] for k in range(n_w)]
        )
        out[(row["case"], int(row["seed"]), row["agent"])] = points
    return out


def _dominates(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise: ``a[k]`` Pareto-dominates ``b[k]``."""
    return np.all(a >= b - DOMINANCE_TOL, axis=1) & np.any(a > b + DOMINANCE_TOL, axis=1)


def dominance_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Per case and seed: weight-matched dominance counts, and points on the joint front.

    ``A>B`` counts grid weights where A's point dominates B's; ``<agent> on
    joint front`` counts the agent's points that no point of another method
    dominates (any weight).
    """
    points = fronts(df)
    cases = sorted({(c, s) for c, s, _ in points})
    rows = []
    for case, seed in cases:
        here = {a: p for (c, s, a), p in points.items() if (c, s) == (case, seed)}
        row: dict = {"case": case, "seed": seed}
        for a, b in PAIRS:
            if a in here and b in here:
                row[f"{a}>{b}"] = int(_dominates(here[a], here[b]).sum())
                row[f"{b}>{a}"] = int(_dominates(here[b], here[a]).sum())
        for agent, own in sorted(here.items()):
            others = [p for a, p in here.items() if a != agent]
            if others:
                pool = np.concatenate(others)
                dominated = [
                    bool(np.any(_dominates(pool, np.broadcast_to(p, pool.shape)))) for p in own
                ]
                row[f"{agent} on joint front"] = int(len(own) - sum(dominated))
        rows.append(row)
    return pd.DataFrame(rows)


def _monotone_share(points: np.ndarray) -> float:
    """Share of grid steps where more weight on objective 2 raises J_2 and lowers J_1."""
    d1, d2 = np.diff(points[:, 0]), np.diff(points[:, 1])
    return float(np.mean((d2 > 0) & (d1 < 0)))


def claims(df: pd.DataFrame) -> pd.DataFrame:
    """The paper's claims, each tested per case by a paired (same seed) 95 % t-interval."""
    df = _with_labels(df)
    agents = set(df["agent"])
    cases = sorted(df["case"].unique())
    rows = []

    def per_seed(agent: str, case: str, metric: str) -> pd.Series:
        sel = df[(df["agent"] == agent) & (df["case"] == case)]
        return sel.set_index("seed")[metric]

    def add(claim: str, diff_fn: Callable[..., pd.Series]) -> None:
        row = paired_claim(claim, ((case, diff_fn(case)) for case in cases), show_count=True)
        if row is not None:
            rows.append(row)

    for a, b in PAIRS:
        if {a, b} <= agents:
            add(
                f"{a}'s hypervolume ratio exceeds {b}'s at equal compute",
                lambda c, a=a, b=b: (
                    per_seed(a, c, "hypervolume_ratio") - per_seed(b, c, "hypervolume_ratio")
                ),
            )
    dom = dominance_counts(df)
    for a, b in PAIRS:
        if f"{a}>{b}" in dom:
            add(
                f"{a} Pareto-dominates {b}: at more of the 11 weights {a}'s point dominates "
                f"{b}'s than the reverse (count difference)",
                lambda c, a=a, b=b: (
                    dom[dom["case"] == c].set_index("seed")[f"{a}>{b}"]
                    - dom[dom["case"] == c].set_index("seed")[f"{b}>{a}"]
                ).astype(float),
            )
    for _, b in PAIRS:
        if f"{b} on joint front" in dom and "CLP on joint front" in dom:
            add(
                f"more of CLP's 11 points than of {b}'s lie on the joint front of all methods "
                "(count difference)",
                lambda c, b=b: (
                    dom[dom["case"] == c].set_index("seed")["CLP on joint front"]
                    - dom[dom["case"] == c].set_index("seed")[f"{b} on joint front"]
                ).astype(float),
            )
    if "CLP" in agents:
        add(
            "fine-tuning CLP improves its front over the pretrained policy (hypervolume ratio)",
            lambda c: (
                per_seed("CLP", c, "hypervolume_ratio")
                - per_seed("CLP", c, "hypervolume_ratio_initial")
            ),
        )
        points = fronts(df)
        shares: dict[str, list[float]] = {case: [] for case in cases}
        for (case, _, agent), p in points.items():
            if agent == "CLP":
                shares[case].append(_monotone_share(p))
        lowest = min(min(v) for v in shares.values() if v)
        rows.append(
            {
                "claim": "CLP steers: each step of w towards objective 2 raises J_2 and lowers "
                "J_1 (share of the 10 grid steps, every seed >= 0.9)",
                "reproduced": "yes" if lowest >= 0.9 else ("partly" if lowest >= 0.5 else "no"),
                "evidence": "; ".join(
                    f"{case}: min {min(v):.2f}, mean {np.mean(v):.2f}"
                    for case, v in shares.items()
                    if v
                ),
            }
        )
    return pd.DataFrame(rows)


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Titled tables of the study (printed by the front end, written to ``tables.md``)."""
    labelled = _with_labels(df)
    per_seed = labelled.pivot_table(
        index=["case", "seed"], columns="agent", values="hypervolume_ratio"
    ).reset_index()
    per_seed.columns.name = None
    return {
        "front quality per case and agent (mean over seeds, 95 % t-interval)": summary(df),
        "hypervolume ratio per seed": per_seed,
        "weight-matched Pareto dominance counts per seed (of 11 weights)": dominance_counts(df),
        "claims": claims(df),
    }


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Fronts (first seed), hypervolume ratio per seed with intervals, and training curves."""
    out = Path(out_dir)
    df = _with_labels(df)
    cases = sorted(df["case"].unique())
    agents = list(dict.fromkeys(a for a in ("CLP", "RewardedSoups", "PromptConditioned")))
    agents = [a for a in agents if a in set(df["agent"])] + sorted(
        set(df["agent"]) - {"CLP", "RewardedSoups", "PromptConditioned"}
    )
    colours = plotting.agent_colours(agents, "steerable_mo")
    setting_case = dict(zip(df["setting"], df["case"]))
    curves = curves.assign(case=curves["setting"].map(setting_case)) if len(curves) else curves
    paths = []

    fig, axes = plotting.figure(1, len(cases), panel=(4.0, 3.4))
    for ax, case in zip(axes[0], cases):
        rows = curves[curves["case"] == case]
        seed = rows["seed"].min()
        rows = rows[rows["seed"] == seed]
        first = rows[rows["agent"] == rows["agent"].iloc[0]]
        _front(ax, first, "optimal_front", "exact optimum (grid weights)", "k", "--")
        for agent in agents:
            _front(ax, rows[rows["agent"] == agent], "front", agent, colours[agent])
        ax.set(title=f"{case}\nseed {seed}", xlabel="J_1 (exact)", ylabel="J_2 (exact)")
    _legend_below(fig, len(agents) + 1)
    paths.append(plotting.save(fig, out / "steerable_mo_fronts.png"))

    fig, axes = plotting.figure(1, 1, panel=(2.2 * len(cases) + 3.0, 4.0))
    ax = axes[0, 0]
    width = 0.8 / len(agents)
    for k, agent in enumerate(agents):
        for j, case in enumerate(cases):
            values = df[(df["agent"] == agent) & (df["case"] == case)]["hypervolume_ratio"]
            if values.empty:
                continue
            x = j + (k - (len(agents) - 1) / 2) * width
            ax.plot(np.full(len(values), x), values, ".", color=colours[agent], alpha=0.5)
            mean, low, high = paired_interval(values.to_numpy())
            label = agent if j == 0 else None
            if len(values) >= plotting.MIN_SEEDS_FOR_INTERVAL:
                label = (
                    label
                    and f"{agent} (mean, 95 % t-interval; {plotting.seeds_label(len(values))})"
                )
                ax.errorbar(x, mean, yerr=[[mean - low], [high - mean]], fmt="o", capsize=3,
                            color=colours[agent], label=label)  # fmt: skip
            else:
                label = label and f"{agent} ({plotting.seeds_label(len(values))}, no interval)"
                ax.plot(x, mean, "D", color=colours[agent], mfc="white", label=label)
    ax.set_xticks(range(len(cases)), [c.replace(", ", "\n") for c in cases])
    ax.set_ylim(0.0, 1.05)
    ax.axhline(1.0, color="0.5", lw=0.8, ls=":")
    ax.set_ylabel("hypervolume / exact optimum (11 weights)")
    ax.set_title("hypervolume ratio per seed (dots) at equal training compute")
    _legend_below(fig, 1)
    paths.append(plotting.save(fig, out / "steerable_mo_hypervolume.png"))

    fig, axes = plotting.figure(1, len(cases), panel=(4.0, 3.2))
    for ax, case in zip(axes[0], cases):
        rows = curves[(curves["case"] == case) & (curves["curve"] == "hypervolume_ratio")]
        rows = rows.assign(step=rows["step"] / 1000.0)
        for agent in agents:
            sel = rows[rows["agent"] == agent]
            if len(sel):
                plotting.quantile_band(ax, sel, agent, colours[agent])
        ax.set_ylim(0.0, 1.05)
        ax.set(title=case, xlabel="env interactions / 1000 (all experts together)",
               ylabel="hypervolume ratio")  # fmt: skip
    _legend_below(fig, len(agents))
    paths.append(plotting.save(fig, out / "steerable_mo_training.png"))
    return paths


def _legend_below(fig, ncol: int) -> None:
    """One legend under the panels (handles deduplicated by label)."""
    handles: dict = {}
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    ncol = ncol if len(fig.axes) >= 2 else 1
    fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncol=ncol)


def _front(ax, rows: pd.DataFrame, prefix: str, label: str, colour, style: str = "-o") -> None:
    first = rows[rows["curve"] == f"{prefix}_objective_1"].sort_values("step")
    second = rows[rows["curve"] == f"{prefix}_objective_2"].sort_values("step")
    ax.plot(first["value"], second["value"], style, label=label, color=colour, ms=3, lw=1)
