import numpy as np
import pytest

from rlsuite.experiments.stats import bootstrap_iqm, iqm


def test_iqm_trims_a_quarter_at_each_end():
    # 8 values: the middle four are 3, 4, 5, 6, whatever the outliers are.
    assert iqm(np.array([-1e9, 2, 3, 4, 5, 6, 7, 1e9])) == pytest.approx(4.5)
    assert iqm(np.arange(1, 9)) == pytest.approx(4.5)


def test_iqm_matches_rliable():
    metrics = pytest.importorskip("rliable.metrics")
    scores = np.random.default_rng(0).normal(size=(10, 3))
    assert iqm(scores) == pytest.approx(metrics.aggregate_iqm(scores))


def test_interval_brackets_point_and_shrinks_with_more_runs():
    rng = np.random.default_rng(1)
    small = bootstrap_iqm(rng.normal(size=8))
    large = bootstrap_iqm(rng.normal(size=200))
    for est in (small, large):
        assert est.low <= est.iqm <= est.high
    assert large.high - large.low < small.high - small.low
    assert bootstrap_iqm(np.ones(5)) == bootstrap_iqm(np.ones(5))  # deterministic
    single = bootstrap_iqm(np.array([0.3]))
    assert single.low == single.iqm == single.high == 0.3


def test_coverage_of_a_known_iqm():
    # The IQM of N(0, 1) is 0 by symmetry. A 90% interval from 30 runs should
    # cover it in about 90% of 200 trials; percentile bootstraps undercover a
    # little at n=30, and the binomial s.e. is ~2%, so [0.78, 0.98] is loose
    # enough not to flake yet fails for a broken (too narrow or wrong) interval.
    rng = np.random.default_rng(2)
    hits = 0
    for trial in range(200):
        est = bootstrap_iqm(rng.normal(size=30), reps=500, confidence=0.9, seed=trial)
        hits += est.low <= 0.0 <= est.high
    assert 0.78 <= hits / 200 <= 0.98


def test_stratified_resampling_keeps_tasks_apart():
    # Two tasks with constant but different scores: resampling within each
    # task never changes the IQM, so the interval has zero width.
    scores = np.column_stack([np.zeros(6), np.ones(6)])
    est = bootstrap_iqm(scores)
    assert est.low == est.iqm == est.high == 0.5


@pytest.mark.parametrize(
    ("scores", "kwargs", "match"),
    [
        (np.array([]), {}, "shape"),
        (np.array([1.0, np.nan]), {}, "NaN"),
        (np.ones(4), {"reps": 10}, "reps"),
        (np.ones(4), {"confidence": 1.0}, "confidence"),
    ],
)
def test_bad_input_raises(scores, kwargs, match):
    with pytest.raises(ValueError, match=match):
        bootstrap_iqm(scores, **kwargs)


def test_paired_claim_judges_every_setting_and_skips_a_claim_without_data():
    from rlsuite.experiments.stats import paired_claim

    above, around = np.array([1.0, 1.1, 0.9, np.nan]), np.array([-1.0, 1.0, 0.1])
    row = paired_claim("c", [("a", above), ("b", around)], show_count=True)
    assert row is not None and row["claim"] == "c" and row["reproduced"] == "partly"
    assert row["evidence"].startswith("a: +1.000 [") and "(n=3)" in row["evidence"]
    assert (paired_claim("c", [("a", above)]) or {}).get("reproduced") == "yes"
    assert paired_claim("c", [("a", above), ("b", np.array([np.nan]))]) is None
