import gymnasium as gym
import numpy as np
import pytest

import rlsuite.envs  # noqa: F401
from rlsuite.agents.multiobjective import AGENTS
from rlsuite.agents.multiobjective.clp import CLP
from rlsuite.agents.multiobjective.metrics import hypervolume
from rlsuite.agents.multiobjective.prompt_conditioned import PromptConditioned
from rlsuite.agents.multiobjective.rewarded_soups import RewardedSoups
from rlsuite.envs.multi_objective_bandit import LinearScalarization

pytestmark = pytest.mark.filterwarnings("ignore:.*reward returned by `step\\(\\)` must be")

GRID = np.stack([np.linspace(1, 0, 11), np.linspace(0, 1, 11)], axis=1)
# Full-information gradients: these tests are about the conditioning mechanisms; the
# sampled-gradient path is tested in test_sampled_gradients.py.
SMALL = dict(hidden_sizes=(32, 32), batch_size=32, pretrain_steps=100, gradient="exact", seed=0)


def _env():
    return gym.make("rlsuite/MultiObjectiveBandit-v0", n_contexts=8, n_actions=16, problem_seed=0)


def _front(agent, env):
    problem = env.unwrapped
    contexts = problem.context_observations()
    return np.array([problem.objective_values(agent.action_probs(contexts, w)) for w in GRID])


@pytest.fixture(scope="module")
def trained():
    env = _env()
    agents = {cls.__name__: cls(env, **SMALL).learn(env, 6400) for cls in (CLP, RewardedSoups)}
    return env, agents


def test_clp_hypervolume_at_least_rewarded_soups(trained):
    env, agents = trained
    problem = env.unwrapped
    ref = problem.hypervolume_reference()
    optimal = hypervolume([problem.objective_values(problem.optimal_policy(w)) for w in GRID], ref)
    clp = hypervolume(_front(agents["CLP"], env), ref) / optimal
    soups = hypervolume(_front(agents["RewardedSoups"], env), ref) / optimal
    # Fixed seeds make this deterministic up to float round-off; on four
    # instances the gap was 0.03-0.09 of the optimum (0.10 on this one, 0.988 vs 0.886,
    # since the soup splits the budget across its experts), so a
    # 0.01 margin leaves room for platform differences but fails if soups catch up.
    assert clp >= soups + 0.01
    assert clp >= 0.95


def test_clp_steers_along_the_front(trained):
    env, agents = trained
    front = _front(agents["CLP"], env)
    # Moving weight to objective 2 trades objective 1 for objective 2
    # (exact values, no sampling; 1e-3 slack for near-flat ends).
    assert np.all(np.diff(front[:, 0]) <= 1e-3) and np.all(np.diff(front[:, 1]) >= -1e-3)
    reference = env.unwrapped.objective_values(np.exp(env.unwrapped.reference_log_probs))
    assert front[0, 0] > reference[0] + 0.1 and front[-1, 1] > reference[1] + 0.1


def test_rewarded_soups_endpoints_are_the_experts(trained):
    env, agents = trained
    front = _front(agents["RewardedSoups"], env)
    problem = env.unwrapped
    best_1 = problem.objective_values(problem.optimal_policy([1, 0]))[0]
    best_2 = problem.objective_values(problem.optimal_policy([0, 1]))[1]
    assert front[0, 0] > best_1 - 0.02 and front[-1, 1] > best_2 - 0.02


def test_predict_is_an_sb3_policy_for_each_weight(trained):
    from stable_baselines3.common.evaluation import evaluate_policy

    env, agents = trained
    clp = agents["CLP"]
    obs, _ = env.reset(seed=0)
    clp.set_weights([1.0, 0.0])
    action, state = clp.predict(obs, deterministic=True)
    assert np.ndim(action) == 0 and state is None
    assert action == np.argmax(clp.action_probs(obs[None], [1.0, 0.0])[0])
    batch = np.stack([obs, obs, obs])
    assert clp.predict(batch)[0].shape == (3,)
    from stable_baselines3.common.monitor import Monitor

    scored = Monitor(LinearScalarization(_env(), [1.0, 0.0]))
    scored.reset(seed=1)
    first, _ = evaluate_policy(clp.steered([1.0, 0.0]), scored, n_eval_episodes=200)
    second, _ = evaluate_policy(clp.steered([0.0, 1.0]), scored, n_eval_episodes=200)
    # Expected objective-1 rewards differ by ~0.4; Bernoulli SE of each mean <= 0.035.
    assert first > second + 0.15


def test_prompt_conditioned_learns_and_is_registered():
    env = _env()
    agent = PromptConditioned(env, **SMALL).learn(env, 3200)
    front = _front(agent, env)
    assert front[0, 0] > front[-1, 0] and front[-1, 1] > front[0, 1]
    assert set(AGENTS) == {"CLP", "RewardedSoups", "PromptConditioned"}


def test_same_seed_same_policy():
    a = CLP(_env(), **{**SMALL, "pretrain_steps": 5}).learn(320)
    b = CLP(_env(), **{**SMALL, "pretrain_steps": 5}).learn(320)
    x = _env().unwrapped.context_observations()
    np.testing.assert_allclose(a.action_probs(x, [0.3, 0.7]), b.action_probs(x, [0.3, 0.7]))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"dirichlet_alpha": 0.0}, "dirichlet_alpha"),
        ({"dirichlet_alpha": [1.0, -1.0]}, "dirichlet_alpha"),
        ({"batch_size": 0}, "batch_size"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"kl_coef": 0.0}, "kl_coef"),
        ({"hidden_sizes": (0,)}, "hidden_sizes"),
        ({"hidden_sizes": ()}, "hidden_sizes"),
        ({"seed": -1}, "seed"),
    ],
)
def test_invalid_constructor_arguments_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        CLP(_env(), **kwargs)


def test_invalid_use_raises():
    clp = CLP(_env(), **SMALL)
    with pytest.raises(ValueError, match="weights"):
        clp.set_weights([0.5, 0.6])
    with pytest.raises(ValueError, match="weights"):
        clp.steered([1.0])
    with pytest.raises(ValueError, match="total_timesteps"):
        clp.learn(0)
    with pytest.raises(ValueError, match="reward_space"):
        CLP(gym.make("CartPole-v1"))
    with pytest.raises(RuntimeError, match="learn"):
        RewardedSoups(_env(), **SMALL).action_probs(np.eye(8, dtype=np.float32), [0.5, 0.5])
