"""Scores and figures of the process-rewards study."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["plot", "score", "summary"]


#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "RL success: the final probability that the trained policy solves the planted-sequence "
    "task (rl: exact, ppo: sampled), mean over those settings; higher is better, 0 = never, "
    "1 = always. Beam search is the separate metric beam_pass_at_k."
)
#: Second quantities (:func:`metrics`).
METRICS = {
    "beam_pass_at_k": "fraction of search targets solved by beam search at the largest beam "
    "width (pass@k over the beam); 0 = none, 1 = all.",
}


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Mean final success probability per agent over the ``rl`` and ``ppo`` runs."""
    rl = df[df["study"].isin(["rl", "ppo"])]
    return (
        rl.groupby("agent", as_index=False)["final_success"]
        .mean()
        .rename(columns={"final_success": "score"})
    )


def metrics(df: pd.DataFrame) -> pd.DataFrame:
    """Beam pass@k at the largest width per agent over the ``beam`` runs."""
    beam = df[df["study"] == "beam"]
    table = beam.groupby("agent", as_index=False)["score"].mean().rename(columns={"score": "value"})
    return table.assign(metric="beam_pass_at_k")[["agent", "metric", "value"]]


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error over seeds of the headline metric of every setting and agent."""
    metric_columns = [c for c in df.columns if c.startswith(("final_", "mean_", "pass_at_"))]
    keys = ["study", "gamma", "alpha", "agent"]
    extra = [c for c in ("n_rollouts", "process_reward") if c in df.columns]
    grouped = df.groupby(keys + extra, dropna=False)[metric_columns]
    table = grouped.mean().round(3)
    table["seeds"] = grouped.size()
    return table.dropna(axis=1, how="all").reset_index()


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Write the study's PNG figures into ``out_dir`` and return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    settings = df.drop_duplicates("setting").set_index("setting")
    curves = curves.join(settings[["study", "gamma", "alpha"]], on="setting")
    written = []
    rl = curves[(curves["study"] == "rl") & (curves["curve"] == "success")]
    if not rl.empty:
        written.append(_plot_rl_curves(rl, out / "process_rewards_rl_curves.png"))
        written.append(_plot_gamma(df[df["study"] == "rl"], out / "process_rewards_gamma.png"))
    beam = curves[(curves["study"] == "beam") & (curves["curve"] == "pass_at_width")]
    if not beam.empty:
        beam = beam.join(settings[["n_rollouts"]], on="setting")
        written.append(_plot_beam(beam, out / "process_rewards_beam.png"))
    ppo = curves[(curves["study"] == "ppo") & (curves["curve"] == "train_success")]
    if not ppo.empty:
        mode = settings["process_reward"] if "process_reward" in settings else None
        ppo = ppo.assign(process_reward=ppo["setting"].map(mode) if mode is not None else "reward")
        written.append(_plot_ppo(ppo, out / "process_rewards_ppo.png"))
    return written


def _plot_rl_curves(curves: pd.DataFrame, path: Path) -> Path:
    alphas = sorted(curves["alpha"].unique())
    fig, axes = plt.subplots(1, len(alphas), figsize=(5 * len(alphas), 3.6), squeeze=False)
    for ax, alpha in zip(axes[0], alphas):
        part = curves[curves["alpha"] == alpha]
        for (agent, gamma), group in part.groupby(["agent", "gamma"]):
            if agent == "outcome" and gamma != part["gamma"].min():
                continue  # the outcome-only learner ignores gamma: draw it once
            mean = group.groupby("step")["value"].mean()
            label = "outcome only (mu = pi)" if agent == "outcome" else f"PAV, gamma={gamma:g}"
            style = {"color": "black", "ls": "--"} if agent == "outcome" else {}
            ax.plot(mean.index, mean.values, label=label, **style)
        ax.set(title=f"alpha = {alpha:g}", xlabel="iteration", ylabel="success probability")
        ax.set_ylim(-0.02, 1.02)
    axes[0][-1].legend(fontsize=8)
    return _save(fig, path)


def _plot_gamma(df: pd.DataFrame, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for (agent, alpha), group in df.groupby(["agent", "alpha"]):
        stats = group.groupby("gamma")["mean_success"].agg(["mean", "sem"])
        label = f"{'PAV' if agent == 'pav' else 'outcome only'}, alpha={alpha:g}"
        ax.errorbar(
            stats.index, stats["mean"], yerr=stats["sem"].fillna(0), marker="o", label=label
        )
    ax.set(xscale="log", xlabel="prover gamma", ylabel="success (mean over iterations)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _plot_beam(curves: pd.DataFrame, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    keys = ["agent", "gamma", "n_rollouts"]
    for (agent, gamma, n_rollouts), group in curves.groupby(keys, dropna=False):
        exact = n_rollouts is None or (isinstance(n_rollouts, float) and np.isnan(n_rollouts))
        source = "exact" if exact else f"{int(n_rollouts)} rollouts"
        if agent == "outcome" and gamma != 10.0:
            continue  # outcome-only ranking ignores gamma
        mean = group.groupby("step")["value"].mean()
        label = ("outcome only" if agent == "outcome" else f"PAV gamma={gamma:g}") + f" ({source})"
        ax.plot(mean.index, mean.values, marker="o", ls=":" if exact else "-", label=label)
    ax.set(xscale="log", xlabel="beam width B (C = 3)", ylabel="pass@B")
    ax.legend(fontsize=7)
    return _save(fig, path)


def _plot_ppo(curves: pd.DataFrame, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(5, 3.6))
    labels = {
        "reward": "PPO + alpha A^mu in the reward",
        "advantage": "PPO + alpha A^mu in the advantage",
    }
    outcome = curves[curves["agent"] == "outcome"]
    mean = outcome.groupby("step")["value"].mean()
    ax.plot(mean.index, mean.values, label="PPO, outcome reward", color="black")
    for mode, group in curves[curves["agent"] == "pav"].groupby("process_reward"):
        mean = group.groupby("step")["value"].mean()
        ax.plot(mean.index, mean.values, label=labels.get(mode, str(mode)))
    ax.set(xlabel="environment steps", ylabel="training success rate")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)
    return path


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Titled tables of the study (printed by the front end, written to ``tables.md``)."""
    return {"headline metrics per setting and agent": summary(df)}
