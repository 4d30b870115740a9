"""Behaviour of the private learners: they learn, report their privacy, refuse bad input."""

import sys

import gymnasium as gym
import numpy as np
import pytest

pytest.importorskip("dp_accounting")
from stable_baselines3.common.evaluation import evaluate_policy  # noqa: E402

from rlsuite.agents import make_agent  # noqa: E402
from rlsuite.agents.private import (  # noqa: E402
    BehaviorCloning,
    ConsensusDP,
    EpsilonLogger,
    ExpertDPSGD,
    PATEConsensus,
    PrivacyBudget,
    PrivacyBudgetExceeded,
)
from rlsuite.agents.private._common import as_expert_data, require_privacy_extra  # noqa: E402
from rlsuite.agents.private.accounting import dpsgd_pld  # noqa: E402
from rlsuite.offline_data.experts import generate_expert_episodes  # noqa: E402

RANDOM_CARTPOLE = 22.0  # mean return of uniform random play


@pytest.fixture(scope="module")
def cartpole():
    return generate_expert_episodes("CartPole-v1", 40, 1, seed=0)


def _mean_return(learner, env_id="CartPole-v1", n=5):
    env = gym.make(env_id)
    env.reset(seed=123)
    mean, _ = evaluate_policy(learner, env, n_eval_episodes=n, deterministic=True, warn=False)
    return mean


def test_behavior_cloning_beats_random_under_evaluate_policy(cartpole):
    learner = BehaviorCloning(steps=300, seed=0).fit(cartpole)
    assert learner.epsilon_spent == np.inf
    # Experts score 500; a BC policy that did not learn stays near random (22).
    assert _mean_return(learner) > 5 * RANDOM_CARTPOLE


def test_expert_dpsgd_reports_its_pld_epsilon_and_logs_it(cartpole):
    pytest.importorskip("opacus")
    logger = EpsilonLogger(log_every=20)
    learner = ExpertDPSGD(epsilon=8.0, delta=1e-5, sample_rate=0.25, steps=60, seed=0)
    learner.fit(cartpole, callback=logger)
    assert learner.delta_spent == 1e-5 and learner.target_epsilon == 8.0
    # Calibrated to the smallest noise (relative tolerance 1e-3) meeting the target.
    assert 0.99 * 8.0 <= learner.epsilon_spent <= 8.0
    independent = dpsgd_pld(learner.noise_multiplier, 0.25, 60, interval=1e-4)
    assert learner.epsilon_spent == pytest.approx(independent.get_epsilon_for_delta(1e-5), rel=0.01)
    assert [step for step, _ in logger.history] == [20, 40, 60]
    assert np.all(np.diff(logger.epsilons) > 0) and logger.epsilons[-1] == learner.epsilon_spent
    actions, _ = learner.predict(np.zeros((3, 4), dtype=np.float32), deterministic=True)
    assert actions.shape == (3,)
    with pytest.warns(DeprecationWarning, match="epsilon_spent"):
        assert learner.epsilon == learner.epsilon_spent


def test_consensus_dp_releases_stable_prefixes_when_budget_allows(cartpole):
    pytest.importorskip("opacus")
    # eps'=25 makes the threshold ~2 expert-counts, so the start of the consensus path is
    # released; the composed epsilon (release + DP-SGD, PLD) must stay within the target.
    learner = ConsensusDP(
        epsilon=100.0, delta=1e-5, n_candidates=2, release_fraction=0.5, steps=20, seed=0
    ).fit(cartpole)
    assert learner.threshold < 5 and learner.released_lengths.sum() > 0
    assert 50.0 < learner.epsilon_spent <= 100.0
    assert learner.epsilon_spent == learner.compose(learner.noise_multiplier, 20)
    # At epsilon=1 the threshold is far above 40 experts: (almost surely) nothing passes.
    strict = ConsensusDP(epsilon=1.0, n_candidates=2, steps=20, seed=0).fit(cartpole)
    assert strict.threshold > 40 and strict.released_lengths.sum() == 0
    assert strict.epsilon_spent <= 1.0


def test_pate_answers_some_queries_and_reports_realised_epsilon(cartpole):
    learner = PATEConsensus(
        epsilon=5.0, n_teachers=10, n_queries=60, student_steps=100, seed=0
    ).fit(cartpole)
    assert 0 < learner.n_answered <= 60
    assert 0 < learner.epsilon_spent <= learner.planned_privacy()[0] <= 5.0
    assert learner.sigma_threshold == pytest.approx(3.75 * learner.sigma_gnmax)
    assert learner.predict(np.zeros(4, dtype=np.float32))[0] in (0, 1)


