"""Scores, claims and figures of the process-rewards study.

SCORE: the exact success probability of the final policy (RL) or the top
beam's accuracy at the largest width (beam search), mean per verifier. The
paper's own quantities (iterations-to-success ratios of outcome RL over PAV
RL, beam-search accuracy gaps and compute ratios) are in the claims table,
which is what tests the paper.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rlsuite.experiments import plotting
from rlsuite.experiments.stats import paired_interval

__all__ = ["SCORE", "claims", "plot", "score", "speedups", "summary", "summary_tables"]

SCORE = (
    "RL success: exact success probability of the final policy, mean over the RL settings "
    "and seeds per verifier; higher is better, 0 = never solves the task, 1 = always. Beam "
    "search is the separate metric beam_accuracy."
)
#: Second quantities, reported per seed beside the score (:func:`metrics`).
METRICS = {
    "beam_accuracy": "top-beam accuracy at the largest beam width (pass@k of beam search), "
    "mean over the beam settings; 0 = never correct, 1 = always."
}
_STUDY = "process_rewards"
LEVEL = 0.5  # the success level whose iterations-to-reach the claims compare


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Mean per-run ``score`` per agent over the RL (and PPO) runs, in ``[0, 1]``."""
    rl = df[df["study"] != "beam"]
    return rl.groupby("agent", as_index=False)["score"].mean()


def metrics(df: pd.DataFrame) -> pd.DataFrame:
    """Beam accuracy per agent over the beam runs: columns ``agent, metric, value``."""
    beam = df[df["study"] == "beam"]
    table = beam.groupby("agent", as_index=False)["score"].mean()
    table = table.rename(columns={"score": "value"}).assign(metric="beam_accuracy")
    return table[["agent", "metric", "value"]]


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds of the headline metrics per setting and agent."""
    metric_columns = [
        c
        for c in df.columns
        if c.startswith(("final_", "iterations_to_", "accuracy_at_", "prover_"))
        or c == "base_success"
    ]
    keys = ["study", "base_gamma", "alpha", "process_reward", "agent"]
    keys = [c for c in keys if c in df.columns and df[c].notna().any()]
    grouped = df.groupby(keys, dropna=False)[metric_columns]
    table = grouped.mean().round(4)
    table["seeds"] = grouped.size()
    return table.dropna(axis=1, how="all").reset_index()


def speedups(df: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """Per ``(base_gamma, alpha, prover)``: iterations to ``level``, outcome / PAV, paired by seed.

    A run that never reached ``level`` counts as the budget (so its ratio is a
    bound); ``censored`` says how many did.
    """
    rl = df[df["study"] == "rl"]
    column = f"iterations_to_{level:g}"
    rows = []
    for (base, alpha), group in rl.groupby(["base_gamma", "alpha"]):
        budget = group["iterations"].iloc[0]
        iters = group.pivot_table(index="seed", columns="agent", values=column, dropna=False)
        censored = iters.isna().sum()
        iters = iters.fillna(budget)
        for agent in iters.columns.drop("outcome"):
            ratio = iters["outcome"] / iters[agent]
            mean, lo, hi = paired_interval(ratio.to_numpy())
            rows.append(
                {
                    "base_gamma": base,
                    "alpha": alpha,
                    "agent": agent,
                    "outcome_iters": iters["outcome"].mean(),
                    "pav_iters": iters[agent].mean(),
                    "ratio": mean,
                    "ratio_lo": lo,
                    "ratio_hi": hi,
                    "censored": int(censored[agent] + censored["outcome"]),
                    "prover_success": group.loc[group["agent"] == agent, "prover_success"].mean(),
                    "base_success": group["base_success"].mean(),
                }
            )
    return pd.DataFrame(rows)


def _beam_compute(df: pd.DataFrame) -> pd.DataFrame:
    """Per base and prover: accuracy gap at every width and rollouts to reach ORM's best."""
    beam = df[df["study"] == "beam"]
    widths = sorted(int(c.rsplit("_", 1)[1]) for c in beam.columns if c.startswith("accuracy_at_"))
    rows = []
    for base, group in beam.groupby("base_gamma"):
        acc = group.groupby("agent")[[f"accuracy_at_{w}" for w in widths]].mean()
        cost = group.groupby("agent")[[f"rollouts_at_{w}" for w in widths]].mean()
        if "outcome" not in acc.index:
            continue
        orm_acc, orm_cost = acc.loc["outcome"].to_numpy(), cost.loc["outcome"].to_numpy()
        best = orm_acc.max()
        orm_need = orm_cost[np.argmax(orm_acc >= best)]
        for agent in acc.index.drop("outcome"):
            a, c = acc.loc[agent].to_numpy(), cost.loc[agent].to_numpy()
            reach = np.flatnonzero(a >= best)
            gaps = {}
            for w, (wa, wo) in zip(widths, zip(a, orm_acc)):
                gaps[f"gap_at_{w}"] = wa - wo
            rows.append(
                {
                    "base_gamma": base,
                    "agent": agent,
                    "orm_best_accuracy": best,
                    "accuracy_at_max": a[-1],
                    **gaps,
                    "compute_ratio": orm_need / c[reach[0]] if reach.size else np.nan,
                }
            )
    return pd.DataFrame(rows)


