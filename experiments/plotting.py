"""The one plotting module of rlsuite's reports and studies.

Every figure goes through here, so they share one look and one set of rules:

* :func:`figure`: constrained layout (no clipped titles or labels), one size per
  panel, an optional figure title;
* :func:`agent_colours`: a colour per agent label, fixed by the study's sweeps,
  so an agent keeps its colour in every figure of a study;
* :func:`legend_outside`: the legend beside the panels, never over data;
* :func:`log_scale_if_spans` / :func:`log_axis`: log axes (where positive values
  span >= 2 decades / always), with values under a floor clipped to it and marked
  (:func:`mark_floor`); :func:`clip_log_floor` does the same for values that are
  already logarithms (``log10`` gaps at the float floor, ``-inf``);
* :func:`identity_line`: ``y = x`` on predictions scattered against truth;
* :func:`mark_truncated`: a note on an axis that does not start at 0;
* :func:`quantile_band` (long table) / :func:`band` (array of copies x steps):
  median and inter-quartile band over seeds or copies (with their count in the
  legend) instead of unlabelled per-seed lines;
* :func:`sweep_line`: a metric against a swept parameter, median and IQR over
  seeds; a sweep with one value is drawn as a point with its interval on a
  padded axis with one tick (:func:`single_value_axis`), not a degenerate axis;
* :func:`number`, :func:`param_label`, :func:`number_ticks`: integer-valued
  numbers as integers (``n=1000``, not ``1000.0``), on labels and ticks;
* :func:`empty_panel`: a panel that says why it has no data;
* :func:`score_panel`: one study's scores, with 95 % intervals only from >= 3 seeds;
* :func:`save`: atomic PNG write, file mode 644, figure closed.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.style  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402

__all__ = [
    "MIN_SEEDS_FOR_INTERVAL",
    "agent_colours",
    "band",
    "clip_log_floor",
    "empty_panel",
    "figure",
    "identity_line",
    "legend_outside",
    "log_axis",
    "log_scale_if_spans",
    "mark_floor",
    "mark_truncated",
    "number",
    "number_ticks",
    "param_label",
    "quantile_band",
    "save",
    "score_panel",
    "replicates_label",
    "seeds_label",
    "single_value_axis",
    "sweep_line",
]

#: Intervals (bootstrap or quantile bands) are drawn only from this many seeds.
MIN_SEEDS_FOR_INTERVAL = 3

STYLE: dict[str, Any] = {
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
matplotlib.style.use(STYLE)  # rcParams.update, typed for any rc name

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
    nrows: int = 1,
    ncols: int = 1,
    panel: tuple[float, float] = (4.2, 3.2),
    title: str | None = None,
    **kwargs,
) -> tuple[plt.Figure, np.ndarray]:
    """A figure with constrained layout and a 2-D array of axes.

    Parameters
    ----------
    nrows, ncols : int
        Panel grid; ``axes[i, j]`` is always indexable (``squeeze=False``).
    panel : tuple of float
        Width and height of one panel in inches; the figure is that times the grid.
    title : str, optional
        Figure title (``suptitle``), wrapped to the panels' width; constrained
        layout keeps it inside the figure.
    **kwargs
        Passed to :func:`matplotlib.pyplot.subplots` (``sharex``, ``sharey``, ...).
    """
    size = (panel[0] * ncols, panel[1] * nrows + (0.3 if title else 0.0))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=size, squeeze=False, layout="constrained", **kwargs
    )
    if title:
        # Wrapped to the panels' width (about 11 characters per inch at the title's size),
        # so a long title neither widens the figure nor runs over a legend beside it.
        fig.suptitle(textwrap.fill(title, width=max(30, int(size[0] * 11))))
    return fig, axes


def legend_outside(
    fig: plt.Figure, axes: Iterable[plt.Axes] | None = None, loc: str = "right", **kwargs
) -> None:
    """One legend for the figure, beside the panels (handles deduplicated by label).

    ``loc`` is ``"right"`` (beside the panels, top aligned) or ``"bottom"``
    (under them, several columns); either way it takes its own space in the
    constrained layout and never covers data, and the figure grows by the
    legend's size so the panels keep theirs. Call it once per figure, after
    drawing. Labels starting with ``_`` are skipped.
    """
    if loc not in ("right", "bottom"):
        raise ValueError(f"loc={loc!r} is not allowed: use 'right' or 'bottom'")
    handles: dict[str, Artist] = {}
    for ax in axes if axes is not None else fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if not label.startswith("_"):
                handles.setdefault(label, handle)
    if not handles:
        return
    artists, labels = list(handles.values()), list(handles)
    if loc == "right":
        anchor = _top_right_axes(fig)
        if anchor is None:
            fig.legend(
                list(handles.values()), list(handles.keys()), loc="outside right upper", **kwargs
            )
        else:
            # Anchored on the top-right panel (not fig.legend, which constrained layout
            # lets run over a suptitle): beside the panels, top-aligned with them.
            kwargs.setdefault("borderaxespad", 0.0)
            anchor.legend(
                artists,
                labels,
                loc="upper left",
                bbox_to_anchor=(1.02, 1.0),
                **kwargs,
            )
    else:
        kwargs.setdefault("ncols", min(4, len(handles)))
        fig.legend(
            list(handles.values()), list(handles.keys()), loc="outside lower center", **kwargs
        )
    _make_room(fig, loc)


def _make_room(fig: plt.Figure, loc: str) -> None:
    """Grow the figure by its legend's size, so the panels keep their width (or height)."""
    legends = list(fig.legends)
    legends += [legend for ax in fig.axes if (legend := ax.get_legend()) is not None]
    if not legends:
        return
    box = legends[-1].get_window_extent(fig.canvas.get_renderer())  # type: ignore[attr-defined]
    width, height = fig.get_size_inches()
    if loc == "right":
        fig.set_size_inches(width + box.width / fig.dpi + 0.15, height)
    else:
        fig.set_size_inches(width, height + box.height / fig.dpi + 0.1)


