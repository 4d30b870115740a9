"""The shared plotting helpers: each rule of experiments/plotting.py is checked on a real figure."""

from __future__ import annotations

import stat

import matplotlib.collections
import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments import plotting


def _long(n_seeds: int, xs: list[float]) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [
        {"seed": s, "x": x, "y": x + rng.normal(), "step": x} for s in range(n_seeds) for x in xs
    ]
    return pd.DataFrame(rows)


def test_number_and_param_label_print_integers_without_a_decimal_point():
    assert plotting.number(1000.0) == "1000"
    assert plotting.param_label("n", np.float64(1000.0)) == "n=1000"
    assert plotting.param_label("beta", 0.1) == "beta=0.1"
    assert plotting.number(float("nan")) == "nan"


def test_seeds_label_counts_seeds_and_copies():
    assert plotting.seeds_label(1) == "1 seed"
    assert plotting.seeds_label(5) == "5 seeds"
    assert plotting.seeds_label(8, unit="copy") == "8 copies"


def test_agent_colours_are_distinct_and_independent_of_the_subset():
    agents = [f"a{i}" for i in range(12)]
    full = plotting.agent_colours(agents)
    assert len(set(full.values())) == 12
    # With a study the colour comes from the study's sweeps, so a subset keeps it.
    a = plotting.agent_colours(["dpo/reference", "ipo/reference"], "preference_design")
    b = plotting.agent_colours(["ipo/reference"], "preference_design")
    assert a["ipo/reference"] == b["ipo/reference"]
    assert a["ipo/reference"] != a["dpo/reference"]


def test_log_axis_clips_values_below_the_floor_and_marks_them():
    fig, axes = plotting.figure()
    ax = axes[0, 0]
    ax.set_ylabel("gap")
    drawn = plotting.log_axis(ax, [1.0, 1e-3, 0.0, -1.0, np.nan], floor=1e-4)
    assert ax.get_yscale() == "log"
    np.testing.assert_array_equal(drawn[:4], [1.0, 1e-3, 1e-4, 1e-4])
    assert np.isnan(drawn[4])
    assert "2 values <= 0.0001 drawn at it" in ax.get_ylabel()
    with pytest.raises(ValueError, match="floor"):
        plotting.log_axis(ax, [1.0], floor=0.0)
    with pytest.raises(ValueError, match="axis"):
        plotting.log_axis(ax, [1.0], axis="z")


def test_log_scale_if_spans_keeps_a_linear_axis_for_narrow_ranges():
    fig, axes = plotting.figure()
    ax = axes[0, 0]
    out = plotting.log_scale_if_spans(ax, [1.0, 2.0, 5.0])
    assert ax.get_yscale() == "linear"
    np.testing.assert_array_equal(out, [1.0, 2.0, 5.0])
    plotting.log_scale_if_spans(ax, [1.0, 1e3, 1e-9])
    assert ax.get_yscale() == "log"


def test_clip_log_floor_stops_a_float_floor_value_dragging_the_mean():
    logs = np.array([-2.0, -3.0, -200.0, -np.inf, np.nan])
    clipped, n = plotting.clip_log_floor(logs, floor=-16.0)
    assert n == 2
    np.testing.assert_array_equal(clipped[:4], [-2.0, -3.0, -16.0, -16.0])
    assert np.isnan(clipped[4])
    assert np.nanmean(clipped) > -10 > np.nanmean(np.where(np.isinf(logs), -300, logs))


def test_band_draws_an_iqr_from_three_rows_and_says_so():
    fig, axes = plotting.figure()
    ax = axes[0, 0]
    x = np.arange(5)
    n = plotting.band(ax, x, np.vstack([x, x + 1, x + 2]), "agent", "C0", unit="copy")
    assert n == 3
    assert ax.get_lines()[-1].get_label() == "agent (median, IQR; 3 copies)"
    np.testing.assert_allclose(ax.get_lines()[-1].get_ydata(), x + 1)
    assert any(isinstance(c, matplotlib.collections.PolyCollection) for c in ax.collections)
    fig2, axes2 = plotting.figure()
    plotting.band(axes2[0, 0], x, np.vstack([x, x + 1]), "agent", "C0")
    assert axes2[0, 0].get_lines()[-1].get_label() == "agent (2 seeds, no band)"
    assert not axes2[0, 0].collections
    with pytest.raises(ValueError, match="columns"):
        plotting.band(ax, x, np.ones((3, 4)), "bad", "C0")


