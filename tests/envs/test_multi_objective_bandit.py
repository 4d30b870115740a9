import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env

import rlsuite.envs  # noqa: F401
from rlsuite.envs.multi_objective_bandit import LinearScalarization, MultiObjectiveBanditEnv

ENV_ID = "rlsuite/MultiObjectiveBandit-v0"
# gym.make's passive checker warns once per env that a vector reward is not a
# float; that is the MO-Gymnasium convention this env follows on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:.*reward returned by `step\\(\\)` must be")


def _check_gym(env):
    # Gymnasium's passive checker warns that a vector reward is not a float;
    # that is MO-Gymnasium's convention, everything else must pass.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*reward returned by `step\\(\\)` must be")
        gym_check_env(env)


def test_default_env_passes_gymnasium_and_sb3_checkers():
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    _check_gym(gym.make(ENV_ID).unwrapped)
    sb3_check_env(LinearScalarization(gym.make(ENV_ID)))
    sb3_check_env(LinearScalarization(gym.make(ENV_ID), [0.2, 0.8]))


def test_reward_is_float32_vector_inside_reward_space():
    env = gym.make(ENV_ID)
    obs, info = env.reset(seed=0)
    assert obs.dtype == np.float32 and obs.sum() == 1.0 and obs[info["context"]] == 1.0
    assert env.unwrapped.reward_space.shape == (2,)
    for action in range(5):
        _, reward, terminated, truncated, info = env.step(action)
        assert reward.dtype == np.float32 and reward.shape == (2,)
        assert env.unwrapped.reward_space.contains(reward)
        assert terminated and not truncated
        np.testing.assert_allclose(info["expected_reward"], info["expected_rewards"][action])
        env.reset()


def test_gaussian_noise_makes_the_reward_space_unbounded():
    env = MultiObjectiveBanditEnv(noise="gaussian")
    assert np.all(np.isinf(env.reward_space.high))


def test_bernoulli_rewards_average_to_the_expected_reward():
    env = gym.make(ENV_ID, horizon=4000)
    env.reset(seed=3)
    rewards, means = [], []
    for _ in range(4000):
        _, reward, _, _, info = env.step(0)
        rewards.append(reward)
        means.append(info["expected_reward"])
    # Bernoulli std <= 0.5, so the SE of a 4000-draw mean is <= 0.008; 4 SE.
    np.testing.assert_allclose(np.mean(rewards, 0), np.mean(means, 0), atol=0.032)


def test_deterministic_under_seed():
    def trajectory(seed):
        env = gym.make(ENV_ID)
        out = []
        obs, _ = env.reset(seed=seed)
        for t in range(20):
            obs2, reward, *_ = env.step(t % 32)
            out.append(np.concatenate([obs, reward]))
            obs, _ = env.reset()
        return np.array(out)

    np.testing.assert_array_equal(trajectory(7), trajectory(7))
    assert not np.array_equal(trajectory(7), trajectory(8))


def test_instance_is_fixed_by_problem_seed_not_reset_seed():
    env = MultiObjectiveBanditEnv()
    table = env.expected_reward_table.copy()
    env.reset(seed=123)
    np.testing.assert_array_equal(env.expected_reward_table, table)
    other = MultiObjectiveBanditEnv(problem_seed=1)
    assert not np.allclose(other.expected_reward_table, table)
    assert np.all(table >= 0) and np.all(table <= 1)


def test_instance_seed_is_a_deprecated_alias_of_problem_seed():
    with pytest.warns(DeprecationWarning, match="problem_seed"):
        old = MultiObjectiveBanditEnv(instance_seed=4)
    np.testing.assert_array_equal(
        old.expected_reward_table, MultiObjectiveBanditEnv(problem_seed=4).expected_reward_table
    )
    assert old.instance_seed == old.problem_seed == 4
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="disagree"):
        MultiObjectiveBanditEnv(instance_seed=4, problem_seed=5)


def test_optimal_policy_maximises_the_kl_regularised_objective():
    env = MultiObjectiveBanditEnv(n_contexts=4, n_actions=6, kl_coef=0.2)
    rng = np.random.default_rng(0)
    for w in ([1.0, 0.0], [0.3, 0.7], [0.5, 0.5]):
        best = np.dot(w, env.objective_values(env.optimal_policy(w)))
        for _ in range(50):
            logits = np.log(env.optimal_policy(w)) + 0.3 * rng.normal(size=(4, 6))
            other = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
            assert np.dot(w, env.objective_values(other)) < best
            random = rng.dirichlet(np.ones(6), size=4)
            assert np.dot(w, env.objective_values(random)) < best
    # Closed form: beta * mean log E_ref[exp(w.mu / beta)] is the optimal value.
    w = np.array([0.3, 0.7])
    log_z = np.logaddexp.reduce(
        env.reference_log_probs + env.expected_reward_table @ w / env.kl_coef, axis=1
    )
    assert np.dot(w, env.objective_values(env.optimal_policy(w))) == pytest.approx(
        env.kl_coef * log_z.mean()
    )


def test_objective_values_of_the_reference_policy_have_no_kl_cost():
    env = MultiObjectiveBanditEnv()
    ref = np.exp(env.reference_log_probs)
    expected = np.einsum("ca,cam->m", ref, env.expected_reward_table) / env.n_contexts
    np.testing.assert_allclose(env.objective_values(ref), expected)


def test_hypervolume_reference_is_dominated_by_the_exact_front():
    env = MultiObjectiveBanditEnv()
    ref = env.hypervolume_reference()
    for t in np.linspace(0, 1, 11):
        assert np.all(env.objective_values(env.optimal_policy([1 - t, t])) > ref)