def _verdict(hits: list[bool]) -> str:
    if hits and all(hits):
        return "yes"
    return "partly" if any(hits) else "no"


def claims(df: pd.DataFrame) -> pd.DataFrame:
    """The paper's claims with yes / partly / no and the numbers behind them."""
    rows = []
    speed = speedups(df) if (df["study"] == "rl").any() else pd.DataFrame()
    if not speed.empty:
        best = speed.loc[speed.groupby(["base_gamma", "alpha"])["ratio"].idxmax()]
        text = "; ".join(
            f"base {r.base_gamma:g} a={r.alpha:g}: {r.agent} {r.ratio:.2f}x "
            f"[{r.ratio_lo:.2f}, {r.ratio_hi:.2f}]"
            for r in best.itertuples()
        )
        rows.append(
            {
                "claim": f"PAV RL reaches {LEVEL:g} success 5-6x faster than outcome RL",
                "reproduced": _verdict([r.ratio_lo >= 5 for r in best.itertuples()])
                if (best["ratio_lo"] >= 5).any()
                else ("partly" if (best["ratio_lo"] > 1).any() else "no"),
                "evidence": "best prover per setting, outcome/PAV iterations: " + text,
            }
        )
        for label, mask in (
            (
                "Best-of-K (K > 1) of the base policy is a prover that beats outcome RL",
                speed["agent"].isin(["bok_4", "bok_16"]),
            ),
            (
                "weak provers (success below the base policy's) beat outcome RL",
                speed["prover_success"] < speed["base_success"],
            ),
        ):
            part = speed[mask]
            if part.empty:
                continue
            rows.append(
                {
                    "claim": label,
                    "reproduced": _verdict(list(part["ratio_lo"] > 1)),
                    "evidence": "; ".join(
                        f"base {r.base_gamma:g} a={r.alpha:g} {r.agent}: {r.ratio:.2f}x "
                        f"[{r.ratio_lo:.2f}, {r.ratio_hi:.2f}]"
                        for r in part.itertuples()
                    ),
                }
            )
    beam = _beam_compute(df) if (df["study"] == "beam").any() else pd.DataFrame()
    if not beam.empty:
        top = beam.loc[beam.groupby("base_gamma")["accuracy_at_max"].idxmax()]
        rows.append(
            {
                "claim": "PAV beam search is > 8 points more accurate than ORM beam search",
                "reproduced": _verdict(
                    list(top["accuracy_at_max"] - top["orm_best_accuracy"] > 0.08)
                ),
                "evidence": "; ".join(
                    f"base {r.base_gamma:g}: {r.agent} {r.accuracy_at_max:.3f} vs ORM "
                    f"{r.orm_best_accuracy:.3f}"
                    for r in top.itertuples()
                ),
            }
        )
        ok = [1.5 <= r.compute_ratio for r in top.itertuples() if np.isfinite(r.compute_ratio)]
        rows.append(
            {
                "claim": "PAV beam search needs 1.5-5x less compute (rollouts) for ORM's accuracy",
                "reproduced": _verdict(ok) if ok else "no",
                "evidence": "; ".join(
                    f"base {r.base_gamma:g}: {r.agent} {r.compute_ratio:.2f}x"
                    for r in top.itertuples()
                ),
            }
        )
    return pd.DataFrame(rows)


