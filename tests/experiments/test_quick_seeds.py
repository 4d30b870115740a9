"""The quick sweeps of h12's studies give the report real intervals (>= 3 seeds per cell)."""

from __future__ import annotations

from collections import Counter

import pytest

from rlsuite.experiments.base import load_experiment
from rlsuite.experiments.plotting import MIN_SEEDS_FOR_INTERVAL
from rlsuite.experiments.runner import plan_runs


@pytest.mark.parametrize("name", ["preference_design", "process_rewards", "rm_distillation"])
def test_quick_sweep_has_three_seeds_per_setting_and_agent(name):
    specs = plan_runs([load_experiment(name)], sweep="quick")
    seeds = Counter((spec.key[1], spec.key[2]) for spec in specs)
    assert seeds and min(seeds.values()) >= MIN_SEEDS_FOR_INTERVAL