def test_linear_scalarization_returns_weighted_float_and_regret():
    env = LinearScalarization(gym.make(ENV_ID, noise="gaussian"), [0.25, 0.75])
    env.reset(seed=0)
    _, reward, _, _, info = env.step(4)
    assert isinstance(reward, float)
    assert reward == pytest.approx(np.dot(info["vector_reward"], [0.25, 0.75]), rel=1e-6)
    values = info["expected_rewards"] @ np.array([0.25, 0.75])
    assert info["optimal_action"] == int(np.argmax(values))
    assert info["regret"] == pytest.approx(values.max() - values[4])
    assert env._saved_kwargs == {"weights": [0.25, 0.75]}


def test_horizon_gives_one_truncated_episode_with_next_round_info():
    env = gym.make(ENV_ID, horizon=3)
    obs, info = env.reset(seed=1)
    for t in range(3):
        obs, _, terminated, truncated, info = env.step(0)
        assert not terminated and truncated == (t == 2)
        assert obs[info["next_round_context"]] == 1.0


def test_mo_gymnasium_linear_reward_works_on_the_env():
    mo_gym = pytest.importorskip("mo_gymnasium")
    env = mo_gym.wrappers.LinearReward(gym.make(ENV_ID), weight=np.array([0.5, 0.5]))
    env.reset(seed=0)
    _, reward, *_ = env.step(0)
    assert np.ndim(reward) == 0


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_contexts": 0}, "n_contexts"),
        ({"n_actions": 1}, "n_actions"),
        ({"n_objectives": 1}, "n_objectives"),
        ({"kl_coef": 0.0}, "kl_coef"),
        ({"reference_scale": -1.0}, "reference_scale"),
        ({"noise": "cauchy"}, "noise"),
        ({"problem_seed": -1}, "problem_seed"),
        ({"horizon": 0}, "horizon"),
    ],
)
def test_invalid_arguments_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        MultiObjectiveBanditEnv(**kwargs)


@pytest.mark.parametrize("weights", [[0.5, 0.6], [1.5, -0.5], [1.0], [[0.5, 0.5]], [np.nan, 1]])
def test_invalid_weights_raise(weights):
    env = MultiObjectiveBanditEnv()
    with pytest.raises(ValueError, match="weights"):
        LinearScalarization(env, weights)
    with pytest.raises(ValueError, match="weights"):
        env.optimal_policy(weights)


def test_invalid_actions_and_policies_raise():
    env = MultiObjectiveBanditEnv()
    env.reset(seed=0)
    for action in (32, -1, 1.5):
        with pytest.raises(ValueError, match="action"):
            env.step(action)
    with pytest.raises(ValueError, match="policy"):
        env.objective_values(np.ones((16, 31)) / 31)
    with pytest.raises(ValueError, match="policy"):
        env.objective_values(np.ones((16, 32)))


def test_more_than_two_objectives():
    env = MultiObjectiveBanditEnv(n_objectives=3, n_contexts=4, n_actions=5)
    env.reset(seed=0)
    _, reward, *_ = env.step(1)
    assert reward.shape == (3,)
    assert env.objective_values(env.optimal_policy([0.2, 0.3, 0.5])).shape == (3,)


def test_logit_mixing_of_tabular_experts_is_exactly_optimal():
    # CLP Section 6: log pi*_w = sum_i w_i log pi*_{e_i} + const, which is why
    # the study uses an MLP rather than tabular logits.
    env = MultiObjectiveBanditEnv()
    experts = [np.log(env.optimal_policy(e)) for e in np.eye(2)]
    for w in ([0.3, 0.7], [0.9, 0.1]):
        mixed = w[0] * experts[0] + w[1] * experts[1]
        mixed = np.exp(mixed - np.logaddexp.reduce(mixed, axis=1, keepdims=True))
        np.testing.assert_allclose(mixed, env.optimal_policy(w), atol=1e-10)


def test_reset_can_pin_the_context_without_advancing_the_stream():
    env = gym.make(ENV_ID, n_contexts=8)
    twin = gym.make(ENV_ID, n_contexts=8)
    env.reset(seed=3)
    twin.reset(seed=3)
    obs, info = env.reset(options={"context": 5})
    assert info["context"] == 5 and obs[5] == 1.0 and obs.sum() == 1.0
    np.testing.assert_array_equal(info["expected_rewards"], env.unwrapped.expected_reward_table[5])
    _, reward, terminated, _, step_info = env.step(0)
    assert terminated and step_info["context"] == 5
    # The pinned reset drew no context: the next free draws match the twin's.
    # (Reward draws do use np_random, so compare after the same number of steps.)
    twin.reset(options={"context": 5})
    twin.step(0)
    assert [env.reset()[1]["context"] for _ in range(20)] == [
        twin.reset()[1]["context"] for _ in range(20)
    ]
    with pytest.raises(ValueError, match="context"):
        env.reset(options={"context": 8})
    with pytest.raises(ValueError, match="unknown keys"):
        env.reset(options={"prompt": 1})


def test_a_mean_table_beyond_max_size_entries_is_refused_naming_the_product():
    with pytest.raises(
        ValueError,
        match=r"n_contexts \* n_actions \* n_objectives = 1000 \* 5000 \* 3 = 15000000 is out",
    ):
        MultiObjectiveBanditEnv(n_contexts=1000, n_actions=5000, n_objectives=3)
