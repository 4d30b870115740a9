"""Scores, tables, claims and figures of ``rm_distillation``.

SCORE: the oracle (true) reward ``E_pi r*`` of the learned policy, normalised
to ``[0, 1]`` by the worst and best response, at the largest bias level of
the sweep, averaged over seeds and betas (higher is better).

Reading the claims. Each claim is a paired (same seed, so same responses and
oracle) difference per beta with a 95 % Student-t interval over seeds;
"yes" means every beta's interval lies above 0, "partly" some, "no" none.
Methods are compared at equal ``beta``, not equal KL: at ``beta = 0.5`` DPO's
policy sits at about twice the distilled policies' KL to ``pi_ref`` (the
``kl`` column), which is part of why it leads at low bias. With a
log-linear policy and reward models on the same features, distillation
reaches ``beta * theta = w_hat`` exactly, so distillation vs DPO here is the
ridge-regularised Bradley-Terry fit against the unregularised one that DPO
performs implicitly; the pessimistic agent additionally moves to the
ensemble's hull point nearest ``pi_ref`` in forward KL.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from rlsuite.experiments import plotting
from rlsuite.experiments.stats import paired_claim, paired_interval

__all__ = ["SCORE", "claims", "paired_interval", "plot", "score", "summary_tables"]

SCORE = (
    "Normalised oracle reward (E_pi r* - min r*) / (max r* - min r*) of the learned policy "
    "at the largest bias level, mean over seeds and betas; higher is better, 0 = always the "
    "worst response, 1 = always the best."
)
#: Second quantities, reported per seed beside the score (:func:`metrics`).
METRICS = {
    "margin_stability": "min(1, implicit-reward margin early / final margin); 1 = the margin "
    "stopped growing early, near 0 = it kept growing (DPO's overfitting)."
}

_TABLE = ["oracle_reward", "oracle_reward_early", "kl", "length_weight", "margin_stability"]


def _with_stability(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["margin_stability"] = (out["margin_early"] / out["margin_final"]).clip(0.0, 1.0)
    return out


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Per agent: normalised oracle reward at the largest bias, mean over seeds and betas."""
    top = df[df["bias"] == df["bias"].max()]
    return top.groupby("agent")["oracle_reward"].mean().rename("score").reset_index()


def summary_tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Oracle reward against bias per ``(beta, agent)``, its drop, and the claim list."""
    df = _with_stability(df)
    per_setting = df.groupby(["beta", "bias", "agent"])[_TABLE].mean().reset_index()
    wide = df.pivot_table(index=["beta", "agent"], columns="bias", values="oracle_reward")
    wide.columns = [f"bias={c:g}" for c in wide.columns]
    tables = {
        "oracle reward by bias (mean over seeds)": wide.reset_index(),
        "per setting (mean over seeds)": per_setting,
        "claims": claims(df),
    }
    return tables


def _per_seed(df: pd.DataFrame, agent: str, bias: float, beta: float) -> pd.Series:
    rows = df[(df["agent"] == agent) & (df["bias"] == bias) & (df["beta"] == beta)]
    return rows.set_index("seed")["oracle_reward"]


def claims(df: pd.DataFrame) -> pd.DataFrame:
    """The paper's claims, each tested per beta by a paired (same seed) 95 % t-interval."""
    low, high = df["bias"].min(), df["bias"].max()
    agents = set(df["agent"])
    rows = []

    betas = sorted(df["beta"].unique())

    def add(claim: str, diff_fn: Callable[..., pd.Series]) -> None:
        row = paired_claim(claim, ((f"beta={beta:g}", diff_fn(beta)) for beta in betas))
        if row is not None:
            rows.append(row)

    def drop(agent: str, beta: float) -> pd.Series:
        return _per_seed(df, agent, low, beta) - _per_seed(df, agent, high, beta)

    if "dpo" in agents:
        add(f"DPO's oracle reward falls from bias {low:g} to {high:g}", lambda b: drop("dpo", b))
    for agent in ("distill", "distill_ensemble", "e-dpo", "pessimistic"):
        if agent in agents and "dpo" in agents:
            add(
                f"{agent} loses less oracle reward than DPO from bias {low:g} to {high:g}",
                lambda b, a=agent: drop("dpo", b) - drop(a, b),
            )
            add(
                f"{agent} has higher oracle reward than DPO at bias {high:g}",
                lambda b, a=agent: _per_seed(df, a, high, b) - _per_seed(df, "dpo", high, b),
            )
    for agent in ("distill_ensemble", "e-dpo", "pessimistic"):
        if agent in agents and "distill" in agents:
            add(
                f"{agent} has higher oracle reward than one reward model at bias {high:g}",
                lambda b, a=agent: _per_seed(df, a, high, b) - _per_seed(df, "distill", high, b),
            )
    if "dpo" in agents:
        stab = _with_stability(df)
        for agent in sorted(agents - {"dpo"}):
            add(
                f"{agent}'s margin is more stable than DPO's at bias {high:g} (step 200 / final)",
                lambda b, a=agent: _stab(stab, a, high, b) - _stab(stab, "dpo", high, b),
            )
    return pd.DataFrame(rows)


