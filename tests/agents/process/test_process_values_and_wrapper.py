import numpy as np
import pytest
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from rlsuite.agents.process import GammaProver, ProcessRewardWrapper, policy_values
from rlsuite.envs.multi_armed_bandit import MultiArmedBanditEnv
from rlsuite.envs.planted_sequence import PlantedSequenceEnv, matching_automaton

TARGET = np.array([4, 7, 4, 1, 9])


def _values(gamma):
    automaton = matching_automaton(TARGET, 15)
    return policy_values(automaton, GammaProver(gamma).action_probs(TARGET, 15), 10)


def test_gamma_prover_weights_the_next_target_token():
    probs = GammaProver(10.0).action_probs(TARGET, 15)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert probs[2, 4] == pytest.approx(10 * probs[2, 0])
    np.testing.assert_allclose(GammaProver(1.0).action_probs(TARGET, 15), 1 / 15)


def test_uniform_success_probability_matches_inclusion_exclusion():
    # y* = 4 7 4 1 9 cannot overlap itself, so P(occurs in 10 tokens) = 6 p - 0 ... exactly
    # sum over start positions minus pairs of non-overlapping placements (1 pair: 0 and 5).
    p = 15.0**-5
    assert _values(1.0).v[0, 0] == pytest.approx(6 * p - p * p, rel=1e-9)


def _monte_carlo_advantage(prefix, action, gamma, n, rng):
    """Estimate Q^mu(s, a) and V^mu(s) after writing ``prefix``, by rolling mu out in the env."""
    env = PlantedSequenceEnv(target=TARGET)
    cdf = np.cumsum(GammaProver(gamma).action_probs(TARGET, 15), axis=1)

    def rollout(first):
        _, info = env.reset()
        for token in prefix:
            _, _, _, _, info = env.step(int(token))
        token = first
        while True:
            if token is None:
                token = min(int(np.searchsorted(cdf[info["matching_state"]], rng.random())), 14)
            _, reward, done, _, info = env.step(int(token))
            token = None
            if done:
                return reward

    q = np.mean([rollout(action) for _ in range(n)])
    v = np.mean([rollout(None) for _ in range(n)])
    return q, v


@pytest.mark.parametrize("prefix, action", [([], 4), ([3, 4, 7], 4), ([3, 4, 7], 0)])
def test_exact_advantage_matches_monte_carlo(prefix, action):
    # 1500 rollouts each: the standard error of Q - V is at most sqrt(2 * 0.25 / 1500) = 0.018,
    # so 4 standard errors (0.073) bounds a false failure at ~1e-4.
    gamma, n = 30.0, 1500
    values = _values(gamma)
    h, k = len(prefix), 0
    for token in prefix:
        k = int(matching_automaton(TARGET, 15)[k, token])
    q, v = _monte_carlo_advantage(prefix, action, gamma, n, np.random.default_rng(h + action))
    assert values.q[h, k, action] == pytest.approx(q, abs=4 * np.sqrt(0.25 / n))
    assert values.v[h, k] == pytest.approx(v, abs=4 * np.sqrt(0.25 / n))
    assert values.advantage[h, k, action] == pytest.approx(q - v, abs=4 * np.sqrt(0.5 / n))


def test_wrapper_adds_alpha_times_prover_advantage_and_telescopes():
    alpha, gamma = 0.5, 10.0
    env = ProcessRewardWrapper(PlantedSequenceEnv(target=TARGET), GammaProver(gamma), alpha)
    advantage = _values(gamma).advantage
    automaton = matching_automaton(TARGET, 15)
    rng = np.random.default_rng(0)
    for tokens in ([0, 4, 7, 4, 1, 9, 2, 2, 2, 2], rng.integers(0, 15, 10)):
        env.reset()
        k, total, outcome = 0, 0.0, 0.0
        for h, token in enumerate(tokens):
            _, reward, _, _, info = env.step(int(token))
            expected = alpha * advantage[h, k, token]
            assert info["process_reward"] == pytest.approx(expected)
            outcome = float(info.get("is_success", 0.0))
            assert reward == pytest.approx(expected + (outcome if h == 9 else 0.0))
            total += reward
            k = int(automaton[k, token])
        # A^mu(s_h, a_h) = V^mu(s_{h+1}) - V^mu(s_h): the bonus sums to alpha (R - V^mu(s_0)).
        v0 = _values(gamma).v[0, 0]
        assert total == pytest.approx(outcome + alpha * (outcome - v0))


def test_wrapper_records_its_arguments_and_passes_sb3_checks():
    env = ProcessRewardWrapper(PlantedSequenceEnv(), 10.0, alpha=1.0)
    assert env._saved_kwargs == {"prover": 10.0, "alpha": 1.0}
    assert env.prover == GammaProver(10.0)
    sb3_check_env(env)


def test_sb3_ppo_trains_on_the_wrapper_unchanged():
    import torch
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    env = ProcessRewardWrapper(PlantedSequenceEnv(), GammaProver(10.0), alpha=1.0)
    model = PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(128)
    action, _ = model.predict(env.reset(seed=0)[0])
    assert env.action_space.contains(int(action))


@pytest.mark.parametrize(
    "make",
    [
        lambda: ProcessRewardWrapper(PlantedSequenceEnv(), 10.0, alpha=-0.1),
        lambda: ProcessRewardWrapper(PlantedSequenceEnv(), 10.0, alpha=float("nan")),
        lambda: ProcessRewardWrapper(PlantedSequenceEnv(), "strong", alpha=1.0),
        lambda: ProcessRewardWrapper(PlantedSequenceEnv(), 0.5, alpha=1.0),
        lambda: ProcessRewardWrapper(MultiArmedBanditEnv(), 10.0, alpha=1.0),
        lambda: GammaProver(0.0),
    ],
)
def test_invalid_arguments_raise(make):
    with pytest.raises(ValueError):
        make()
