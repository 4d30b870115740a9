"""The local pool: workers forked from a fork server see the parent's environment as it is now."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

from rlsuite.experiments import runner
from rlsuite.experiments.base import Experiment, RunResult
from rlsuite.experiments.runner import collect

PROBE = "RLSUITE_POOL_TEST_PROBE"


def read_environment(params: dict, agent: str, seed: int) -> RunResult:
    """About 20 ms of waiting, then the probe variable and the process id as metrics."""
    time.sleep(0.02)
    return RunResult(metrics={"probe": float(os.environ.get(PROBE, "-1")), "pid": os.getpid()})


def _experiment(runs: int) -> Experiment:
    settings = [{"index": i} for i in range(runs)]
    sweep = SimpleNamespace(SWEEPS={"main": {"settings": settings, "agents": ("a",), "seeds": 1}})
    return Experiment("pool_environment", sweep, read_environment)


def test_workers_see_the_environment_the_parent_has_when_the_pool_starts(monkeypatch):
    monkeypatch.setattr(runner, "POOL_MIN_WORK_S", 0.0)  # always start a pool
    monkeypatch.setattr(runner, "_PROBE_RUNS", 1)
    monkeypatch.delenv(PROBE, raising=False)
    # A first pool starts the fork server while the variable is unset ...
    first, _ = collect(_experiment(4), workers=2)
    assert set(first["probe"]) == {-1.0}
    # ... and a later one, after it is set, must not run with the server's old environment.
    monkeypatch.setenv(PROBE, "7")
    runs, _ = collect(_experiment(120), workers=2)
    assert set(runs["probe"]) == {7.0}
    assert (runs["pid"] != os.getpid()).any(), "no run reached a pool worker"
