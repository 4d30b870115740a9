"""benchmarks/gpu_bandit.py builds and runs without a GPU, and says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_bandit.py"


def test_the_gpu_benchmark_runs_on_the_cpu_and_labels_its_figures():
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    args = ["--small", "--no-compile", "--repeats", "2", "--seconds", "0.05"]
    out = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=300,
    ).stdout.splitlines()
    assert out[0].startswith("no CUDA device found: running on the CPU")
    result = json.loads(out[-1])
    assert result["gpu"] is False and result["device"] == "cpu"
    assert result["runs"] == 2**12 and set(result["steps_per_s"]) == {"numpy", "torch_eager"}
    ratio = result["ratio_over_numpy"]["torch_eager"]
    assert 0 < ratio["min"] <= ratio["median"] <= ratio["max"]
