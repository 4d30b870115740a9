"""The sampled (REINFORCE) gradient of the steerable learners, and their equal budgets."""

import gymnasium as gym
import numpy as np
import pytest
import torch
from scipy import stats

import rlsuite.envs  # noqa: F401
from rlsuite.agents.multiobjective.clp import CLP
from rlsuite.agents.multiobjective.common import (
    SteerableMLP,
    kl_regularised_objective,
    leave_one_out_baseline,
    reinforce_loss,
)
from rlsuite.agents.multiobjective.metrics import hypervolume
from rlsuite.agents.multiobjective.prompt_conditioned import PromptConditioned
from rlsuite.agents.multiobjective.rewarded_soups import RewardedSoups

pytestmark = pytest.mark.filterwarnings("ignore:.*reward returned by `step\\(\\)` must be")

GRID = np.stack([np.linspace(1, 0, 11), np.linspace(0, 1, 11)], axis=1)


def _env(**kwargs):
    kwargs = {"n_contexts": 8, "n_actions": 16, "problem_seed": 0, **kwargs}
    return gym.make("rlsuite/MultiObjectiveBandit-v0", **kwargs)


def _flat_grad(network, loss):
    network.zero_grad()
    loss.backward()
    return torch.cat([p.grad.reshape(-1) for p in network.parameters()]).double().numpy()


def _gradient_samples(kl_in_estimator: float, n_reps: int = 1500):
    """Exact gradient of mean_b J(x_b, w_b) and ``n_reps`` independent REINFORCE estimates."""
    env = _env(n_contexts=4, n_actions=6, kl_coef=0.5)
    problem = env.unwrapped
    torch.manual_seed(0)
    network = SteerableMLP(4, 6, 2, (8,), input_conditioning=True, logit_mixing=True)
    contexts = np.array([0, 1, 2, 3])
    k = 2
    obs = torch.as_tensor(problem.context_observations()[contexts])
    w = torch.tensor([[1.0, 0.0], [0.3, 0.7], [0.5, 0.5], [0.0, 1.0]])
    ref = torch.as_tensor(problem.reference_log_probs[contexts], dtype=torch.float32)
    means = torch.as_tensor(problem.expected_reward_table[contexts], dtype=torch.float32)
    exact = _flat_grad(
        network, -kl_regularised_objective(network(obs, w), w, means, ref, 0.5).mean()
    )
    obs_k, w_k, ref_k = (t.repeat_interleave(k, dim=0) for t in (obs, w, ref))
    rng = np.random.default_rng(1)
    estimates = []
    for _ in range(n_reps):
        logits = network(obs_k, w_k)
        probs = torch.softmax(logits, dim=1).detach().double().numpy()
        actions = np.array([rng.choice(6, p=p / p.sum()) for p in probs])
        taken = problem.expected_reward_table[np.repeat(contexts, k), actions]
        rewards = torch.as_tensor(problem.noise.sample_rewards(rng, taken), dtype=torch.float32)
        loss, _ = reinforce_loss(
            logits, torch.as_tensor(actions), rewards, w_k, ref_k, kl_in_estimator, k
        )
        estimates.append(_flat_grad(network, loss))
    return exact, np.array(estimates)


@pytest.fixture(scope="module")
def unbiased_samples():
    return _gradient_samples(kl_in_estimator=0.5)


def _projection_z(exact, estimates):
    """z-score of the mean estimate's projection on the exact gradient's direction."""
    unit = exact / np.linalg.norm(exact)
    proj = estimates @ unit
    return (proj.mean() - np.linalg.norm(exact)) / (proj.std(ddof=1) / np.sqrt(len(proj)))


# Two-sided tests at a total level of 1e-4 (fixed seeds make them deterministic; the
# level says how rarely a correct estimator would fail on another seed).
ALPHA = 1e-4


