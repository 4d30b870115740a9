"""The sufficient-statistics ridge reward model and the coverage of every OPE interval."""

from __future__ import annotations

import numpy as np
import pytest

import rlsuite.envs  # noqa: F401
from rlsuite.offline_data import log_bandit, ope, policy_action_dist
from rlsuite.offline_data.bandit_log import BanditFeedback
from rlsuite.offline_data.reward_model import RidgeRewardModel

N_ARMS, DIM = 4, 3
LCB = "rlsuite/LinearContextualBandit-v0"


def dense_cross_fit(context, action, reward, n_actions, n_folds, l2):
    """The former implementation: a dense ``[onehot(a), features]`` design per fold."""

    def features(ctx, act):
        onehot = np.eye(n_actions)[act]
        if ctx.ndim == 3 and ctx.shape[1] == n_actions:
            return np.hstack([onehot, ctx[np.arange(len(ctx)), act]])
        flat = ctx.reshape(len(ctx), -1)
        return np.hstack([onehot, (onehot[:, :, None] * flat[:, None, :]).reshape(len(ctx), -1)])

    folds = np.arange(len(action)) % n_folds
    q = np.empty((len(action), n_actions))
    for fold in range(n_folds):
        test = folds == fold
        train = ~test if n_folds > 1 else test
        phi = features(context[train], action[train])
        penalty = np.full(phi.shape[1], l2)
        penalty[:n_actions] = 1e-8
        coef = np.linalg.solve(phi.T @ phi + np.diag(penalty), phi.T @ reward[train])
        m = int(test.sum())
        cols = [features(context[test], np.full(m, a)) @ coef for a in range(n_actions)]
        q[test] = np.stack(cols, axis=1)
    return q


@pytest.mark.parametrize("shape", [(301, N_ARMS, DIM), (300, 5), (300, 2, 3)])
@pytest.mark.parametrize("n_folds", [1, 2, 3])
def test_sufficient_statistics_match_the_dense_design(shape, n_folds):
    rng = np.random.default_rng(n_folds)
    n = shape[0]
    context = rng.normal(size=shape)
    # Action 3 is never taken: its intercept must stay at the penalised solution.
    action = rng.integers(N_ARMS - 1, size=n)
    reward = context.reshape(n, -1)[:, 0] + action + rng.normal(size=n)
    dist = rng.dirichlet(np.ones(N_ARMS), size=n)
    fb = BanditFeedback(context, action, reward, np.full(n, 0.25), dist, np.zeros((n, N_ARMS)))
    model = ope.cross_fit_rewards(fb, dist, n_folds=n_folds, l2=0.5)
    expected = dense_cross_fit(context, action, reward, N_ARMS, n_folds, 0.5)
    np.testing.assert_allclose(model.q, expected, rtol=1e-9, atol=1e-12)
    single = RidgeRewardModel(N_ARMS, 0.5).fit(context, action, reward).predict_all(context)
    np.testing.assert_allclose(single, dense_cross_fit(context, action, reward, N_ARMS, 1, 0.5))


def test_estimate_all_matches_the_separate_estimators(softmax_logging, near_greedy_target):
    fb = log_bandit(
        LCB, softmax_logging, 400, seed=3, num_envs=400, env_kwargs={"n_arms": N_ARMS, "dim": DIM}
    )
    target = policy_action_dist(near_greedy_target, fb.context)
    together = ope.estimate_all(fb, target)
    for name, fn in ope.ESTIMATORS.items():
        assert fn(fb, target) == together[name], name
    assert np.isnan(ope.direct_method(fb, target, n_bootstrap=0).lower)
    with pytest.raises(ValueError, match="n_folds"):
        ope.direct_method(fb, target, n_folds=0)


def test_every_interval_covers_the_truth_at_its_nominal_rate(softmax_logging, near_greedy_target):
    # 40 logs; a 95% interval covers >= 34 of them with probability 0.994 (binomial),
    # while the former DM interval (per-round spread only) covered 0 of 20.
    n_logs, covered = 40, dict.fromkeys(ope.ESTIMATORS, 0)
    for seed in range(n_logs):
        fb = log_bandit(
            LCB,
            softmax_logging,
            300,
            seed=100 + seed,
            num_envs=300,
            env_kwargs={"n_arms": N_ARMS, "dim": DIM},
        )
        target = policy_action_dist(near_greedy_target, fb.context)
        truth = fb.policy_value(target)
        for name, result in ope.estimate_all(fb, target).items():
            covered[name] += result.lower <= truth <= result.upper
    assert all(count >= 34 for count in covered.values()), covered
