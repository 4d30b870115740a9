"""Off-policy evaluation: rlsuite's IPS / SNIPS / DM / DR against Open Bandit Pipeline's.

One synthetic log (flat contexts ``(n, d)``, ``K`` actions, a softmax logger)
and one target policy. Per repeat, in one process:

* ours: :func:`ope.ips`, :func:`ope.snips`, :func:`ope.direct_method` (its
  cross-fitted ridge model and bootstrap interval included),
  :func:`ope.doubly_robust` and :func:`ope.estimate_all`, each from scratch;
* OBP 0.5.7 (when importable): ``RegressionModel(Ridge, fitting_method="normal")``
  ``.fit_predict(n_folds=2)``, whose time is added to each of its DM and DR
  estimates, plus its IPS / SNIPS.

Ratios are ours / OBP time (< 1: we are faster), min/median/max over repeats.
OBP's DM and DR are also evaluated with *our* reward model to check the
estimates agree given the same model. OBP is never a dependency: without it
the OBP part is skipped and only our times are printed.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/ope_vs_obp.py [--rounds 1000000] [--repeats 3]``.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import numpy as np

from rlsuite.offline_data import ope
from rlsuite.offline_data.bandit_log import BanditFeedback


def make_log(n: int, n_actions: int, dim: int, seed: int) -> tuple[BanditFeedback, np.ndarray]:
    """A log with linear per-action rewards, a softmax logger and a near-greedy target."""
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(n, dim))
    theta = rng.normal(size=(n_actions, dim)) / np.sqrt(dim)
    means = context @ theta.T
    logits = 0.5 * means
    logging = np.exp(logits - logits.max(axis=1, keepdims=True))
    logging /= logging.sum(axis=1, keepdims=True)
    cdf = logging.cumsum(axis=1)
    action = np.minimum((rng.random((n, 1)) > cdf).sum(axis=1), n_actions - 1)
    rows = np.arange(n)
    reward = means[rows, action] + rng.normal(size=n)
    target = np.full((n, n_actions), 0.1 / n_actions)
    target[rows, means.argmax(axis=1)] += 0.9
    fb = BanditFeedback(context, action, reward, logging[rows, action], logging, means)
    return fb, target


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def ours(fb: BanditFeedback, target: np.ndarray) -> dict[str, float]:
    times = {}
    times["IPS"], _ = timed(lambda: ope.ips(fb, target))
    times["SNIPS"], _ = timed(lambda: ope.snips(fb, target))
    times["DM"], _ = timed(lambda: ope.direct_method(fb, target))
    times["DM_no_interval"], _ = timed(lambda: ope.direct_method(fb, target, n_bootstrap=0))
    times["DR"], _ = timed(lambda: ope.doubly_robust(fb, target))
    times["estimate_all"], _ = timed(lambda: ope.estimate_all(fb, target))
    return times


def obp_times(fb: BanditFeedback, target: np.ndarray) -> tuple[dict[str, float], dict]:
    from obp.ope import (
        DirectMethod,
        DoublyRobust,
        InverseProbabilityWeighting,
        RegressionModel,
        SelfNormalizedInverseProbabilityWeighting,
    )
    from sklearn.linear_model import Ridge

    dist = target[:, :, None]
    kwargs = {"reward": fb.reward, "action": fb.action, "pscore": fb.pscore, "action_dist": dist}
    times = {}
    times["IPS"], _ = timed(lambda: InverseProbabilityWeighting().estimate_policy_value(**kwargs))
    snips = SelfNormalizedInverseProbabilityWeighting()
    times["SNIPS"], _ = timed(lambda: snips.estimate_policy_value(**kwargs))
    model = RegressionModel(
        n_actions=fb.n_actions, base_model=Ridge(alpha=1.0), fitting_method="normal"
    )
    fit, q = timed(
        lambda: model.fit_predict(fb.context, fb.action, fb.reward, n_folds=2, random_state=0)
    )
    dm, _ = timed(lambda: DirectMethod().estimate_policy_value(dist, q))
    dr, _ = timed(
        lambda: DoublyRobust().estimate_policy_value(estimated_rewards_by_reg_model=q, **kwargs)
    )
    times["DM"], times["DR"], times["estimate_all"] = fit + dm, fit + dr, fit + dm + dr
    # Same reward model on both sides: the estimators must agree.
    ours_q = ope.cross_fit_rewards(fb, target).q[:, :, None]
    agree = {
        "DM": abs(
            DirectMethod().estimate_policy_value(dist, ours_q)
            - ope.direct_method(fb, target, n_bootstrap=0).estimate
        ),
        "DR": abs(
            DoublyRobust().estimate_policy_value(estimated_rewards_by_reg_model=ours_q, **kwargs)
            - ope.doubly_robust(fb, target).estimate
        ),
    }
    return times, agree


def summary(values: list[float]) -> dict[str, float]:
    return {
        "min": round(float(np.min(values)), 4),
        "median": round(float(np.median(values)), 4),
        "max": round(float(np.max(values)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1_000_000)
    parser.add_argument("--actions", type=int, default=10)
    parser.add_argument("--dim", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    fb, target = make_log(args.rounds, args.actions, args.dim, seed=0)
    try:
        import obp  # noqa: F401

        have_obp = True
    except ImportError:
        have_obp = False
        print("obp not importable: timing rlsuite only (pip install obp==0.5.7 to compare)")
    mine: dict[str, list[float]] = {}
    theirs: dict[str, list[float]] = {}
    agreement: dict[str, float] = {}
    for _ in range(args.repeats):
        for name, seconds in ours(fb, target).items():
            mine.setdefault(name, []).append(seconds)
        if have_obp:
            times, agree = obp_times(fb, target)
            for name, seconds in times.items():
                theirs.setdefault(name, []).append(seconds)
            agreement = {k: max(agreement.get(k, 0.0), v) for k, v in agree.items()}
    result: dict[str, object] = {
        "rounds": args.rounds,
        "repeats": args.repeats,
        "ours_s": {k: summary(v) for k, v in mine.items()},
    }
    if have_obp:
        ratios = {
            name: summary(list(np.asarray(mine[name]) / np.asarray(theirs[name])))
            for name in theirs
        }
        result["obp_s"] = {k: summary(v) for k, v in theirs.items()}
        result["ratio_ours_over_obp"] = ratios
        result["max_abs_diff_same_model"] = agreement
        for name, ratio in ratios.items():
            print(
                f"{name:13s} ours/OBP time (min/median/max): "
                f"{ratio['min']:.3f} / {ratio['median']:.3f} / {ratio['max']:.3f}"
            )
    for name, value in result["ours_s"].items():
        print(f"{name:15s} ours: {value['median']:.3f} s (median)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