def test_privacy_budget_refuses_to_train_past_budget(cartpole):
    with pytest.raises(PrivacyBudgetExceeded, match="budget"):
        PrivacyBudget(ExpertDPSGD(epsilon=5.0), epsilon=4.0, delta=1e-5).fit(cartpole)
    budget = PrivacyBudget(
        PATEConsensus(epsilon=3.0, n_teachers=10, n_queries=20, student_steps=20, seed=0),
        epsilon=5.0,
        delta=1e-4,
    )
    budget.fit(cartpole)
    # The planned worst case (every query answered) is charged, not the realised spend.
    assert budget.spent_epsilon == budget.learner.planned_privacy()[0]
    assert budget.learner.epsilon_spent <= budget.spent_epsilon <= 3.0
    with pytest.raises(PrivacyBudgetExceeded, match="is left"):
        budget.fit(cartpole)
    assert budget.predict(np.zeros((2, 4), dtype=np.float32))[0].shape == (2,)


@pytest.mark.parametrize("cls", [ExpertDPSGD, ConsensusDP, PATEConsensus])
@pytest.mark.parametrize(
    "epsilon,delta,match",
    [(0.0, 1e-5, "epsilon"), (-1.0, 1e-5, "epsilon"), (1.0, 0.0, "delta"), (1.0, 1.0, "delta")],
)
def test_bad_privacy_targets_raise(cls, epsilon, delta, match):
    with pytest.raises(ValueError, match=match):
        cls(epsilon=epsilon, delta=delta)
    with pytest.raises(ValueError, match=match):
        PrivacyBudget(BehaviorCloning(), epsilon=epsilon, delta=delta)


def test_dataset_without_expert_id_raises(cartpole):
    untagged = [{"observations": ep.observations, "actions": ep.actions} for ep in cartpole[:3]]
    for learner in (BehaviorCloning(), ExpertDPSGD(steps=5), PATEConsensus()):
        with pytest.raises(ValueError, match="expert_id"):
            learner.fit(untagged)
    with pytest.raises(ValueError, match="sequence of episodes"):
        as_expert_data(42)


def test_missing_privacy_extra_names_the_install_command(cartpole, monkeypatch):
    monkeypatch.setitem(sys.modules, "opacus", None)
    with pytest.raises(ImportError, match=r"pip install 'rlsuite\[privacy\]'"):
        require_privacy_extra("opacus")
    monkeypatch.setitem(sys.modules, "dp_accounting.pld.privacy_loss_distribution", None)
    with pytest.raises(ImportError, match=r"pip install 'rlsuite\[privacy\]'"):
        ExpertDPSGD(steps=5).fit(cartpole)


def test_registry_builds_every_private_agent():
    for name in ("BehaviorCloning", "ExpertDPSGD", "ConsensusDP", "PATEConsensus"):
        kwargs = {} if name == "BehaviorCloning" else {"epsilon": 2.0}
        assert type(make_agent(name, **kwargs)).__name__ == name


def test_fitted_private_learner_saves_and_loads_with_its_privacy_report(cartpole, tmp_path):
    learner = ExpertDPSGD(epsilon=3.0, sample_rate=0.5, steps=5, seed=0).fit(cartpole)
    learner.save(tmp_path / "dpsgd.pkl")
    loaded = ExpertDPSGD.load(tmp_path / "dpsgd.pkl")
    obs = np.stack([ep.observations[0] for ep in cartpole[:6]])
    np.testing.assert_array_equal(
        loaded.predict(obs, deterministic=True)[0], learner.predict(obs, deterministic=True)[0]
    )
    assert (loaded.epsilon_spent, loaded.target_epsilon) == (learner.epsilon_spent, 3.0)


def test_pate_with_empty_teacher_groups_fits_and_empty_teachers_abstain():
    # 12 experts hashed to the default 12 teachers: some groups get no expert (this raised
    # IndexError in train_teachers before).
    episodes = generate_expert_episodes("CartPole-v1", 12, 1, seed=0)
    learner = PATEConsensus(epsilon=5.0, n_queries=20, student_steps=10, seed=0).fit(episodes)
    assert learner.n_teachers == 12
    assert 1 <= learner.n_voting < 12
    assert learner.epsilon_spent <= 5.0
    teachers_voting = learner._voting
    assert teachers_voting.sum() == learner.n_voting
    learner.predict(episodes[0].observations[:3])


def test_train_teachers_masks_an_empty_last_group():
    import torch

    from rlsuite.agents.private.pate_consensus import train_teachers

    obs = np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)
    actions = (obs[:, 2] > 0).astype(np.int64)
    teacher_of = np.r_[np.zeros(10, int), np.ones(10, int)]  # group 2 (the last) is empty
    params = train_teachers(
        obs, actions, teacher_of, 3, 2, steps=5, generator=torch.Generator().manual_seed(0)
    )
    assert params[0].shape[0] == 3
    with pytest.raises(ValueError, match="no transition"):
        train_teachers(obs, actions, np.full(20, 5), 3, 2, steps=1,
                       generator=torch.Generator().manual_seed(0))  # fmt: skip
