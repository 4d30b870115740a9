import numpy as np
import pytest
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.monitor import Monitor

from rlsuite.agents import make_agent
from rlsuite.agents.process import GammaProver, PAVPolicyGradient, policy_values
from rlsuite.envs.planted_sequence import PlantedSequenceEnv

# 60 iterations of 32 responses (19 200 steps) with step size 5: the small fixed budget.
BUDGET = 60 * 32 * 10


def _train(prover, seed=0, **kwargs):
    agent = PAVPolicyGradient(prover=prover, learning_rate=5.0, batch_size=32, seed=seed, **kwargs)
    return agent.learn(PlantedSequenceEnv(), BUDGET)


def test_pav_with_gamma_10_beats_outcome_only_at_a_fixed_budget():
    pav, outcome = _train(GammaProver(10.0)), _train(None)
    # A random response succeeds with probability ~8e-6, so outcome-only RL sees no reward in
    # 1920 responses and cannot move; the prover's advantages move it to near-certain success.
    assert outcome.success_curve[-1] < 0.01
    assert pav.success_curve[-1] > 0.5
    assert len(pav.success_curve) == 61 and pav.success_curve[0] < 1e-4
    # The trained policy writes y*: SB3's evaluate_policy accepts it as a PolicyPredictor.
    env = Monitor(PlantedSequenceEnv(target=pav.target))
    mean_reward, _ = evaluate_policy(pav, env, n_eval_episodes=5, deterministic=True)
    assert mean_reward == 1.0


def test_weak_prover_stays_low_where_gamma_10_succeeds():
    weak = _train(GammaProver(1.0), gradient="exact")
    strong = _train(GammaProver(10.0), gradient="exact")
    assert weak.success_curve[-1] < 0.01 < 0.5 < strong.success_curve[-1]


def test_training_is_deterministic_given_the_seed():
    a, b = _train(GammaProver(10.0), seed=3), _train(GammaProver(10.0), seed=3)
    np.testing.assert_array_equal(a.success_curve, b.success_curve)


def _agent_at(prover, alpha, gradient="exact"):
    agent = PAVPolicyGradient(prover=prover, alpha=alpha, init_gamma=20.0, gradient=gradient)
    agent.set_target([4, 7, 4, 1, 9], length=10)
    return agent


def test_exact_outcome_gradient_is_the_gradient_of_the_success_probability():
    # With mu = pi and alpha = 0 the effective reward is Q^pi, so the gradient must equal
    # dJ/dtheta of J = V^pi(0, 0) (policy gradient theorem); central differences: O(eps^2) error.
    agent = _agent_at(None, alpha=0.0)
    agent.logits += np.random.default_rng(0).normal(0, 0.3, agent.logits.shape)
    grad = agent._exact_gradient()
    eps, numeric = 1e-5, np.zeros_like(grad)
    for index in np.ndindex(grad.shape):
        for sign in (1, -1):
            agent.logits[index] += sign * eps
            numeric[index] += sign * agent.success_probability() / (2 * eps)
            agent.logits[index] -= sign * eps
    np.testing.assert_allclose(grad, numeric, atol=1e-7)


@pytest.mark.parametrize("prover", [None, GammaProver(10.0)])
def test_sampled_gradient_is_unbiased(prover):
    agent = _agent_at(prover, alpha=1.0, gradient="sampled")
    env = PlantedSequenceEnv(target=agent.target)
    env.reset(seed=0)
    exact = agent._exact_gradient()
    draws = np.array([agent._sampled_gradient(env) for _ in range(150)])
    # Mean of 150 batches: each entry within 5 standard errors of its expectation
    # (plus a small floor for entries whose sampled variance is ~0).
    se = draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - exact) <= 5 * se + 1e-3)
    assert np.abs(exact).max() > 0.05  # the check is not vacuous


def test_trained_policy_can_serve_as_a_prover():
    agent = _agent_at(None, alpha=1.0)
    probs = agent.action_probs(agent.target, 15)
    assert probs.shape == (6, 15)
    values = policy_values(agent.automaton, probs, 10)
    assert values.v[0, 0] == pytest.approx(agent.success_probability())
    with pytest.raises(ValueError):
        agent.action_probs(np.array([0, 0, 0, 0, 0]), 15)


def test_registered_and_predict_handles_batches():
    agent = make_agent("PAVPolicyGradient", prover=10.0)
    with pytest.raises(RuntimeError):
        agent.predict(np.full(10, 15))
    agent.set_target([1, 2, 3, 4, 5], length=10)
    actions, _ = agent.predict(np.full((3, 10), 15))
    assert actions.shape == (3,) and ((0 <= actions) & (actions < 15)).all()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"alpha": -1.0},
        {"learning_rate": 0.0},
        {"batch_size": 1},
        {"init_gamma": 0.5},
        {"gradient": "natural"},
        {"prover": "strong"},
        {"vocab_size": 1},
    ],
)
def test_invalid_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        PAVPolicyGradient(**kwargs)


def test_mismatched_env_or_budget_raises():
    with pytest.raises(ValueError):
        PAVPolicyGradient(vocab_size=10).learn(PlantedSequenceEnv(), 640)
    with pytest.raises(ValueError):
        PAVPolicyGradient().learn(PlantedSequenceEnv(), 0)
