import gymnasium as gym
import numpy as np
import pytest
import torch

import rlsuite.envs  # noqa: F401 - registers the IDs
from rlsuite.agents import make_agent
from rlsuite.agents.preference.distilled_po import DistilledPO
from rlsuite.agents.preference.ensemble_distilled_po import EnsembleDistilledPO
from rlsuite.agents.preference.losses import LOSSES, gpo_loss
from rlsuite.agents.preference.preference_optimizer import BASE_POLICIES, PreferenceOptimizer
from rlsuite.agents.preference.reward_model import RewardModel
from rlsuite.envs.preference_bandit import (
    PreferenceBanditEnv,
    PreferenceDataset,
    make_preference_dataset,
)
from rlsuite.experiments.rm_distillation.run import make_biased_problem


def _two_response_data(wins_first: int, n: int, mu: tuple[float, float]) -> PreferenceDataset:
    first_wins = np.arange(n) < wins_first
    return PreferenceDataset(
        contexts=np.zeros(n, dtype=np.int64),
        chosen=np.where(first_wins, 0, 1),
        rejected=np.where(first_wins, 1, 0),
        sampling_probs=np.array([mu]),
        n_responses=2,
    )


@pytest.mark.parametrize("base", BASE_POLICIES)
def test_ipo_fixed_point_matches_closed_form_on_two_responses(base):
    # IPO minimises p (D - 1/(2b))^2 + (1 - p) (-D - 1/(2b))^2, so D* = (2p - 1) / (2b) and
    # log pi(0)/pi(1) = D* + log pi_base(0)/pi_base(1). Convex in the logit gap: Adam with a
    # small learning rate converges to well within the 1e-3 tolerance.
    beta, p_hat = 0.5, 0.7
    ref, mu = np.array([[0.3, 0.7]]), (0.8, 0.2)
    data = _two_response_data(wins_first=70, n=100, mu=mu)
    agent = PreferenceOptimizer("ipo", beta, base, reference_probs=ref, n_steps=1500, lr=0.01)
    probs = agent.fit(data).probs()
    base_probs = {"reference": ref[0], "sampling": np.array(mu), "uniform": np.array([0.5, 0.5])}
    delta_star = (2 * p_hat - 1) / (2 * beta)
    expected = delta_star + np.log(base_probs[base][0] / base_probs[base][1])
    assert np.log(probs[0, 0] / probs[0, 1]) == pytest.approx(expected, abs=1e-3)


def _clean_env_and_data():
    # Noise-free labels (temperature 0) and 4000 uniform pairs over 4 x 5 responses: every
    # ordered pair of every context occurs (the chance that one of the 40 unordered pairs is
    # missing is below 40 * (1 - 2/25)^1000, i.e. zero in practice).
    env = PreferenceBanditEnv(
        n_contexts=4, n_responses=5, temperature=0.0, reference_policy="random"
    )
    env.reset(seed=0)
    data = make_preference_dataset(env, "uniform", 4000, seed=1)
    assert data.seen_mask().all()
    return env, data


