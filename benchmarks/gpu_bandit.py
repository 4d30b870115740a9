"""Batched bandit steps/s: numpy vs torch eager vs torch.compile, on the device found.

Workload (the issue's reference): K-armed bandit, Student-t(3) rewards, a
gradient-bandit learner with baseline, R runs per step. Every variant runs the
public API (``MultiArmedBanditVectorEnv`` + ``GradientBandit``: select, step,
update_batch, with the input checks):

- ``numpy``: ``backend="numpy"`` on one CPU core;
- ``torch_eager``: ``backend="torch", device=...``;
- ``torch_compile``: the same with ``compile=True``;
- ``torch_compile_unchecked``: the same compiled kernels called directly
  (eager generator draws, no input checks and so no host syncs): what the
  checks cost.

``device`` is ``cuda`` when available, else ``cpu``. Rates are steps (runs x
rounds) per second, each the fastest of the ~1 ms chunks in a window of
``--seconds`` (after a warm-up that compiles); ``--repeats`` windows in
alternation, ratios over numpy min/median/max. ``--small`` uses R = 2^12 (a CPU
smoke run). The default R = 2^20 is the issue's GPU goal size (2^20 x 10 =
1.05e7 entries, within the vector envs' ``MAX_ENTRIES`` of 2^27). Without a CUDA
device it runs on the CPU, says so on its first line and in the JSON
(``"gpu": false``): those figures are no GPU result. The last line is JSON.

Usage: ``python benchmarks/gpu_bandit.py [--runs 1000000] [--small] [--no-compile]``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

# run as a script, benchmarks/ is on sys.path
from timing import rate, summary

from rlsuite.agents.bandits.gradient_bandit import GradientBandit
from rlsuite.envs.multi_armed_bandit import MultiArmedBanditVectorEnv
from rlsuite.envs.noise import StudentT
from rlsuite.envs.torch_backend import draw_noise


def api_step(runs: int, arms: int, **backend):
    """One select/step/update round of the public API, as a closure."""
    env = MultiArmedBanditVectorEnv(
        num_envs=runs, n_arms=arms, noise=StudentT(df=3.0), problem_seed=0, **backend
    )
    agent = GradientBandit(arms, eta=0.1, baseline=True, seed=0, n_runs=runs, **backend)
    state = {"obs": env.reset(seed=0)[0]}

    def step() -> None:
        actions = agent.select_actions(state["obs"])
        obs, rewards, _, _, infos = env.step(actions)
        agent.update_batch(obs, actions, rewards, infos)
        state["obs"] = obs

    return step, env, agent


def unchecked_step(runs: int, arms: int, device: str):
    """The compiled kernels of the torch_compile variant, called without the checks."""
    _, env, agent = api_step(runs, arms, backend="torch", device=device, compile=True)

    def step() -> None:
        uniforms = torch.rand(runs, generator=agent.generator, device=env.device)
        actions = agent._choose(agent.logits, uniforms)
        draws = draw_noise(env.noise, (runs,), env.generator, env.dtype)
        _, rewards, _ = env._torch_core(env._torch_means, env._torch_best, actions, draws)
        agent._update_torch(actions, rewards)
        agent.t += 1

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2**20)
    parser.add_argument("--arms", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args()
    runs = 1 << 12 if args.small else args.runs
    device = "cuda" if torch.cuda.is_available() else "cpu"
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    if device == "cpu":
        print(
            "no CUDA device found: running on the CPU (torch "
            f"{torch.__version__}, {torch.get_num_threads()} threads); "
            "these are not GPU figures"
        )

    variants = {
        "numpy": api_step(runs, args.arms)[0],
        "torch_eager": api_step(runs, args.arms, backend="torch", device=device)[0],
    }
    if not args.no_compile:
        variants["torch_compile"] = api_step(
            runs, args.arms, backend="torch", device=device, compile=True
        )[0]
        variants["torch_compile_unchecked"] = unchecked_step(runs, args.arms, device)
    compile_s = {}
    for name, fn in variants.items():  # warm-up: compiles the compiled variants
        start = time.perf_counter()
        for _ in range(3):
            fn()
        sync()
        compile_s[name] = round(time.perf_counter() - start, 2)
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeats):
        for name, fn in variants.items():
            rates[name].append(rate(fn, runs, args.seconds, sync if name != "numpy" else bool))
    result = {
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "gpu": device == "cuda",
        "runs": runs,
        "arms": args.arms,
        "torch": torch.__version__,
        "warmup_s": compile_s,
        "steps_per_s": {k: summary(v) for k, v in rates.items()},
        "ratio_over_numpy": {
            k: summary(np.asarray(v) / np.asarray(rates["numpy"]))
            for k, v in rates.items()
            if k != "numpy"
        },
    }
    for name, value in result["steps_per_s"].items():
        ratio = result["ratio_over_numpy"].get(name)
        text = (
            ""
            if ratio is None
            else (f"; x numpy {ratio['min']:.3g}/{ratio['median']:.3g}/{ratio['max']:.3g}")
        )
        print(f"{name:24s} {value['median']:16,.0f} steps/s (median) on {result['device']}{text}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
