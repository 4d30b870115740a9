"""Per-round cost of the robust linear agents relative to OFUL, in one run.

Each repeat plays OFUL, CatoniOFUL, VACatoni and HeavyOFUL for ``--rounds``
rounds on ``--copies`` copies of ``LinearContextualBanditVectorEnv`` (spike
noise of range 100, the heavy_tail_catoni regime) and times only the
agent's ``select_actions`` + ``update_batch`` in process CPU time
(``time.process_time``, about 1 us per call: on a shared machine CPU time
depends far less on the other jobs than wall time); the env's own cost is
left out. Before the first repeat every agent plays a few untimed rounds:
the compiled kernels of the robust agents (numba) are loaded from their
cache, or compiled, on first use, a one-time cost that is not per-round.
Reported per robust agent: ``time / time(OFUL)`` over the repeats (min,
median, max), and the ratio of its second half's time to its first half's
(about 1 for a cost linear in ``T``; above 1 when per-round cost grows with
``t``).

Usage: ``python benchmarks/robust_linear_cost.py [--rounds 4000] [--copies 10] [--repeats 3]
[--rlsuite-from DIR]``. ``--rlsuite-from`` times an older version of the
code: ``DIR/rlsuite`` is a checkout of it with the root package's ``__init__.py``
beside the mapped folders (``mkdir -p DIR/rlsuite && git archive COMMIT | tar -x -C
DIR/rlsuite && cp DIR/rlsuite/rlsuite/__init__.py DIR/rlsuite/``), imported instead of
the installed package.
The last line is JSON: ``{agent: {"ratio": {"min", "median", "max"}, "second_half_over_first"}}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

AGENTS = ("OFUL", "CatoniOFUL", "VACatoni", "HeavyOFUL")


def _time_agent(name: str, rounds: int, copies: int, seed: int) -> tuple[float, float]:
    """Seconds spent in the agent over the first and the second half of the rounds."""
    from rlsuite.agents import make_agent
    from rlsuite.envs.linear_contextual_bandit import LinearContextualBanditVectorEnv
    from rlsuite.envs.noise import Spike

    env = LinearContextualBanditVectorEnv(num_envs=copies, noise=Spike.with_range(100.0, 0.6))
    agent = make_agent(name, n_arms=env.n_arms, dim=env.dim, seed=seed, n_runs=copies)
    obs, _ = env.reset(seed=seed)
    halves = [0.0, 0.0]
    for t in range(rounds):
        start = time.process_time()
        actions = agent.select_actions(obs)
        elapsed = time.process_time() - start
        next_obs, rewards, _, _, info = env.step(actions)
        start = time.process_time()
        agent.update_batch(obs, actions, rewards, info)
        halves[2 * t >= rounds] += elapsed + time.process_time() - start
        obs = next_obs
    return halves[0], halves[1]


def main() -> None:
    """Parse arguments, time every agent ``--repeats`` times, print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4000)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rlsuite-from", default=None, help="DIR holding an rlsuite checkout")
    args = parser.parse_args()
    if args.rlsuite_from is not None:
        # Drop the editable install's finder so that DIR/rlsuite is the package imported.
        sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
        sys.path.insert(0, args.rlsuite_from)
    import rlsuite.agents

    print(f"rlsuite.agents from {list(rlsuite.agents.__path__)[0]}")
    ratios: dict[str, list[float]] = {name: [] for name in AGENTS[1:]}
    growth: dict[str, list[float]] = {name: [] for name in AGENTS}
    for name in AGENTS:
        _time_agent(name, 20, args.copies, 0)  # warm-up: load or compile the kernels
    for repeat in range(args.repeats):
        times = {name: _time_agent(name, args.rounds, args.copies, repeat) for name in AGENTS}
        base = sum(times["OFUL"])
        for name, (first, second) in times.items():
            growth[name].append(second / first)
            if name != "OFUL":
                ratios[name].append(sum(times[name]) / base)
        per_round = 1e6 * base / args.rounds
        print(f"repeat {repeat}: OFUL {per_round:.0f} us/round ({args.copies} copies)", end="")
        print("".join(f", {n} x{ratios[n][-1]:.2f}" for n in ratios))
    result = {
        name: {
            "ratio": {
                "min": round(min(values), 2),
                "median": round(float(np.median(values)), 2),
                "max": round(max(values), 2),
            },
            "second_half_over_first": round(float(np.median(growth[name])), 2),
        }
        for name, values in ratios.items()
    }
    result["OFUL"] = {"second_half_over_first": round(float(np.median(growth["OFUL"])), 2)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