def summary_tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The summary, the speed-up table, the beam table and the claims."""
    tables = {"summary (mean over seeds)": summary(df)}
    if (df["study"] == "rl").any():
        tables[f"iterations to {LEVEL:g} success, outcome / PAV"] = speedups(df)
    if (df["study"] == "beam").any():
        tables["beam search: accuracy gap to ORM and compute ratio"] = _beam_compute(df)
    tables["claims"] = claims(df)
    return tables


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Write the study's PNG figures into ``out_dir`` and return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    settings = df.drop_duplicates("setting").set_index("setting")
    cols = [c for c in ("study", "base_gamma", "alpha") if c in settings]
    curves = curves.join(settings[cols], on="setting")
    written = []
    rl = curves[(curves["study"] == "rl") & (curves["curve"] == "success")]
    if not rl.empty:
        written.append(_plot_rl_curves(rl, out / "process_rewards_rl_curves.png"))
    beam = curves[(curves["study"] == "beam") & (curves["curve"] == "accuracy_at_width")]
    if not beam.empty:
        written.append(_plot_beam(beam, out / "process_rewards_beam.png"))
    ppo = curves[(curves["study"] == "ppo") & (curves["curve"] == "train_success")]
    if not ppo.empty:
        mode = settings["process_reward"] if "process_reward" in settings else None
        ppo = ppo.assign(process_reward=ppo["setting"].map(mode) if mode is not None else "reward")
        written.append(_plot_ppo(ppo, out / "process_rewards_ppo.png"))
    return written


def _style(agent: str) -> dict:
    """Outcome reward (the baseline) dashed, every prover solid; colours per agent."""
    return {"ls": "--"} if agent == "outcome" else {}


def _plot_rl_curves(curves: pd.DataFrame, path: Path) -> Path:
    panels = sorted(curves.groupby(["base_gamma", "alpha"]).groups)
    colours = plotting.agent_colours(curves["agent"].unique(), _STUDY)
    ncols = min(3, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plotting.figure(
        nrows,
        ncols,
        panel=(4.0, 3.2),
        title=f"{_STUDY}: exact success probability during policy-gradient RL",
        sharey=True,
    )
    for ax, (base, alpha) in zip(axes.flat, panels):
        part = curves[(curves["base_gamma"] == base) & (curves["alpha"] == alpha)]
        for agent, group in part.groupby("agent"):
            plotting.quantile_band(ax, group, agent, colours[agent], **_style(agent))
        ax.set_title(f"base gamma={plotting.number(base)}, alpha={plotting.number(alpha)}")
        ax.set_xlabel("iteration")
        ax.set_ylim(-0.02, 1.02)
        plotting.number_ticks(ax, "x", integer=True)
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("success probability")
    plotting.legend_outside(fig)
    return plotting.save(fig, path)


def _plot_beam(curves: pd.DataFrame, path: Path) -> Path:
    bases = sorted(curves["base_gamma"].unique())
    colours = plotting.agent_colours(curves["agent"].unique(), _STUDY)
    fig, axes = plotting.figure(
        1,
        len(bases),
        panel=(4.4, 3.4),
        title=f"{_STUDY}: beam search (C = 3 candidates per beam), top-beam accuracy",
        sharey=True,
    )
    for ax, base in zip(axes[0], bases):
        ax.set_xscale("log", base=2)
        for agent, group in curves[curves["base_gamma"] == base].groupby("agent"):
            plotting.sweep_line(ax, group, "step", "value", agent, colours[agent], **_style(agent))
        plotting.number_ticks(ax, "x")
        ax.set_xlabel("beam width")
        ax.set_title(f"base gamma={plotting.number(base)}")
    axes[0][0].set_ylabel("top-beam accuracy")
    plotting.legend_outside(fig)
    return plotting.save(fig, path)


def _plot_ppo(curves: pd.DataFrame, path: Path) -> Path:
    fig, axes = plotting.figure(
        1, 1, panel=(5.0, 3.6), title=f"{_STUDY}: SB3 PPO, training success rate"
    )
    ax = axes[0, 0]
    labels = {
        "reward": "PPO + alpha A^mu in the reward",
        "advantage": "PPO + alpha A^mu in the advantage",
    }
    # Outcome PPO ignores process_reward: a seed run under both settings is one run twice
    # (older databases), which quantile_band averages per seed.
    outcome = curves[curves["agent"] == "outcome"]
    if not outcome.empty:
        plotting.quantile_band(ax, outcome, "PPO, outcome reward", "black", lw=2.5, zorder=1)
    for k, (mode, group) in enumerate(curves[curves["agent"] == "pav"].groupby("process_reward")):
        plotting.quantile_band(ax, group, labels.get(mode, str(mode)), f"C{k}")
    ax.set(xlabel="environment steps", ylabel="training success rate")
    plotting.number_ticks(ax, "x", integer=True)
    plotting.legend_outside(fig, loc="bottom", ncols=1)
    return plotting.save(fig, path)


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The study's titled tables (the front end prints them, the report writes tables.md)."""
    return summary_tables(df)
