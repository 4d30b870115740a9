"""Score and plots of the heavy-tailed bandit study.

The bsuite-style score of a run is ``1 - regret / regret_random`` where
``regret_random = T * gap * (K - 1) / K`` is the expected pseudo-regret of
uniform play, clipped to ``[0, 1]`` (worse than random scores 0, as in
bsuite). An agent's score is its mean over the runs given.

Why ``RobustUCB-truncated`` plays almost uniformly (issue 14, item 7). Its
parameters are the noise's own: ``1 + epsilon`` with ``epsilon = min(1,
(df - 1) / 2)`` (a moment that exists) and ``u`` a valid bound on the raw
moment ``E|X|^{1+epsilon}`` (:func:`rlsuite.experiments.heavy_tail_mab.run.agent_spec`).
Nothing is misset: the width of Bubeck, Cesa-Bianchi & Lugosi's truncated-mean
index, ``4 u^{1/(1+eps)} (2 log t / s)^{eps/(1+eps)}``, is simply far above
the gaps at the pull counts a ``T = 10^4`` run reaches. :func:`truncated_widths`
computes it at ``s = T / K`` pulls (uniform play's count) together with the
pulls needed to bring it below ``gap / 2`` and the best ``epsilon`` on a grid:
at ``df = 1.5`` the width is about 6.4 (best ``epsilon``: 6.3) against gaps of
0.25-0.5, and separating the arms would take ``10^10``-``10^12`` pulls per
arm; even at ``df = 3`` and under Gaussian noise it is 0.7-1.1 (``2 10^4``-
``10^5`` pulls). The index therefore cannot rank the arms within the horizon
and the agent round-robins, whatever moment order it is told; the loss is the
worst-case constant 4 and the ``s^{-eps/(1+eps)}`` rate of the bound, not the
parameters.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["plot", "random_regret", "run_scores", "score", "truncated_widths"]

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Cumulative pseudo-regret at T relative to uniform play, 1 - regret / regret_uniform "
    "clipped to [0, 1]; higher is better, 0 = no better than picking arms at random, 1 = zero "
    "regret."
)


def random_regret(df: pd.DataFrame) -> pd.Series:
    """Expected cumulative pseudo-regret of uniform play for each row's setting."""
    k = df["n_arms"].astype(float)
    return df["horizon"].astype(float) * df["gap"].astype(float) * (k - 1.0) / k


