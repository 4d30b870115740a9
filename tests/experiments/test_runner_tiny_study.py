"""A tiny out-of-tree study written into a temporary folder for the runner tests.

Not a test module itself: the other ``test_runner*``/``test_cli*``/``test_report*``
files load :func:`write_tiny_study` from here by path (tests have no package).
"""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path
from types import ModuleType

SWEEP = """
SETTINGS = tuple(
    {{"index": i, "gap": 0.1 + 0.1 * (i % 5), "n": {n}, "sleep": {sleep}}}
    for i in range({settings})
)
SWEEPS = {{
    "main": {{"settings": SETTINGS, "agents": {agents!r}, "seeds": {seeds}}},
    "quick": {{"settings": SETTINGS[:1], "agents": {agents!r}, "seeds": 2}},
}}
"""

RUN = """
import time

import numpy as np

from rlsuite.experiments.base import RunResult


def run(params, agent, seed):
    if params["sleep"]:
        time.sleep(params["sleep"])
    if agent == "broken":
        raise RuntimeError("this agent always fails")
    rng = np.random.default_rng([seed, params["index"]])
    p_best = 0.9 if agent == "greedy" else 0.5
    regret = (rng.random(params["n"]) > p_best) * params["gap"]
    cumulative = np.cumsum(regret)
    metrics = {"regret": float(cumulative[-1]), "draw": float(rng.random())}
    if agent == "greedy":
        metrics["greedy_only"] = 1.0
    return RunResult(metrics=metrics, curves={"cumulative_regret": cumulative})
"""

ANALYSIS = """
from pathlib import Path

SCORE = "1 - regret / (n * gap), clipped to [0, 1]; 1 = no regret, 0 = a wrong arm every round."

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def score(df):
    scores = (1.0 - df["regret"] / (df["n"] * df["gap"])).clip(0.0, 1.0)
    return df.assign(score=scores).groupby("agent", as_index=False)["score"].mean()


def plot(df, curves, out_dir):
    fig, ax = plt.subplots()
    df.groupby("agent")["regret"].mean().plot.bar(ax=ax)
    path = Path(out_dir) / "tiny_regret.png"
    fig.savefig(path)
    plt.close(fig)
    return [path]
"""


def run_counts(db: Path, table: str) -> tuple[int, int, int]:
    """``(rows of runs, distinct run keys, rows of table)`` in the SQLite store ``db``."""
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        keys = conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT experiment, setting, agent, seed FROM runs)"
        ).fetchone()[0]
        rows = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    return runs, keys, rows


def write_tiny_study(
    root: Path,
    name: str,
    *,
    settings: int = 2,
    seeds: int = 3,
    agents: tuple[str, ...] = ("greedy", "uniform"),
    n: int = 30,
    sleep: float = 0.0,
) -> str:
    """Write package ``root/name`` (sweep/run/analysis) and return its import name."""
    package = root / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    sweep = SWEEP.format(n=n, sleep=sleep, settings=settings, agents=agents, seeds=seeds)
    (package / "sweep.py").write_text(sweep)
    (package / "run.py").write_text(RUN)
    (package / "analysis.py").write_text(ANALYSIS)
    return name


def load_helper() -> ModuleType:
    """This module, for test files that load it by path."""
    spec = importlib.util.spec_from_file_location("tiny_study_helper", __file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
