"""Score, tables, claims and plots of the data-mixture study.

Score (:data:`SCORE`): a run's Spearman rank correlation between predicted and
true held-out losses, clipped to ``[0, 1]``; an agent's score is its mean over
the runs (settings and seeds) given. The paper's second quantity, the true
loss of the chosen mixture, is in the tables and claims (as its regret to the
best of the 90 held-out mixtures and its gain over uniform).

Claims are tested per setting by paired (same seed, so same task and same
observed data) 95 % Student-t intervals over seeds; a claim is *yes* when
the interval is on the claimed side in every setting it covers, *no* when in
none, *partly* otherwise, with the per-setting numbers as evidence.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from rlsuite.experiments import plotting  # noqa: E402
from rlsuite.experiments.stats import paired_interval

__all__ = ["SCORE", "claims", "paired_interval", "plot", "score", "summary", "tables"]

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Spearman rank correlation between the regressor's predicted and the true losses of 90 "
    "held-out mixtures (each trained once), clipped at 0, mean over settings (model size x "
    "objective x n) and seeds; higher is better, 0 = no (or inverted) ranking, 1 = a perfect "
    "ranking (run-to-run training noise keeps even the true expected loss below 1)."
)

_KEYS = ["objective", "model_rank", "n_train"]


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Mean clipped Spearman per agent: DataFrame with columns ``agent, score``."""
    scores = df.assign(score=df["spearman"].clip(0.0, 1.0)).groupby("agent")["score"].mean()
    return scores.reset_index()


def _keys(df: pd.DataFrame) -> list[str]:
    return [key for key in _KEYS if key in df.columns]


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per setting and agent: Spearman and chosen-mixture loss with 95 % intervals."""
    rows = []
    for key, group in df.groupby(_keys(df) + ["agent"], sort=True):
        row = dict(zip(_keys(df) + ["agent"], key))
        for metric in ("spearman", "regret_to_best_heldout"):
            mean, low, high = paired_interval(group[metric].to_numpy())
            row[metric] = mean
            row[f"{metric}_ci"] = f"[{low:.3f}, {high:.3f}]"
        row["chosen_loss"] = group["chosen_loss"].mean()
        row["uniform_loss"] = group["uniform_loss"].mean()
        row["best_heldout_loss"] = group["best_heldout_loss"].mean()
        if "mde_gap_mean" in group and group["mde_gap_mean"].notna().any():
            row["mde_gap_mean"] = group["mde_gap_mean"].mean()
            row["mde_gap_std"] = group["mde_gap_std"].mean()
            row["mde_gap_systematic"] = group["mde_gap_systematic"].mean()
        row["noise_std"] = group["noise_std"].mean()
        row["noise_ceiling"] = group["noise_ceiling"].mean()
        row["seeds"] = len(group)
        rows.append(row)
    return pd.DataFrame(rows)


def _paired(df: pd.DataFrame, metric: str, first: str, second: str) -> dict[tuple, np.ndarray]:
    """Per setting: ``metric(first) - metric(second)`` per seed (common seeds only)."""
    out: dict[tuple, np.ndarray] = {}
    if metric not in df:
        return out
    for key, group in df.groupby(_keys(df), sort=True):
        wide = group.pivot_table(index="seed", columns="agent", values=metric)
        if first in wide and second in wide:
            diffs = (wide[first] - wide[second]).dropna().to_numpy()
            if len(diffs):
                out[key if isinstance(key, tuple) else (key,)] = diffs
    return out


def _label(df: pd.DataFrame, key: tuple) -> str:
    named = dict(zip(_keys(df), key))
    objective = {"validation": "val", "end_task": "end"}.get(str(named.get("objective")), "")
    return f"{objective} r={named.get('model_rank')} n={named.get('n_train')}"


def _claim(
    df: pd.DataFrame, claim: str, diffs: dict[tuple, np.ndarray], threshold: float = 0.0
) -> dict | None:
    """``yes``: every setting's interval lies above ``threshold``; ``no``: none does."""
    if not diffs:
        return None
    parts, above = [], []
    for key, values in diffs.items():
        mean, low, high = paired_interval(values)
        above.append(bool(low > threshold))
        parts.append(f"{_label(df, key)}: {mean:+.3f} [{low:+.3f}, {high:+.3f}]")
    if any(len(values) < 3 for values in diffs.values()):
        verdict = "untested (< 3 seeds)"
    else:
        verdict = "yes" if all(above) else ("partly" if any(above) else "no")
    return {"claim": claim, "reproduced": verdict, "evidence": "; ".join(parts)}


