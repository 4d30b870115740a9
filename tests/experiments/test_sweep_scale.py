"""benchmarks/sweep_scale.py ends with a JSON line: pool/sequential ratios, start-up share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "sweep_scale.py"


def test_sweep_scale_prints_ratios_and_startup_share_as_json_last_line():
    command = [sys.executable, str(SCRIPT), "--runs", "20", "--slow-runs", "4"]
    command += ["--slow-ms", "5", "--repeats", "2", "--workers", "2", "--compare-spawn"]
    command += ["--quick-suite", "heavy_tail_mab", "--quick-sweep", "smoke"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for kind, runs in (("tiny", 20), ("slow", 10)):
        part = result[kind]
        assert part["runs"] == runs
        assert 0 < part["speedup_min"] <= part["speedup_median"] <= part["speedup_max"]
        assert len(part["sequential_wall_s"]) == len(part["pool_wall_s"]) == 2
        spawn = part["spawn"]
        assert 0 < spawn["speedup_min"] <= spawn["speedup_median"] <= spawn["speedup_max"]
        assert spawn["sequential_wall_s"] == part["sequential_wall_s"]
    quick = result["quick"]
    assert quick["runs"] == 2 and quick["suite"] == "heavy_tail_mab [smoke]"
    for key in ("plan_s", "pool_start_s", "worker_imports_s"):
        assert 0 < quick[key]["min"] <= quick[key]["median"] <= quick[key]["max"]
    assert 0 < quick["startup_share"] <= quick["startup_share_with_worker_imports"]
