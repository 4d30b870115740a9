"""Analysis of the SGB study: convergence table, score, and three figures.

Every metric and curve of a run is per ``eta`` (prefix ``eta<eta>/``); a run
holds ``copies`` independent copies per ``eta``, and fractions come with
95% Wilson intervals over those copies.

Reading the slopes (recorded in ``docs/results/sgb_any_stepsize.txt``, T = 10^6):
at ``eta <= 10`` the converged copies decay at the ``O(1/t)`` rate (median
slope about -1). At ``eta >= 100`` the converged copies' slope is about 0.
That is a float64 floor, not the algorithm's rate: once ``pi(a*)`` rounds to
1 (suboptimality below about ``1e-16``), the update of ``theta(a*)``,
``eta (1 - pi(a*)) R``, is exactly 0, and the other arms' updates
``eta pi(a) R`` fall below the spacing of floats near their logits. At
``eta = 1000`` the converged copies reach ``log(r(a*) - pi^T r)`` of -112
(median) within the first few thousand steps and stay there. The stuck copies
sit on a suboptimal arm with ``log pi(a*)`` drifting down (the
``stuck_log_pi_opt`` curves): the lock-in that the 2024 paper's almost-sure
result allows but does not bound in time.

The suboptimality bands (``sgb_log_subopt_bands.png``) draw log values below
:data:`LOG_SUBOPT_FLOOR` (``ln`` of float64's machine epsilon, -36.0) at it,
marked with a dotted line and a count in the y label
(:func:`rlsuite.experiments.plotting.mark_floor`): below it the dynamics are
frozen by rounding, and the -112 to -321 (or the -745 ``exp`` underflow stand-
in for an exact 0) the quantiles reach at ``eta = 1000`` would otherwise
stretch the axis over a region that says nothing about the algorithm.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rlsuite.experiments import plotting
from rlsuite.experiments.sgb_any_stepsize.sweep import CHECKPOINTS

__all__ = ["LOG_SUBOPT_FLOOR", "SCORE", "plot", "score", "table", "wilson"]

#: ``ln(2.2e-16)``: a suboptimality below float64's machine epsilon means
#: ``pi(a*)`` is 1 up to rounding, where the updates stop (module docstring).
LOG_SUBOPT_FLOOR = float(np.log(np.finfo(np.float64).eps))

#: What :func:`score` measures (printed by the report and the front end).
SCORE = (
    "Fraction of copies (over every step size eta) whose policy is within 1e-2 of the "
    "optimal expected reward at the horizon; higher is better, 0 = none converged, 1 = all."
)

_PREFIX = re.compile(r"^eta([0-9.e+-]+)/(.+)$")


def wilson(fraction: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a binomial fraction over ``n`` trials."""
    if n <= 0 or not np.isfinite(fraction):
        return (np.nan, np.nan)
    centre = (fraction + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(fraction * (1 - fraction) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (centre - half, centre + half)


def _long(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (run, eta) with the per-eta metrics as columns."""
    rows = []
    for _, run in df.iterrows():
        by_eta: dict[float, dict] = {}
        for column, value in run.items():
            match = _PREFIX.match(str(column))
            if match and pd.notna(value):
                by_eta.setdefault(float(match.group(1)), {})[match.group(2)] = value
        for eta, metrics in by_eta.items():
            rows.append({"setting": run["setting"], "seed": run["seed"], "eta": eta, **metrics})
    return pd.DataFrame(rows)


def score(df: pd.DataFrame) -> pd.DataFrame:
    """Fraction of copies (over every ``eta``) converged at the horizon, in ``[0, 1]``.

    The theory promises almost-sure convergence for every ``eta`` but no rate,
    so this measures how soon it happens at the horizon studied.
    """
    long = _long(df)
    value = float((long["converged_final"] * long["copies"]).sum() / long["copies"].sum())
    return pd.DataFrame({"agent": ["GradientBandit"], "score": [value]})


def table(df: pd.DataFrame) -> pd.DataFrame:
    """Per ``eta``: copies, fraction converged at each checkpoint (95% CI), slope quartiles.

    The slope is the log-log slope of the suboptimality over ``[T/100, T]``
    among the copies converged at ``T`` (``-1``: the ``O(1/t)`` rate).
    """
    rows = []
    for eta, group in _long(df).groupby("eta"):
        n = float(group["copies"].sum())
        row: dict[str, object] = {"eta": eta, "copies": int(n)}
        for checkpoint in CHECKPOINTS:
            column = f"conv_t{checkpoint}"
            if column in group and group[column].notna().any():
                frac = float((group[column] * group["copies"]).sum() / n)
                low, high = wilson(frac, n)
                row[f"conv@{checkpoint:.0e}"] = f"{frac:.3f} [{low:.3f}, {high:.3f}]"
        row["slope_median (q25, q75)"] = (
            f"{group['slope_median'].median():.3f} "
            f"({group['slope_q25'].median():.3f}, {group['slope_q75'].median():.3f})"
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _curves_by_eta(curves: pd.DataFrame) -> dict[float, pd.DataFrame]:
    parts = curves["curve"].str.extract(_PREFIX)
    data = curves.assign(eta=parts[0].astype(float), name=parts[1])
    return {eta: group for eta, group in data.groupby("eta")}


def plot(df: pd.DataFrame, curves: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Fraction converged vs ``t``; log suboptimality quantile bands; stuck ``log pi(a*)``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_eta = _curves_by_eta(curves)
    etas = sorted(by_eta)
    colors = dict(zip(etas, plt.get_cmap("viridis")(np.linspace(0, 0.9, len(etas)))))
    paths = []

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for eta in etas:
        c = by_eta[eta][by_eta[eta]["name"] == "frac_converged"]
        ax.plot(c["step"], c["value"], color=colors[eta], label=f"eta = {eta:g}")
    ax.set_yscale("log")
    ylabel = "fraction converged (subopt < 1e-2, log)"
    paths.append(_save_against_log_t(fig, ax, ylabel, out_dir / "sgb_fraction_converged.png"))

    fig = _bands_figure(by_eta, etas, colors)
    paths.append(_save(fig, out_dir / "sgb_log_subopt_bands.png"))

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for eta in etas:
        c = by_eta[eta].pivot_table(index="step", columns="name", values="value")
        if "stuck_log_pi_opt_q0.5" not in c:
            continue
        ax.fill_between(
            c.index,
            c["stuck_log_pi_opt_q0.25"],
            c["stuck_log_pi_opt_q0.75"],
            alpha=0.3,
            color=colors[eta],
        )
        ax.plot(c.index, c["stuck_log_pi_opt_q0.5"], color=colors[eta], label=f"eta = {eta:g}")
    ylabel = "log pi_t(a*) of copies not converged at T"
    paths.append(_save_against_log_t(fig, ax, ylabel, out_dir / "sgb_stuck_log_pi_opt.png"))
    return paths


def _bands_figure(by_eta: dict[float, pd.DataFrame], etas: list[float], colors: dict) -> Any:
    """Per ``eta``: quantile bands of the log suboptimality, the float64 floor marked.

    Values below :data:`LOG_SUBOPT_FLOOR` are drawn at it
    (:func:`plotting.clip_log_floor`); a panel that has any gets the dotted
    floor line, its count in the y label (:func:`plotting.mark_floor`) and a
    note on the line.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(etas), figsize=(4 * len(etas), 3.6), squeeze=False)
    floor = LOG_SUBOPT_FLOOR
    for ax, eta in zip(axes[0], etas):
        c = by_eta[eta].pivot_table(index="step", columns="name", values="value")
        logt = np.log(c.index.to_numpy(dtype=float))
        n_clipped = 0
        for low, high, alpha, label in (
            ("0.05", "0.95", 0.2, "5-95%"),
            ("0.25", "0.75", 0.4, "25-75%"),
        ):
            lower, n_lower = plotting.clip_log_floor(c[f"log_subopt_q{low}"], floor)
            upper, n_upper = plotting.clip_log_floor(c[f"log_subopt_q{high}"], floor)
            n_clipped += n_lower + n_upper
            ax.fill_between(logt, lower, upper, alpha=alpha, color=colors[eta], label=label)
        median, n_median = plotting.clip_log_floor(c["log_subopt_q0.5"], floor)
        n_clipped += n_median
        ax.plot(logt, median, color="k", lw=1, label="median")
        ax.set_title(f"eta = {eta:g}")
        ax.set_xlabel("log t")
        ax.set_ylabel("log(r(a*) - pi_t^T r)")
        ax.grid(alpha=0.3)
        plotting.mark_floor(ax, floor, n_clipped, log=False)
        if n_clipped:
            ax.annotate(
                "float64 floor: pi(a*) rounds to 1",
                (0.02, floor),
                xycoords=("axes fraction", "data"),
                xytext=(0, 3),
                textcoords="offset points",
                fontsize=7,
                color="0.35",
            )
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def _save_against_log_t(fig: Any, ax: Any, ylabel: str, path: Path) -> Path:
    """Finish a one-panel figure of per-eta lines against ``t`` (log axis) and save it."""
    ax.set_xscale("log")
    ax.set_xlabel("t (log)")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)
    return path


def tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The study's titled tables (the front end prints them, the report writes tables.md)."""
    return {"convergence per step size": table(df)}