def _per_setting(df: pd.DataFrame, agent: str, metric: str) -> dict[tuple, np.ndarray]:
    out: dict[tuple, np.ndarray] = {}
    if metric not in df:
        return out
    for key, group in df[df["agent"] == agent].groupby(_keys(df), sort=True):
        out[key if isinstance(key, tuple) else (key,)] = group[metric].to_numpy()
    return out


def claims(df: pd.DataFrame) -> pd.DataFrame:
    """The paper's claims about MDE, each with its verdict and per-setting evidence."""
    agents = set(df["agent"])
    rows = []
    if {"linear", "linear_mde"} <= agents:
        rows.append(
            _claim(
                df,
                "MDE features raise the rank correlation of linear regression (rho(linear_mde) "
                "- rho(linear) > 0)",
                _paired(df, "spearman", "linear_mde", "linear"),
            )
        )
    if "mde" in agents:
        rows.append(
            _claim(
                df,
                "The MDE loss alone ranks held-out mixtures well (rho(mde) > 0.9)",
                _per_setting(df, "mde", "spearman"),
                threshold=0.9,
            )
        )
    if {"gbm", "linear"} <= agents:
        rows.append(
            _claim(
                df,
                "Trees on weights + MDE rank better than linear on weights (rho(gbm) - "
                "rho(linear) > 0)",
                _paired(df, "spearman", "gbm", "linear"),
            )
        )
    if {"linear", "linear_mde"} <= agents:
        rows.append(
            _claim(
                df,
                "The mixture chosen with MDE features has lower true loss than linear's "
                "(loss(linear) - loss(linear_mde) > 0)",
                _paired(df, "chosen_loss", "linear", "linear_mde"),
            )
        )
    for agent in ("linear_mde", "mde"):
        if agent in agents:
            rows.append(
                _claim(
                    df,
                    f"The mixture chosen by {agent} beats the uniform mixture (uniform - chosen "
                    "> 0)",
                    _per_setting(df, agent, "improvement_over_uniform"),
                )
            )
    if "mde" in agents and "model_rank" in df and df["model_rank"].nunique() > 1:
        rows.append(_capacity_claim(df))
    if "mde_gap_mean" in df and "mde" in agents:
        rows.append(
            _claim(
                df,
                "Env check, not a paper claim: the trained model is worse than the MDE "
                "ensemble (mean true - MDE loss over held-out mixtures > 0)",
                _per_setting(df, "mde", "mde_gap_mean"),
            )
        )
        rows.append(
            _claim(
                df,
                "Env check, not a paper claim: the gap varies with the mixture beyond the "
                "training noise (systematic std of true - MDE > 0.005 nats)",
                _per_setting(df, "mde", "mde_gap_systematic"),
                threshold=0.005,
            )
        )
    return pd.DataFrame([row for row in rows if row is not None])