def _top_right_axes(fig: plt.Figure) -> plt.Axes | None:
    """The visible grid panel in the top row, rightmost column (None without a grid)."""
    best, best_key = None, None
    for ax in fig.axes:
        spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
        if spec is None or not ax.get_visible():
            continue
        key = (spec.rowspan.start, -spec.colspan.stop)
        if best_key is None or key < best_key:
            best, best_key = ax, key
    return best


def number(value: float) -> str:
    """``1000`` for integer-valued numbers, otherwise 3 significant digits."""
    value = float(value)
    if np.isfinite(value) and value == round(value) and abs(value) < 1e15:
        return str(int(round(value)))
    return f"{value:.3g}"


def param_label(name: str, value: float) -> str:
    """``"n=1000"`` (never ``"n=1000.0"``), ``"beta=0.1"``."""
    return f"{name}={number(value)}"


def number_ticks(ax: plt.Axes, axis: str = "x", integer: bool = False, max_ticks: int = 6) -> None:
    """Tick labels through :func:`number` (``1000``, ``0.05``), on linear or log axes.

    With ``integer=True`` a linear axis also gets at most ``max_ticks`` ticks,
    at integers only (counts, sizes, steps), so wide labels do not collide.
    """
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.yaxis if axis == "y" else ax.xaxis
    scale = ax.get_yscale() if axis == "y" else ax.get_xscale()
    if integer and scale == "linear":
        target.set_major_locator(MaxNLocator(nbins=max_ticks - 1, integer=True))
    target.set_major_formatter(FuncFormatter(lambda v, _pos: number(v)))
    if scale == "log":
        target.set_minor_formatter(FuncFormatter(lambda _v, _pos: ""))


def seeds_label(n_seeds: int, unit: str = "seed") -> str:
    """``"1 seed"``, ``"5 seeds"``, ``"8 copies"`` (``unit="copy"``)."""
    n_seeds = int(n_seeds)
    if n_seeds == 1:
        return f"1 {unit}"
    plural = unit[:-1] + "ies" if unit.endswith("y") else unit + "s"
    return f"{n_seeds} {plural}"


