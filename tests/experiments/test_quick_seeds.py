"""The quick sweeps give the report real intervals: >= 3 seeds per cell, or >= 3 copies per run."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments.base import COPY_PREFIX, N_COPIES, check_copies, load_experiment
from rlsuite.experiments.plotting import MIN_SEEDS_FOR_INTERVAL
from rlsuite.experiments.report import seed_scores
from rlsuite.experiments.runner import plan_runs


@pytest.mark.parametrize("name", ["preference_design", "process_rewards", "rm_distillation"])
def test_quick_sweep_has_three_seeds_per_setting_and_agent(name):
    specs = plan_runs([load_experiment(name)], sweep="quick")
    seeds = Counter((spec.key[1], spec.key[2]) for spec in specs)
    assert seeds and min(seeds.values()) >= MIN_SEEDS_FOR_INTERVAL


#: Vector-env studies whose quick sweep is one seed of independent copies, and the
#: metrics their score reads (the ones that must come per copy).
COPY_STUDIES = {
    "heavy_tail_catoni": ("regret", "random_regret"),
    "sgb_any_stepsize": ("eta1/converged_final", "eta1000/converged_final"),
}


@pytest.mark.parametrize("name", sorted(COPY_STUDIES))
def test_quick_run_records_independent_copies_for_its_score(name):
    experiment = load_experiment(name)
    spec = plan_runs([experiment], sweep="quick")[0]
    setting, agent, seed, params = spec.setting, spec.agent, spec.seed, spec.params
    result = experiment.run(params, agent, seed)
    check_copies(spec.key, result)
    k = int(result.metrics[N_COPIES])
    assert k >= MIN_SEEDS_FOR_INTERVAL and k == int(params["copies"])
    per_copy = {
        n[len(COPY_PREFIX) :]: v for n, v in result.curves.items() if n.startswith(COPY_PREFIX)
    }
    assert set(COPY_STUDIES[name]) <= set(per_copy)
    for metric, values in per_copy.items():
        assert np.asarray(values).shape == (k,)
        np.testing.assert_array_equal(result.curve_steps[COPY_PREFIX + metric], np.arange(k))
    for metric in COPY_STUDIES[name]:
        # The run's value of a score metric is the mean of its copies' values.
        assert np.mean(per_copy[metric]) == pytest.approx(result.metrics[metric], rel=1e-12)
    # The report scores each copy: k replicates from this one seed.
    runs = pd.DataFrame(
        [{"setting": setting, "agent": agent, "seed": seed, **params, **result.metrics}]
    )
    curves = pd.DataFrame(
        [
            {"setting": setting, "agent": agent, "seed": seed, "curve": n, "step": s, "value": v}
            for n, values in result.curves.items()
            if n.startswith(COPY_PREFIX)
            for s, v in zip(result.curve_steps[n], values)
        ]
    )
    scores = seed_scores(runs, experiment.analysis.score, curves=curves)
    assert len(scores) == k and scores["score"].between(0, 1).all()