def _capacity_claim(df: pd.DataFrame) -> dict | None:
    """Where MDE fails: rho(mde) at the largest model minus at the smallest, per objective."""
    n_main = df["n_train"].mode().iloc[0]
    rows = df[(df["agent"] == "mde") & (df["n_train"] == n_main)]
    low, high = rows["model_rank"].min(), rows["model_rank"].max()
    diffs = {}
    for objective, group in rows.groupby("objective", sort=True):
        wide = group.pivot_table(index="seed", columns="model_rank", values="spearman")
        if low in wide and high in wide:
            diffs[(objective, f"{high} vs {low}", n_main)] = (wide[high] - wide[low]).dropna()
    diffs = {key: values.to_numpy() for key, values in diffs.items() if len(values)}
    return _claim(
        df,
        f"Issue 15, not the paper's: MDE's ranking degrades when the model is too small to fit "
        f"the domains at once (rho(mde) at rank {high} - at rank {low} > 0)",
        diffs,
    )


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Titled tables of the study (printed by the front end, written to ``tables.md``)."""
    return {
        "rank correlation and chosen-mixture loss per setting (95 % t-intervals over seeds)": (
            summary(df)
        ),
        "claims": claims(df),
    }


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Spearman and chosen-mixture regret against model size, and predicted-vs-true scatters."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    agents = sorted(df["agent"].unique())
    colors = plotting.agent_colours(agents, "data_mixture")
    n_main = df["n_train"].mode().iloc[0]
    main = df[df["n_train"] == n_main]
    objectives = sorted(main["objective"].unique())
    paths = []
    for metric, ylabel, name in (
        ("spearman", "Spearman rho on 90 held-out mixtures", "data_mixture_spearman.png"),
        (
            "regret_to_best_heldout",
            "chosen loss - best held-out loss (nats)",
            "data_mixture_chosen_regret.png",
        ),
    ):
        fig, axes = plotting.figure(1, len(objectives), panel=(4.5, 3.6))
        for ax, objective in zip(axes[0], objectives):
            rows = main[main["objective"] == objective]
            for offset, agent in enumerate(agents):
                points = []
                for rank, group in rows[rows["agent"] == agent].groupby("model_rank"):
                    mean, low, high = paired_interval(group[metric].to_numpy())
                    points.append((rank, mean, low, high))
                if not points:
                    continue
                ranks, means, lows, highs = (np.array(column) for column in zip(*points))
                x = ranks * (1.0 + 0.03 * (offset - len(agents) / 2))
                yerr = np.vstack([means - lows, highs - means])
                ax.errorbar(
                    x, means, yerr=np.nan_to_num(yerr), marker="o", capsize=3,
                    label=agent, color=colors[agent],
                )  # fmt: skip
            ax.set_xscale("log", base=2)
            ax.set_xlabel("model rank (model-size knob)")
            seeds = int(rows.groupby(["model_rank", "agent"])["seed"].count().min())
            ax.set_title(f"{objective}, n={plotting.number(n_main)}, {plotting.seeds_label(seeds)}")
        axes[0][0].set_ylabel(ylabel)
        plotting.legend_outside(fig)
        paths.append(plotting.save(fig, out / name))
    if not curves.empty:
        paths.append(_scatter(main, curves, agents, colors, out))
    return paths


def _scatter(
    df: pd.DataFrame, curves: pd.DataFrame, agents: list[str], colors: dict, out: Path
) -> Path:
    """Predicted vs true held-out loss, first seed, smallest and largest model (first objective)."""
    objective = sorted(df["objective"].unique())[0]
    rows = df[df["objective"] == objective]
    ranks = sorted(rows["model_rank"].unique())
    ranks = [ranks[0], ranks[-1]] if len(ranks) > 1 else ranks
    seed = rows["seed"].min()
    fig, axes = plotting.figure(len(ranks), len(agents), panel=(3.0, 3.0))
    for row_axes, rank in zip(axes, ranks):
        for ax, agent in zip(row_axes, agents):
            match = rows[(rows["agent"] == agent) & (rows["model_rank"] == rank)]
            if match.empty:
                continue
            keys = (curves["setting"] == match["setting"].iloc[0]) & (curves["agent"] == agent)
            run = curves[keys & (curves["seed"] == seed)]
            true = run[run["curve"] == "heldout_true_loss"].sort_values("step")["value"]
            pred = run[run["curve"] == "heldout_predicted"].sort_values("step")["value"]
            ax.scatter(true.to_numpy(), pred.to_numpy(), s=8, color=colors[agent])
            plotting.identity_line(ax)
            rho = match[match["seed"] == seed]["spearman"]
            rho_text = f", rho {rho.iloc[0]:.2f}" if len(rho) else ""
            ax.set_title(f"{agent}, rank {rank}{rho_text}", fontsize="small")
            ax.set_xlabel(f"true {objective} loss")
        row_axes[0].set_ylabel("predicted loss")
    axes[0][0].legend(loc="upper left", fontsize="small")
    fig.suptitle(f"seed {seed}: predicted vs true held-out loss", fontsize="small")
    return plotting.save(fig, out / "data_mixture_scatter.png")