def replicates_label(n_seeds: int, n_replicates: int | None = None) -> str:
    """``"5 seeds"``; with copies inside runs ``"1 seed x 10 copies"``, ``"2 seeds, 15 copies"``."""
    n_seeds = int(n_seeds)
    n_replicates = n_seeds if n_replicates is None else int(n_replicates)
    if n_replicates == n_seeds or n_seeds == 0:
        return seeds_label(n_seeds)
    if n_replicates % n_seeds == 0:
        return f"{seeds_label(n_seeds)} x {seeds_label(n_replicates // n_seeds, 'copy')}"
    return f"{seeds_label(n_seeds)}, {seeds_label(n_replicates, 'copy')}"


def _axis_label(ax: plt.Axes, axis: str) -> str:
    return ax.get_ylabel() if axis == "y" else ax.get_xlabel()


def _set_axis_label(ax: plt.Axes, axis: str, text: str) -> None:
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(text)


def mark_floor(ax: plt.Axes, floor: float, n_clipped: int, axis: str = "y", log: bool = True):
    """Mark that ``n_clipped`` values were drawn at ``floor``: a dotted line and a label note.

    Call after setting the axis label (the note is appended to it).
    """
    if n_clipped <= 0:
        return
    line = ax.axhline if axis == "y" else ax.axvline
    line(floor, color="0.5", linestyle=":", linewidth=0.8, label="_floor")
    label = _axis_label(ax, axis) or "value"
    kind = "log; " if log else ""
    _set_axis_label(ax, axis, f"{label}\n({kind}{n_clipped} values <= {floor:.2g} drawn at it)")


def log_axis(
    ax: plt.Axes,
    values: Sequence[float] | np.ndarray,
    axis: str = "y",
    floor: float | None = None,
    mark: bool = True,
) -> np.ndarray:
    """Put ``axis`` on a log scale and return ``values`` with those <= ``floor`` raised to it.

    ``floor`` defaults to 1e-6 of the largest positive value (zeros and float-
    precision values would otherwise stretch a log axis over hundreds of
    decades). Clipped values are marked with :func:`mark_floor` unless
    ``mark=False`` (then call it once per axis yourself).

    Raises
    ------
    ValueError
        If ``axis`` is not ``"x"``/``"y"``, ``floor`` is not positive, or
        there is no positive finite value and no ``floor``.
    """
    if axis not in ("x", "y"):
        raise ValueError(f"axis={axis!r} is not allowed: use 'x' or 'y'")
    data = np.asarray(values, dtype=float)
    finite = data[np.isfinite(data)]
    positive = finite[finite > 0]
    if floor is None:
        if positive.size == 0:
            raise ValueError("log_axis needs a positive finite value or an explicit floor")
        floor = float(positive.max()) * 1e-6
    if not floor > 0:
        raise ValueError(f"floor={floor!r} is not allowed: must be > 0")
    clipped = np.where(np.isfinite(data), np.maximum(data, floor), data)
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    if mark:
        mark_floor(ax, floor, int(np.sum(finite <= floor)), axis=axis)
    return clipped


def log_scale_if_spans(
    ax: plt.Axes, values: Sequence[float] | np.ndarray, axis: str = "y", floor: float | None = None
) -> np.ndarray:
    """Use a log axis when the positive values span >= 2 decades; return the values to draw.

    Values at or below ``floor`` (default: 1e-3 of the largest) are drawn at
    the floor and marked (:func:`mark_floor`), so float-precision zeros do not
    stretch the axis or drag a mean down. Negative values keep a linear axis.
    """
    data = np.asarray(values, dtype=float)
    finite = data[np.isfinite(data)]
    positive = finite[finite > 0]
    if positive.size == 0 or positive.max() / max(positive.min(), 1e-300) < 100 or finite.min() < 0:
        return data
    floor = positive.max() * 1e-3 if floor is None else floor
    return log_axis(ax, data, axis=axis, floor=floor)


def clip_log_floor(
    log_values: Sequence[float] | np.ndarray, floor: float
) -> tuple[np.ndarray, int]:
    """Raise logarithms below ``floor`` (``-inf``, ``log10`` of float-precision zeros) to it.

    Returns the clipped array and how many values were raised; pass the count
    to :func:`mark_floor` (``log=False``) and aggregate the clipped values,
    so a ``-200`` at the float floor does not drag a mean to ``-64.5``. NaN stays NaN.
    """
    data = np.asarray(log_values, dtype=float)
    low = ~np.isnan(data) & (data < floor)
    return np.where(low, floor, data), int(low.sum())