def _softplus_squared(t: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.softplus(-t) ** 2


LEARNERS = [(loss, base) for loss in LOSSES for base in BASE_POLICIES]
LEARNERS += [(_softplus_squared, "reference"), ("distill", None), ("e-dpo", None)]


@pytest.mark.parametrize("loss, base", LEARNERS)
def test_every_loss_prefers_the_better_response_on_clean_full_coverage(loss, base):
    env, data = _clean_env_and_data()
    kwargs = {"reference_probs": env.reference_probs, "n_steps": 300, "lr": 0.05}
    if loss == "distill":
        agent = DistilledPO(0.5, RewardModel(seed=0), **kwargs)
    elif loss == "e-dpo":
        agent = EnsembleDistilledPO(0.5, RewardModel(3, seed=0), **kwargs)
    else:
        agent = PreferenceOptimizer(loss, 0.5, base, **kwargs)
    probs = agent.fit(data).probs()
    if base == "sampling" or base == "uniform":
        base_probs = data.sampling_probs if base == "sampling" else np.full_like(probs, 0.2)
    else:
        base_probs = env.reference_probs
    implicit = np.log(probs / base_probs)
    for x in range(env.n_contexts):
        order = np.argsort(env.rewards[x])
        assert np.all(np.diff(implicit[x, order]) > 0), f"context {x}: {implicit[x, order]}"
    assert env.expected_return(probs) > env.expected_return(env.reference_probs) + 0.1


def test_dpo_margin_keeps_growing_while_distillation_stays_bounded():
    # Every kept pair was won by the longer response (bias 1), so the data are separable
    # along length: Fisch et al.'s degenerate case. At 300 and 1500 full-batch steps, same
    # seeds: DPO's margin and ||theta|| grow by more than half and its mass moves to
    # responses no pair contains; the distilled policy has converged (changes below 2%).
    problem = make_biased_problem(seed=0, bias=1.0, n_pairs=100)
    data, feats = problem.dataset, problem.features
    unseen = ~data.seen_mask()[0]
    out = {}
    for steps in (300, 1500):
        dpo = PreferenceOptimizer("dpo", 0.5, policy=feats, n_steps=steps).fit(data)
        rm = RewardModel(features=feats, l2=0.1, seed=0)
        distill = DistilledPO(0.5, rm, policy=feats, n_steps=steps).fit(data)
        out[steps] = {
            name: (agent.log_ratio_margin(data), agent.parameter_norm(), agent.probs()[0])
            for name, agent in (("dpo", dpo), ("distill", distill))
        }
    (dpo_m0, dpo_n0, dpo_p0), (dpo_m1, dpo_n1, dpo_p1) = out[300]["dpo"], out[1500]["dpo"]
    (dis_m0, dis_n0, _), (dis_m1, dis_n1, dis_p1) = out[300]["distill"], out[1500]["distill"]
    assert dpo_m1 > 1.5 * dpo_m0 and dpo_n1 > 1.5 * dpo_n0
    assert dis_m1 == pytest.approx(dis_m0, rel=0.02) and dis_n1 == pytest.approx(dis_n0, rel=0.02)
    assert dpo_p1[unseen].sum() > dpo_p0[unseen].sum() + 0.2
    winners = np.unique(data.chosen)
    assert dpo_p1[winners].sum() < dis_p1[winners].sum() - 0.1


@pytest.mark.parametrize("beta", [0.0, -1.0])
@pytest.mark.parametrize("cls", [PreferenceOptimizer, DistilledPO, EnsembleDistilledPO])
def test_non_positive_beta_raises(cls, beta):
    with pytest.raises(ValueError, match="beta"):
        cls(beta=beta)


def test_unknown_loss_base_or_bad_gpo_function_raise():
    with pytest.raises(ValueError, match="loss"):
        PreferenceOptimizer(loss="kto")
    with pytest.raises(ValueError, match="base_policy"):
        PreferenceOptimizer(base_policy="sft")
    with pytest.raises(ValueError, match="convex"):
        gpo_loss(lambda t: -(t**2), "concave")
    with pytest.raises(ValueError, match="f'\\(0\\) < 0"):
        gpo_loss(torch.exp, "increasing")
    with pytest.raises(ValueError, match="n_models"):
        RewardModel(n_models=0)


def test_registered_agents_build_and_predict_through_sb3_evaluate_policy():
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.monitor import Monitor

    env = gym.make("rlsuite/PreferenceBandit-v1", reference_policy="random", reward_range=4.0)
    env.reset(seed=0)
    base = env.unwrapped
    data = make_preference_dataset(env, "uniform", 2000, seed=0)
    agent = make_agent(
        "PreferenceOptimizer",
        loss="ipo",
        beta=0.05,
        n_steps=200,
        reference_probs=base.reference_probs,
        seed=0,
    ).fit(data)
    greedy = np.eye(base.n_responses)[agent.probs().argmax(axis=1)]
    # 400 episodes, contexts uniform over 20, rewards in [0, 4]: sd of the mean < 0.1; tol 0.4.
    mean, _ = evaluate_policy(agent, Monitor(env), n_eval_episodes=400, deterministic=True)
    assert mean == pytest.approx(base.expected_return(greedy), abs=0.4)
    assert base.expected_return(greedy) > base.expected_return(base.reference_probs) + 0.5