def test_reinforce_gradient_matches_exact_gradient_in_expectation(unbiased_samples):
    exact, estimates = unbiased_samples
    # 1. Along the exact gradient: one z-test.
    assert abs(_projection_z(exact, estimates)) < stats.norm.ppf(1 - ALPHA / 2)
    # 2. Every coordinate with a non-zero variance: z-tests with a Bonferroni correction.
    se = estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))
    live = se > 1e-9
    z = (estimates.mean(axis=0)[live] - exact[live]) / se[live]
    assert np.abs(z).max() < stats.norm.ppf(1 - ALPHA / (2 * live.sum()))
    # Coordinates with no variance (e.g. parameters that never move) agree exactly.
    np.testing.assert_allclose(estimates.mean(axis=0)[~live], exact[~live], atol=1e-6)
    # The test has power: along the gradient the mean estimate is many SEs from zero.
    proj = estimates @ (exact / np.linalg.norm(exact))
    assert proj.mean() / (proj.std(ddof=1) / np.sqrt(len(proj))) > 10


def test_the_same_test_rejects_an_estimator_that_drops_the_kl_term():
    exact, biased = _gradient_samples(kl_in_estimator=0.0, n_reps=600)
    # Observed z = -37.6 (the unbiased estimator: z = 1.6 on 1500 draws, power z = 39).
    assert abs(_projection_z(exact, biased)) > stats.norm.ppf(1 - ALPHA / 2)


def test_leave_one_out_baseline_excludes_each_sample():
    returns = torch.tensor([1.0, 3.0, 5.0, 2.0, 2.0, 8.0])
    np.testing.assert_allclose(leave_one_out_baseline(returns, 3), [4, 3, 2, 5, 5, 2])
    np.testing.assert_allclose(
        leave_one_out_baseline(returns, 1), (returns.sum() - returns) / 5, rtol=1e-6
    )
    with pytest.raises(ValueError, match="2 samples"):
        leave_one_out_baseline(torch.tensor([1.0]), 1)


def _front_ratio(agent, problem):
    contexts = problem.context_observations()
    ref = problem.hypervolume_reference()
    points = [problem.objective_values(agent.action_probs(contexts, w)) for w in GRID]
    optimal = [problem.objective_values(problem.optimal_policy(w)) for w in GRID]
    return hypervolume(points, ref) / hypervolume(optimal, ref)


def test_sampled_gradient_clp_improves_hypervolume_over_the_pretrained_policy():
    env = _env()
    clp = CLP(env, hidden_sizes=(32, 32), batch_size=32, pretrain_steps=100, seed=0).pretrain()
    before = _front_ratio(clp, env.unwrapped)
    clp.learn(env, 12_800)
    after = _front_ratio(clp, env.unwrapped)
    # Observed 0.45 -> 0.77 at seed 0 (the study's quick sweep: 0.41 -> 0.84-0.90 at 25.6k).
    assert after > before + 0.2
    assert clp.num_timesteps == 12_800 and clp.n_gradient_steps == 100


class _CountingNoMeans(gym.Wrapper):
    """Counts env steps and hides every mean reward from the learner."""

    def __init__(self, env):
        super().__init__(env)
        self.steps = 0

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        return obs, {k: v for k, v in info.items() if not k.startswith("expected")}

    def step(self, action):
        self.steps += 1
        obs, reward, terminated, truncated, info = self.env.step(action)
        info = {k: v for k, v in info.items() if not k.startswith("expected")}
        return obs, reward, terminated, truncated, info


@pytest.mark.parametrize("cls", [CLP, RewardedSoups, PromptConditioned])
def test_equal_compute_and_no_access_to_the_means(cls):
    env = _CountingNoMeans(_env(noise="gaussian"))
    agent = cls(env, hidden_sizes=(8,), batch_size=8, samples_per_context=4, pretrain_steps=2)
    agent.learn(env, 2_560)
    # 2560 interactions = 80 gradient steps of 8 prompts x 4 responses, for every method.
    assert env.steps == agent.num_timesteps == 2_560
    assert agent.n_gradient_steps == 80 and len(agent.history) == 80
    if cls is RewardedSoups:
        assert agent.expert_steps == [40, 40]
    with pytest.raises(ValueError, match="expected_rewards"):
        cls(env, gradient="exact", pretrain_steps=0).learn(env, 64)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"gradient": "sampled"}, ValueError, "gradient"),
        ({"gradient": 1}, TypeError, "gradient"),
        ({"samples_per_context": 0}, ValueError, "samples_per_context"),
        ({"batch_size": 1, "samples_per_context": 1}, ValueError, "samples_per_context"),
    ],
)
def test_invalid_gradient_arguments_raise(kwargs, error, name):
    with pytest.raises(error, match=name):
        CLP(_env(), **kwargs)