def identity_line(ax: plt.Axes, label: str = "y = x") -> None:
    """Draw ``y = x`` across the current limits (both axes share the range)."""
    low = min(ax.get_xlim()[0], ax.get_ylim()[0])
    high = max(ax.get_xlim()[1], ax.get_ylim()[1])
    ax.plot([low, high], [low, high], color="0.4", linestyle="--", linewidth=1, label=label)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal", adjustable="box")


def mark_truncated(ax: plt.Axes, axis: str = "y") -> None:
    """Say on the axis that it starts above 0 (for non-negative quantities).

    Call after everything is drawn (the limits are read then). A note
    ``"y axis starts at 0.86, not 0"`` goes into the panel's corner.
    """
    low, high = ax.get_ylim() if axis == "y" else ax.get_xlim()
    if low > 0 and (ax.get_yscale() if axis == "y" else ax.get_xscale()) == "linear":
        note = f"{axis} axis starts at {low:.3g}, not 0"
        if axis == "y":
            ax.text(0.01, 0.01, note, transform=ax.transAxes, fontsize="x-small", color="0.35")
        else:
            ax.text(
                0.99,
                0.01,
                note,
                transform=ax.transAxes,
                ha="right",
                fontsize="x-small",
                color="0.35",
            )


def band(
    ax: plt.Axes,
    x: Sequence[float] | np.ndarray,
    samples: Sequence[Sequence[float]] | np.ndarray,
    label: str,
    colour: tuple | str,
    unit: str = "seed",
    **line_kwargs,
) -> int:
    """Median over rows of ``samples`` with its inter-quartile band; return the row count.

    ``samples`` is ``(n_rows, len(x))``: one row per seed or per independent
    vector-env copy (``unit="copy"``). From >= :data:`MIN_SEEDS_FOR_INTERVAL`
    rows the band is drawn and the label reads ``"label (median, IQR; 8 copies)"``;
    with fewer the mean is drawn alone, labelled ``"(2 seeds, no band)"``.
    NaNs are ignored per step.
    """
    values = np.atleast_2d(np.asarray(samples, dtype=float))
    steps = np.asarray(x, dtype=float)
    if values.shape[1] != steps.size:
        raise ValueError(
            f"samples has {values.shape[1]} columns but x has {steps.size} values: "
            "samples must be (n_rows, len(x))"
        )
    n_rows = values.shape[0]
    if n_rows >= MIN_SEEDS_FOR_INTERVAL:
        q25, q50, q75 = np.nanquantile(values, [0.25, 0.5, 0.75], axis=0)
        ax.fill_between(steps, q25, q75, color=colour, alpha=0.2, linewidth=0)
        text = f"{label} (median, IQR; {seeds_label(n_rows, unit)})"
    else:
        q50 = np.nanmean(values, axis=0)
        text = f"{label} ({seeds_label(n_rows, unit)}, no band)"
    ax.plot(steps, q50, color=colour, label=text, **line_kwargs)
    return n_rows


def quantile_band(
    ax: plt.Axes,
    curves: pd.DataFrame,
    label: str,
    colour: tuple | str,
    x: str = "step",
    y: str = "value",
    seed: str = "seed",
    unit: str = "seed",
    **line_kwargs,
) -> int:
    """Median over seeds with its inter-quartile band (from >= 3 seeds), seeds in the label.

    ``curves`` is a long table with columns ``seed``, ``x`` and ``y`` (one
    agent and setting); see :func:`band`. Returns the number of seeds.
    """
    table = curves.pivot_table(index=x, columns=seed, values=y, aggfunc="mean")
    return band(
        ax,
        table.index.to_numpy(dtype=float),
        table.to_numpy(dtype=float).T,
        label,
        colour,
        unit=unit,
        **line_kwargs,
    )


