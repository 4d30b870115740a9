"""Learning from a log: rlsuite's ``partial_fit`` against MABWiser's ``fit``.

The same log is folded by both libraries in one process, each from a fresh
agent per repeat: 10^6 rounds for UCB1, EpsilonGreedy and ThompsonSampling
(Bernoulli rewards, 10 arms), 10^5 rounds for LinUCB (``d = 10``, 10 arms;
ours keeps one shared ``theta`` over per-arm features ``(n, K, d)``,
MABWiser's one ridge model per arm on a shared context ``(n, d)``: the same
data volume and the same ``O(n d^2)`` Gram work). Also timed: our
round-by-round ``update`` loop on a tenth of the log, scaled, for the
speed-up ``partial_fit`` brings. The ratio is MABWiser time / ours (>= 1: we
are at least as fast), min/median/max over repeats. Without MABWiser
(``pip install mabwiser==2.7.4``) only our times are printed.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/partial_fit_vs_mabwiser.py [--repeats 5]``.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

# run as a script, benchmarks/ is on sys.path
from timing import summary

from rlsuite.agents import make_agent

ARMS, DIM = 10, 10


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def update_loop(agent, obs, actions, rewards) -> None:
    """The round-by-round path ``partial_fit`` replaces."""
    for i in range(len(actions)):
        agent.update(obs[i], int(actions[i]), float(rewards[i]))


def mabwiser_policy(name: str):
    from mabwiser.mab import LearningPolicy

    return {
        "UCB1": LearningPolicy.UCB1(alpha=1.0),
        "EpsilonGreedy": LearningPolicy.EpsilonGreedy(epsilon=0.1),
        "ThompsonSampling": LearningPolicy.ThompsonSampling(),
        "LinUCB": LearningPolicy.LinUCB(alpha=1.0, l2_lambda=1.0),
    }[name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1_000_000)
    parser.add_argument("--linear-rounds", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    try:
        from mabwiser.mab import MAB
    except ImportError:
        MAB = None
        print("mabwiser not importable: timing rlsuite only")
    rng = np.random.default_rng(0)
    actions = rng.integers(ARMS, size=args.rounds)
    rewards = (rng.random(args.rounds) < 0.1 + 0.05 * actions).astype(np.float64)
    lin_actions = rng.integers(ARMS, size=args.linear_rounds)
    arm_features = rng.normal(size=(args.linear_rounds, ARMS, DIM)) / np.sqrt(DIM)
    lin_rewards = arm_features[np.arange(args.linear_rounds), lin_actions].sum(axis=1)
    lin_rewards += rng.normal(size=args.linear_rounds)
    shared_context = arm_features[:, 0]
    cases = {
        "UCB1": ({"n_arms": ARMS}, actions, rewards, None, None),
        "EpsilonGreedy": ({"n_arms": ARMS}, actions, rewards, None, None),
        "ThompsonSampling": (
            {"n_arms": ARMS, "posterior": "bernoulli"},
            actions,
            rewards,
            None,
            None,
        ),
        "LinUCB": ({"n_arms": ARMS, "dim": DIM}, lin_actions, lin_rewards, arm_features, True),
    }
    result: dict[str, dict] = {}
    for name, (kwargs, acts, rews, ctx, linear) in cases.items():
        ours, theirs, loop = [], [], []
        tenth = len(acts) // 10
        for repeat in range(args.repeats):
            agent = make_agent(name, seed=repeat, **kwargs)
            ours.append(timed(agent.partial_fit, acts, rews, ctx))
            if repeat == 0:
                slow = make_agent(name, seed=repeat, **kwargs)
                obs = np.zeros((tenth, 1)) if ctx is None else ctx[:tenth]
                loop.append(10 * timed(update_loop, slow, obs, acts[:tenth], rews[:tenth]))
            if MAB is not None:
                mab = MAB(list(range(ARMS)), mabwiser_policy(name), seed=repeat)
                if linear:
                    theirs.append(timed(mab.fit, acts, rews, shared_context))
                else:
                    theirs.append(timed(mab.fit, acts, rews))
        entry = {
            "rounds": len(acts),
            "ours_s": summary(ours),
            "update_loop_s_scaled": summary(loop),
        }
        if theirs:
            entry["mabwiser_s"] = summary(theirs)
            entry["ratio_mabwiser_over_ours"] = summary(np.asarray(theirs) / np.asarray(ours))
            r = entry["ratio_mabwiser_over_ours"]
            print(
                f"{name:17s} MABWiser fit / our partial_fit (min/median/max): "
                f"{r['min']:.1f} / {r['median']:.1f} / {r['max']:.1f}"
            )
        else:
            print(f"{name:17s} partial_fit: {entry['ours_s']['median']:.4f} s (median)")
        result[name] = entry
    print(json.dumps(result))


if __name__ == "__main__":
    main()
