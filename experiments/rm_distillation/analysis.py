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

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

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


def paired_interval(diffs: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of paired differences and its Student-t interval (``nan`` bounds below 3 pairs)."""
    diffs = np.asarray(diffs, dtype=np.float64)
    mean = float(diffs.mean())
    if len(diffs) < 3:
        return mean, float("nan"), float("nan")
    half = stats.t.ppf(0.5 + level / 2, len(diffs) - 1) * diffs.std(ddof=1) / np.sqrt(len(diffs))
    return mean, mean - half, mean + half


def _verdict(intervals: list[tuple[float, float, float]]) -> str:
    """yes: every beta's interval is above 0; no: none is; partly otherwise."""
    above = [lo > 0 for _, lo, _ in intervals]
    if all(above):
        return "yes"
    return "partly" if any(above) else "no"


def _per_seed(df: pd.DataFrame, agent: str, bias: float, beta: float) -> pd.Series:
    rows = df[(df["agent"] == agent) & (df["bias"] == bias) & (df["beta"] == beta)]
    return rows.set_index("seed")["oracle_reward"]


def claims(df: pd.DataFrame) -> pd.DataFrame:
    """The paper's claims, each tested per beta by a paired (same seed) 95 % t-interval."""
    low, high = df["bias"].min(), df["bias"].max()
    agents = set(df["agent"])
    rows = []

    def add(claim: str, diff_fn) -> None:
        intervals, parts = [], []
        for beta in sorted(df["beta"].unique()):
            diffs = diff_fn(beta).dropna().to_numpy()
            if len(diffs) == 0:
                return
            mean, lo, hi = paired_interval(diffs)
            intervals.append((mean, lo, hi))
            parts.append(f"beta={beta:g}: {mean:+.3f} [{lo:+.3f}, {hi:+.3f}]")
        rows.append(
            {"claim": claim, "reproduced": _verdict(intervals), "evidence": "; ".join(parts)}
        )

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


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Oracle reward against bias per beta, and DPO's vs the others' training curves."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    betas = sorted(df["beta"].unique())
    fig, axes = plt.subplots(1, len(betas), figsize=(4.5 * len(betas), 3.4), squeeze=False)
    for ax, beta in zip(axes[0], betas):
        rows = df[df["beta"] == beta]
        for agent, group in rows.groupby("agent"):
            by_bias = group.groupby("bias")["oracle_reward"]
            ax.errorbar(
                by_bias.mean().index, by_bias.mean(), yerr=by_bias.sem().fillna(0), label=agent
            )
        ax.set_title(f"beta={beta:g}", fontsize=9)
        ax.set_xlabel("bias (share of kept pairs the longer response won)", fontsize=8)
        ax.set_ylabel("normalised oracle reward", fontsize=8)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    bias_path = out / "rm_distillation_oracle_vs_bias.png"
    fig.savefig(bias_path, dpi=100)
    plt.close(fig)

    names = sorted(curves["curve"].unique()) if len(curves) else []
    fig, axes = plt.subplots(1, max(len(names), 1), figsize=(4 * max(len(names), 1), 3.2))
    axes = np.atleast_1d(axes)
    top = df[df["bias"] == df["bias"].max()]["setting"].unique()
    for ax, name in zip(axes, names):
        rows = curves[(curves["curve"] == name) & curves["setting"].isin(top)]
        mean = rows.groupby(["agent", "step"])["value"].mean()
        for agent, curve in mean.groupby(level="agent"):
            ax.plot(curve.index.get_level_values("step"), curve.values, label=agent)
        ax.set_title(f"{name} at the largest bias", fontsize=9)
        ax.set_xlabel("Adam step", fontsize=8)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    curve_path = out / "rm_distillation_curves.png"
    fig.savefig(curve_path, dpi=100)
    plt.close(fig)
    return [bias_path, curve_path]


def metrics(df: pd.DataFrame) -> pd.DataFrame:
    """Margin stability per agent (mean over runs): columns ``agent, metric, value``."""
    table = _with_stability(df).groupby("agent", as_index=False)["margin_stability"].mean()
    table = table.rename(columns={"margin_stability": "value"}).assign(metric="margin_stability")
    return table[["agent", "metric", "value"]]


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The study's titled tables (the front end prints them, the report writes tables.md)."""
    return summary_tables(df)