def single_value_axis(ax: plt.Axes, value: float, axis: str = "x", name: str | None = None):
    """An axis for a sweep with one value: one tick at it, padded limits (not a degenerate axis).

    The tick reads ``number(value)`` (or ``param_label(name, value)``); the
    axis keeps its scale, padded by a factor of 2 on log axes and by
    ``max(0.5, |value| / 2)`` on linear ones.
    """
    scale = ax.get_yscale() if axis == "y" else ax.get_xscale()
    if scale == "log" and value > 0:
        low, high = value / 2, value * 2
    else:
        pad = max(0.5, abs(value) / 2)
        low, high = value - pad, value + pad
    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_ylim if axis == "y" else ax.set_xlim)(low, high)
    tick = param_label(name, value) if name else number(value)
    (ax.set_yticks if axis == "y" else ax.set_xticks)([value], [tick])
    target.set_minor_locator(matplotlib.ticker.NullLocator())


def sweep_line(
    ax: plt.Axes,
    data: pd.DataFrame,
    x: str,
    y: str,
    label: str,
    colour: tuple | str,
    seed: str = "seed",
    unit: str = "seed",
    marker: str = "o",
    **line_kwargs,
) -> int:
    """``y`` against a swept parameter ``x``: median over seeds with IQR error bars/band.

    ``data`` is a long table (one agent); values are first averaged within
    ``(x, seed)``, then the median and inter-quartile range over seeds are
    drawn at each ``x`` (error bars and a band from >= 3 seeds, the mean
    alone otherwise, labelled with the seed count). With a single value of
    ``x`` the point is drawn with its error bar on :func:`single_value_axis`
    instead of a line on a degenerate axis. Returns the number of ``x`` values.
    """
    per_seed = data.groupby([x, seed])[y].mean().unstack(seed)
    xs = per_seed.index.to_numpy(dtype=float)
    values = per_seed.to_numpy(dtype=float)
    n_seeds = int(np.max(np.sum(~np.isnan(values), axis=1))) if values.size else 0
    if n_seeds >= MIN_SEEDS_FOR_INTERVAL:
        q25, q50, q75 = np.nanquantile(values, [0.25, 0.5, 0.75], axis=1)
        err = [q50 - q25, q75 - q50]
        text = f"{label} (median, IQR; {seeds_label(n_seeds, unit)})"
    else:
        q50 = np.nanmean(values, axis=1)
        err = None
        text = f"{label} ({seeds_label(n_seeds, unit)}, no interval)"
    if xs.size == 1:
        ax.errorbar(xs, q50, yerr=err, fmt=marker, color=colour, capsize=3, label=text)
        single_value_axis(ax, float(xs[0]), "x", name=None)
        return 1
    if err is not None:
        ax.fill_between(xs, q25, q75, color=colour, alpha=0.15, linewidth=0)
    ax.errorbar(
        xs, q50, yerr=err, marker=marker, ms=4, color=colour, capsize=2, label=text, **line_kwargs
    )
    return int(xs.size)


def empty_panel(ax: plt.Axes, text: str) -> None:
    """A panel with no data: the reason in its middle, no ticks."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize="small")
    ax.set_xticks([])
    ax.set_yticks([])


def score_panel(
    ax: plt.Axes, rows: pd.DataFrame, title: str, colours: dict[str, tuple] | None = None
) -> None:
    """One study's agent scores in ``[0, 1]``: IQM with 95 % interval from >= 3 replicates.

    ``rows`` has columns ``agent, n_seeds, iqm_score, ci_low, ci_high`` and
    optionally ``n_replicates`` (seeds x independent copies; default
    ``n_seeds``). With fewer than 3 replicates the point is drawn alone and
    labelled with its count.
    """
    rows = rows.sort_values("iqm_score")
    if "n_replicates" not in rows:
        rows = rows.assign(n_replicates=rows["n_seeds"])
    colours = colours or agent_colours(rows["agent"])
    y = np.arange(len(rows))
    for i, row in enumerate(rows.itertuples(index=False)):
        colour = colours[row.agent]
        if row.n_replicates >= MIN_SEEDS_FOR_INTERVAL and np.isfinite(row.ci_low):
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
        interval = "" if row.n_replicates >= MIN_SEEDS_FOR_INTERVAL else ", no interval"
        count = replicates_label(row.n_seeds, row.n_replicates)
        labels.append(f"{row.agent} {row.iqm_score:.2f} ({count}{interval})")
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
        fig.savefig(tmp, format="png", bbox_inches="tight")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    return path
