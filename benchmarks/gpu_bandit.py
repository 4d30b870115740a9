"""Batched bandit steps/s: numpy vs torch eager vs torch.compile, on the device found.

Workload: K-armed bandit, Student-t(3) rewards, gradient-bandit update (the
issue's reference workload), R runs per step. numpy runs the same arithmetic
on one CPU core; torch runs :func:`rlsuite.envs.torch_bandit.gradient_bandit_step`
eagerly and under ``torch.compile`` on ``cuda`` when available, else CPU.
Each rate is one window of ``--seconds``; ``--repeats`` windows, ratios
min/median/max. ``--small`` uses R = 2^12 (CPU smoke run).

Usage: ``python benchmarks/gpu_bandit.py [--runs 1048576] [--small] [--no-compile]``.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from rlsuite.envs.noise import StudentT
from rlsuite.envs.torch_bandit import TorchBanditBatch, compiled, gradient_bandit_step


def rate(step, runs: int, seconds: float, sync) -> float:
    step()
    sync()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(10):
            step()
        sync()
        calls += 10
    return calls * runs / (time.perf_counter() - start)


def summary(values) -> dict[str, float]:
    v = np.asarray(values, dtype=np.float64)
    return {
        k: float(f"{f(v):.4g}")
        for k, f in (("min", np.min), ("median", np.median), ("max", np.max))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1 << 20)
    parser.add_argument("--arms", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args()
    runs = 1 << 12 if args.small else args.runs
    device = "cuda" if torch.cuda.is_available() else "cpu"
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    noise = StudentT(df=3.0)
    means = np.linspace(0.0, 1.0, args.arms)

    rng = np.random.default_rng(0)
    logits_np = np.zeros((runs, args.arms))
    rows = np.arange(runs)

    def numpy_step() -> None:
        w = np.exp(logits_np - logits_np.max(axis=1, keepdims=True))
        cdf = np.cumsum(w, axis=1)
        u = rng.random((runs, 1)) * cdf[:, -1:]
        actions = np.minimum((u >= cdf).sum(axis=1), args.arms - 1)
        rewards = means[actions] + noise.sample(rng, runs)
        gradient = w / -cdf[:, -1:]
        gradient[rows, actions] += 1.0
        np.add(logits_np, 0.1 * rewards[:, None] * gradient, out=logits_np)

    batch = TorchBanditBatch(means, runs, noise, device=device, seed=0)
    logits = torch.zeros(runs, args.arms, device=device)

    def eager() -> None:
        gradient_bandit_step(batch, logits, 0.1)

    variants = {"numpy": numpy_step, "torch_eager": eager}
    if not args.no_compile:
        step_c = compiled(gradient_bandit_step)
        variants["torch_compile"] = lambda: step_c(batch, logits, 0.1)
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeats):
        for name, fn in variants.items():
            rates[name].append(
                rate(fn, runs, args.seconds, sync if name != "numpy" else (lambda: None))
            )
    result = {
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "runs": runs,
        "steps_per_s": {k: summary(v) for k, v in rates.items()},
        "ratio_over_numpy": {
            k: summary(np.asarray(v) / np.asarray(rates["numpy"]))
            for k, v in rates.items()
            if k != "numpy"
        },
    }
    for name, value in result["steps_per_s"].items():
        print(f"{name:14s} {value['median']:14,.0f} steps/s (median) on {result['device']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