def test_quantile_band_pivots_a_long_table():
    fig, axes = plotting.figure()
    n = plotting.quantile_band(axes[0, 0], _long(4, [1, 2, 3]), "a", "C1", y="y")
    assert n == 4
    assert "4 seeds" in axes[0, 0].get_lines()[-1].get_label()


def test_sweep_line_with_one_value_is_a_point_with_an_error_bar_on_a_padded_axis():
    fig, axes = plotting.figure()
    ax = axes[0, 0]
    assert plotting.sweep_line(ax, _long(5, [1000.0]), "x", "y", "agent", "C0") == 1
    low, high = ax.get_xlim()
    assert low < 1000.0 < high and high - low >= 1.0
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1000"]
    (container,) = ax.containers
    assert container.has_yerr
    assert "5 seeds" in container.get_label()


def test_sweep_line_with_few_seeds_has_no_interval():
    fig, axes = plotting.figure()
    ax = axes[0, 0]
    assert plotting.sweep_line(ax, _long(2, [1, 2, 4]), "x", "y", "agent", "C0") == 3
    (container,) = ax.containers
    assert not container.has_yerr
    assert container.get_label() == "agent (2 seeds, no interval)"


def test_number_ticks_format_integers(tmp_path):
    fig, axes = plotting.figure()
    ax = axes[0, 0]
    ax.plot([0.0, 1000.0], [0, 1])
    plotting.number_ticks(ax, "x", integer=True)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and not any(".0" in s for s in labels)


def _inside(inner, outer, tol: float = 1.0) -> bool:
    return (
        inner.x0 >= outer.x0 - tol
        and inner.y0 >= outer.y0 - tol
        and inner.x1 <= outer.x1 + tol
        and inner.y1 <= outer.y1 + tol
    )


def test_titles_labels_and_legend_are_inside_the_figure_and_the_legend_off_the_data(tmp_path):
    fig, axes = plotting.figure(1, 2, title="a long figure title that must not be clipped " * 4)
    for ax in axes[0]:
        for i in range(12):  # a legend as tall as the panels
            ax.plot([0, 1], [0, i], label=f"curve {i} with a long legend label")
        ax.set_ylabel("a y label\nover two lines")
        ax.set_title("panel")
    plotting.legend_outside(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    assert _inside(fig._suptitle.get_window_extent(renderer), box)
    for ax in axes[0]:
        assert _inside(ax.yaxis.label.get_window_extent(renderer), box)
        assert _inside(ax.title.get_window_extent(renderer), box)
    legend = axes[0, -1].get_legend()
    legend_box = legend.get_window_extent(renderer)
    assert _inside(legend_box, box)
    assert not legend_box.overlaps(fig._suptitle.get_window_extent(renderer))
    for ax in axes[0]:
        assert not legend_box.overlaps(ax.get_window_extent(renderer))
    with pytest.raises(ValueError, match="loc"):
        plotting.legend_outside(fig, loc="over")
    path = plotting.save(fig, tmp_path / "f.png")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_identity_line_spans_both_axes():
    fig, axes = plotting.figure()
    ax = axes[0, 0]
    ax.scatter([0.1, 0.5], [0.3, 2.0])
    plotting.identity_line(ax)
    line = ax.get_lines()[-1]
    assert line.get_label() == "y = x"
    np.testing.assert_allclose(line.get_xdata(), line.get_ydata())
    assert ax.get_xlim() == ax.get_ylim()


def test_mark_truncated_notes_an_axis_that_does_not_start_at_zero():
    fig, axes = plotting.figure()
    ax = axes[0, 0]
    ax.plot([0, 1], [0.86, 0.9])
    ax.set_ylim(0.86, 0.9)
    plotting.mark_truncated(ax)
    assert any("starts at 0.86, not 0" in t.get_text() for t in ax.texts)
    fig2, axes2 = plotting.figure()
    axes2[0, 0].set_ylim(0, 1)
    plotting.mark_truncated(axes2[0, 0])
    assert not axes2[0, 0].texts


def test_empty_panel_says_why():
    fig, axes = plotting.figure()
    plotting.empty_panel(axes[0, 0], "no censored runs")
    assert axes[0, 0].texts[0].get_text() == "no censored runs"