def _stab(df: pd.DataFrame, agent: str, bias: float, beta: float) -> pd.Series:
    rows = df[(df["agent"] == agent) & (df["bias"] == bias) & (df["beta"] == beta)]
    return rows.set_index("seed")["margin_stability"]


_STUDY = "rm_distillation"
_CURVE_LABELS = {
    "oracle_reward": "normalised oracle reward",
    "margin": "implicit-reward margin",
    "parameter_norm": "parameter norm",
}


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Oracle reward against bias per beta, and the training curves at the largest bias.

    Both figures draw the median over seeds with its inter-quartile range
    (error bars / bands from >= 3 seeds; the seed count is in every label),
    agents in the study's fixed colours.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    colours = plotting.agent_colours(df["agent"].unique(), _STUDY)
    betas = sorted(df["beta"].unique())
    fig, axes = plotting.figure(
        1,
        len(betas),
        panel=(4.4, 3.4),
        title=f"{_STUDY}: true (oracle) reward of the learned policy vs length bias",
        sharey=True,
    )
    for ax, beta in zip(axes[0], betas):
        rows = df[df["beta"] == beta]
        for agent, group in rows.groupby("agent"):
            plotting.sweep_line(ax, group, "bias", "oracle_reward", agent, colours[agent])
        ax.set_title(plotting.param_label("beta", beta))
    fig.supxlabel("bias: share of the kept pairs that the longer response won", fontsize="small")
    axes[0][0].set_ylabel("normalised oracle reward")
    for ax in axes[0]:
        plotting.mark_truncated(ax)
    plotting.legend_outside(fig)
    bias_path = plotting.save(fig, out / "rm_distillation_oracle_vs_bias.png")

    names = [n for n in _CURVE_LABELS if len(curves) and n in set(curves["curve"])]
    if not names:
        return [bias_path]
    high = df["bias"].max()
    settings = df[df["bias"] == high].drop_duplicates("setting").set_index("setting")["beta"]
    top = curves[curves["setting"].isin(settings.index)]
    top = top.assign(beta=top["setting"].map(settings))
    fig, axes = plotting.figure(
        len(names),
        len(betas),
        panel=(4.2, 2.9),
        title=f"{_STUDY}: training curves at the largest bias "
        f"({plotting.param_label('bias', high)})",
        sharex=True,
    )
    for i, name in enumerate(names):
        for j, beta in enumerate(betas):
            ax = axes[i][j]
            rows = top[(top["curve"] == name) & (top["beta"] == beta)]
            if rows.empty:
                plotting.empty_panel(ax, f"no runs at beta={plotting.number(beta)}")
                continue
            for agent, group in rows.groupby("agent"):
                plotting.quantile_band(ax, group, agent, colours[agent])
            ax.set_title(f"{_CURVE_LABELS[name]}, {plotting.param_label('beta', beta)}")
            ax.set_ylabel(_CURVE_LABELS[name])
            plotting.mark_truncated(ax)
            if i == len(names) - 1:
                ax.set_xlabel("Adam step")
                plotting.number_ticks(ax, "x", integer=True)
    plotting.legend_outside(fig)
    curve_path = plotting.save(fig, out / "rm_distillation_curves.png")
    return [bias_path, curve_path]


def metrics(df: pd.DataFrame) -> pd.DataFrame:
    """Margin stability per agent (mean over runs): columns ``agent, metric, value``."""
    table = _with_stability(df).groupby("agent", as_index=False)["margin_stability"].mean()
    table = table.rename(columns={"margin_stability": "value"}).assign(metric="margin_stability")
    return table[["agent", "metric", "value"]]


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The study's titled tables (the front end prints them, the report writes tables.md)."""
    return summary_tables(df)