def run_scores(df: pd.DataFrame) -> pd.Series:
    """Score of every run (row) in ``[0, 1]``."""
    return (1.0 - df["regret"] / random_regret(df)).clip(0.0, 1.0)


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Mean score per agent: DataFrame with columns ``agent, score``."""
    scores = df.assign(score=run_scores(df)).groupby("agent", sort=True)["score"].mean()
    return scores.reset_index()


def _setting_title(row: pd.Series) -> str:
    noise = "Gaussian" if row["noise"] == "gaussian" else f"Student-t df={row['df']:g}"
    return f"{noise}, gap={row['gap']:g}, K={int(row['n_arms'])}"


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Cumulative regret per setting (median and IQR band over seeds) and final regret."""
    from rlsuite.experiments import plotting

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    settings = df.drop_duplicates("setting").set_index("setting").sort_index()
    agents = sorted(df["agent"].unique())
    colours = plotting.agent_colours(agents, study="heavy_tail_mab")
    regret = curves[curves["curve"] == "cumulative_regret"]

    ncols = min(4, len(settings))
    nrows = -(-len(settings) // ncols)
    fig, axes = plotting.figure(
        nrows, ncols, title="heavy_tail_mab: cumulative pseudo-regret", sharex=True
    )
    flat = list(axes.ravel())
    for ax, (setting, row) in zip(flat, settings.iterrows()):
        for agent, runs in regret[regret["setting"] == setting].groupby("agent"):
            plotting.quantile_band(ax, runs, agent, colours[agent])
        ax.set_title(_setting_title(row))
        ax.set_xlabel("round t")
        ax.set_ylabel("cumulative pseudo-regret")
    for ax in flat[len(settings) :]:
        ax.set_visible(False)
    plotting.legend_outside(fig, flat[: len(settings)])
    paths = [plotting.save(fig, out / "heavy_tail_mab_regret.png")]

    final = df.groupby(["setting", "agent"])["regret"].agg(["mean", "sem"]).reset_index()
    fig, axes = plotting.figure(
        1, 1, panel=(1.2 * len(settings) + 2, 3.6), title="heavy_tail_mab: regret at T"
    )
    ax = axes[0, 0]
    width = 0.8 / max(len(agents), 1)
    positions = np.arange(len(settings))
    for i, agent in enumerate(agents):
        rows = final[final["agent"] == agent].set_index("setting").reindex(settings.index)
        ax.bar(
            positions + i * width,
            rows["mean"],
            width,
            yerr=rows["sem"].fillna(0.0),
            label=agent,
            color=colours[agent],
        )
    ax.set_xticks(positions + width * (len(agents) - 1) / 2)
    ax.set_xticklabels(
        [_setting_title(r).replace(", ", "\n") for _, r in settings.iterrows()], fontsize="small"
    )
    ax.set_ylabel(f"regret at T (mean +- s.e., {df['seed'].nunique()} seeds)")
    plotting.legend_outside(fig, [ax])
    paths.append(plotting.save(fig, out / "heavy_tail_mab_final_regret.png"))
    return paths


def truncated_widths(settings: list[dict] | None = None, grid: int = 60) -> pd.DataFrame:
    """Width of ``RobustUCB-truncated``'s index at ``s = T / K`` pulls, per setting.

    Columns: the setting's noise, ``df`` and ``gap``; the ``epsilon`` and ``u``
    the study passes; ``width_at_T_over_K``; ``pulls_for_half_gap`` (pulls per
    arm at which the width falls below ``gap / 2``); and the smallest width
    over a grid of valid ``epsilon`` (``best_epsilon``, ``best_width``).
    """
    import math

    from rlsuite.experiments.heavy_tail_mab import run, sweep

    rows = []
    for params in settings if settings is not None else sweep.SETTINGS:
        means = run.arm_means(params, 0)
        horizon, n_arms = float(params["horizon"]), float(params["n_arms"])
        log_term, pulls = 2.0 * math.log(horizon), horizon / n_arms

        def width(epsilon: float, u: float, ratio: float = log_term / pulls) -> float:
            q = 1.0 + epsilon
            return 4.0 * u ** (1.0 / q) * ratio ** (epsilon / q)

        _, kwargs = run.agent_spec("RobustUCB-truncated", params, means)
        eps, u = kwargs["epsilon"], kwargs["u"]
        q = 1.0 + eps
        need = log_term * (4.0 * u ** (1.0 / q) / (params["gap"] / 2.0)) ** (q / eps)
        df = math.inf if params["noise"] == "gaussian" else float(params["df"])
        top = 1.0 if math.isinf(df) else min(1.0, df - 1.0 - 1e-3)
        best = min(
            (width(e, _moment_bound(params, means, e)), e) for e in np.linspace(0.05, top, grid)
        )
        rows.append(
            {
                "noise": params["noise"],
                "df": params.get("df"),
                "gap": params["gap"],
                "epsilon": eps,
                "u": u,
                "width_at_T_over_K": width(eps, u),
                "pulls_for_half_gap": need,
                "best_epsilon": best[1],
                "best_width": best[0],
            }
        )
    return pd.DataFrame(rows)


def _moment_bound(params: dict, means: np.ndarray, epsilon: float) -> float:
    """``u >= E|X|^{1+eps}`` as the study computes it, for any ``epsilon``."""
    import math

    from rlsuite.experiments.heavy_tail_mab.run import student_t_abs_moment

    q, scale = 1.0 + epsilon, float(params["scale"])
    if params["noise"] == "gaussian":
        moment = scale**q * 2.0 ** (q / 2.0) * math.gamma((q + 1.0) / 2.0) / math.sqrt(math.pi)
    else:
        moment = scale**q * student_t_abs_moment(float(params["df"]), q)
    return 2.0**epsilon * (float(np.abs(means).max()) ** q + moment)
