"""The one plotting module of rlsuite's reports and studies.

Every figure goes through here, so they share one look and one set of rules:

* :func:`figure`: constrained layout (no clipped titles or labels), one size per panel;
* :func:`agent_colours`: a colour per agent label, fixed by the study's sweeps,
  so an agent keeps its colour in every figure of a study;
* :func:`legend_outside`: the legend beside the panels, never over data;
* :func:`log_scale_if_spans`: log axes where positive values span >= 2 decades,
  with values under a floor clipped to it and marked;
* :func:`identity_line`: ``y = x`` on predictions scattered against truth;
* :func:`mark_truncated`: a note on an axis that does not start at 0;
* :func:`quantile_band`: median and inter-quartile band over seeds (with the
  seed count in the legend) instead of unlabelled per-seed lines;
* :func:`number`: integer-valued numbers as integers (``n=1000``, not ``1000.0``);
* :func:`score_panel`: one study's scores, with 95 % intervals only from >= 3 seeds;
* :func:`save`: atomic PNG write, file mode 644, figure closed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = [
    "MIN_SEEDS_FOR_INTERVAL",
    "agent_colours",
    "figure",
    "identity_line",
    "legend_outside",
    "log_scale_if_spans",
    "mark_truncated",
    "number",
    "quantile_band",
    "save",
    "score_panel",
    "seeds_label",
]

#: Intervals (bootstrap or quantile bands) are drawn only from this many seeds.
MIN_SEEDS_FOR_INTERVAL = 3

STYLE = {
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": "medium",
    "axes.labelsize": "small",
    "xtick.labelsize": "small",
    "ytick.labelsize": "small",
    "legend.fontsize": "small",
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 110,
}
plt.rcParams.update(STYLE)

# tab10 then the dark/light halves of tab20: 20 distinguishable colours.
_PALETTE = [plt.get_cmap("tab10")(i) for i in range(10)] + [
    plt.get_cmap("tab20b")(i) for i in range(0, 20, 2)
]


def _study_agents(study: str) -> list[str]:
    """Agent labels of every sweep of ``study`` in first-seen order (main first)."""
    from rlsuite.experiments.base import list_experiments, load_experiment

    if study not in list_experiments():
        return []
    experiment = load_experiment(study)
    labels: dict[str, None] = {}
    for sweep in experiment.sweep_names():
        labels.update(dict.fromkeys(experiment.agents(sweep)))
    return list(labels)


def agent_colours(agents: Iterable[str], study: str | None = None) -> dict[str, tuple]:
    """A colour per agent: its position among ``study``'s agent labels, then the rest sorted.

    The same study gives an agent the same colour in every figure; within a
    study no two of the first 20 labels share one.
    """
    order = _study_agents(study) if study else []
    extra = sorted(set(agents) - set(order))
    index = {agent: i for i, agent in enumerate(order + extra)}
    return {agent: _PALETTE[index[agent] % len(_PALETTE)] for agent in agents}


def figure(
    nrows: int = 1, ncols: int = 1, panel: tuple[float, float] = (4.2, 3.2), **kwargs
) -> tuple[plt.Figure, np.ndarray]:
    """A figure with constrained layout and a 2-D array of axes."""
    size = (panel[0] * ncols, panel[1] * nrows)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=size, squeeze=False, layout="constrained", **kwargs
    )
    return fig, axes


def legend_outside(fig: plt.Figure, axes: Iterable[plt.Axes] | None = None, **kwargs) -> None:
    """One legend for the figure, right of the panels (handles deduplicated by label)."""
    handles: dict[str, object] = {}
    for ax in axes if axes is not None else fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if not label.startswith("_"):
                handles.setdefault(label, handle)
    if handles:
        fig.legend(handles.values(), handles.keys(), loc="outside right upper", **kwargs)


def number(value: float) -> str:
    """``1000`` for integer-valued numbers, otherwise 3 significant digits."""
    value = float(value)
    if np.isfinite(value) and value == round(value) and abs(value) < 1e15:
        return str(int(round(value)))
    return f"{value:.3g}"


def seeds_label(n_seeds: int) -> str:
    """``"1 seed"``, ``"5 seeds"``."""
    return f"{n_seeds} seed" + ("" if n_seeds == 1 else "s")


def log_scale_if_spans(
    ax: plt.Axes, values: Sequence[float] | np.ndarray, axis: str = "y", floor: float | None = None
) -> np.ndarray:
    """Use a log axis when the positive values span >= 2 decades; return the values to draw.

    Values at or below ``floor`` (default: 1e-3 of the largest) are drawn at
    the floor and the axis label says so, so float-precision zeros do not
    stretch the axis or drag a mean down.
    """
    data = np.asarray(values, dtype=float)
    finite = data[np.isfinite(data)]
    positive = finite[finite > 0]
    if positive.size == 0 or positive.max() / max(positive.min(), 1e-300) < 100 or finite.min() < 0:
        return data
    floor = positive.max() * 1e-3 if floor is None else floor
    clipped = np.where(np.isfinite(data), np.maximum(data, floor), data)
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    if np.any(finite <= floor):
        label = (ax.get_ylabel() if axis == "y" else ax.get_xlabel()) or "value"
        text = f"{label} (log; values <= {floor:.2g} drawn at {floor:.2g})"
        (ax.set_ylabel if axis == "y" else ax.set_xlabel)(text)
    return clipped


def identity_line(ax: plt.Axes, label: str = "y = x") -> None:
    """Draw ``y = x`` across the current limits (both axes share the range)."""
    low = min(ax.get_xlim()[0], ax.get_ylim()[0])
    high = max(ax.get_xlim()[1], ax.get_ylim()[1])
    ax.plot([low, high], [low, high], color="0.4", linestyle="--", linewidth=1, label=label)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)


def mark_truncated(ax: plt.Axes, axis: str = "y") -> None:
    """Say on the axis that it starts above 0 (for non-negative quantities)."""
    low, high = ax.get_ylim() if axis == "y" else ax.get_xlim()
    if low > 0 and (ax.get_yscale() if axis == "y" else ax.get_xscale()) == "linear":
        note = f"{axis} axis starts at {low:.3g}, not 0"
        if axis == "y":
            ax.text(0.01, 0.01, note, transform=ax.transAxes, fontsize="x-small", color="0.35")
        else:
            ax.text(0.99, 0.01, note, transform=ax.transAxes, ha="right", fontsize="x-small")


def quantile_band(
    ax: plt.Axes,
    curves: pd.DataFrame,
    label: str,
    colour: tuple | str,
    x: str = "step",
    y: str = "value",
) -> None:
    """Median over seeds with its inter-quartile band (from >= 3 seeds), seeds in the label.

    ``curves`` has columns ``seed``, ``x`` and ``y`` (one agent and setting).
    """
    table = curves.pivot_table(index=x, columns="seed", values=y, aggfunc="mean")
    n_seeds = table.shape[1]
    steps = table.index.to_numpy(dtype=float)
    if n_seeds >= MIN_SEEDS_FOR_INTERVAL:
        q25, q50, q75 = (table.quantile(q, axis=1).to_numpy() for q in (0.25, 0.5, 0.75))
        ax.fill_between(steps, q25, q75, color=colour, alpha=0.2, linewidth=0)
        text = f"{label} (median, IQR; {seeds_label(n_seeds)})"
    else:
        q50 = table.mean(axis=1).to_numpy()
        text = f"{label} ({seeds_label(n_seeds)}, no band)"
    ax.plot(steps, q50, color=colour, label=text)


def score_panel(
    ax: plt.Axes, rows: pd.DataFrame, title: str, colours: dict[str, tuple] | None = None
) -> None:
    """One study's agent scores in ``[0, 1]``: IQM with 95 % interval from >= 3 seeds.

    ``rows`` has columns ``agent, n_seeds, iqm_score, ci_low, ci_high``.
    With fewer seeds the point is drawn alone and labelled with its seed count.
    """
    rows = rows.sort_values("iqm_score")
    colours = colours or agent_colours(rows["agent"])
    y = np.arange(len(rows))
    for i, row in enumerate(rows.itertuples(index=False)):
        colour = colours[row.agent]
        if row.n_seeds >= MIN_SEEDS_FOR_INTERVAL and np.isfinite(row.ci_low):
            ax.errorbar(
                row.iqm_score,
                i,
                xerr=[[row.iqm_score - row.ci_low], [row.ci_high - row.iqm_score]],
                fmt="o",
                color=colour,
                capsize=3,
            )
        else:
            ax.plot(row.iqm_score, i, "D", color=colour, markerfacecolor="white")
    labels = []
    for row in rows.itertuples(index=False):
        interval = "" if row.n_seeds >= MIN_SEEDS_FOR_INTERVAL else ", no interval"
        labels.append(f"{row.agent} {row.iqm_score:.2f} ({seeds_label(row.n_seeds)}{interval})")
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlim(-0.02, 1.02)
    ax.set_title(title)


def save(fig: plt.Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as PNG atomically (mode 644) and close it; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, format="png")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    return path
