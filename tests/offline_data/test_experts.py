"""Tests of the scripted expert generator (rlsuite.offline_data.experts)."""

import gymnasium as gym
import numpy as np
import pytest

from rlsuite.offline_data.experts import (
    REF_SCORES,
    BatchSimulator,
    generate_expert_episodes,
    make_experts,
)


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Acrobot-v1"])
def test_batch_simulator_matches_gymnasium_step_by_step(env_id):
    sim = BatchSimulator(env_id)
    env = gym.make(env_id).unwrapped
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    for t in range(150):
        state = np.array(env.state, dtype=np.float64)[None]
        action = int(rng.integers(sim.n_actions))
        obs, reward, terminated, _, _ = env.step(action)
        next_state, sim_reward, sim_terminated = sim.step(state, np.array([action]))
        np.testing.assert_allclose(sim.observe(next_state)[0], obs, atol=1e-5)
        assert sim_reward[0] == reward and bool(sim_terminated[0]) == terminated
        if terminated:
            env.reset(seed=t)


def test_generation_is_deterministic_and_tags_every_episode():
    first = generate_expert_episodes("Acrobot-v1", 6, 2, seed=3)
    again = generate_expert_episodes("Acrobot-v1", 6, 2, seed=3)
    other = generate_expert_episodes("Acrobot-v1", 6, 2, seed=4)
    assert len(first) == 12
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.observations, b.observations)
        np.testing.assert_array_equal(a.actions, b.actions)
    assert any(len(a.actions) != len(b.actions) for a, b in zip(first, other))
    for ep in first:
        assert len(ep.observations) == len(ep.actions) + 1
        assert set(ep.infos["expert_id"]) == {ep.expert_id}
    assert sorted({ep.expert_id for ep in first}) == list(range(6))


def test_experts_differ_but_all_beat_random_by_far():
    experts = make_experts("CartPole-v1", 5, seed=0)
    assert not np.allclose(experts[0].weights, experts[1].weights)
    for env_id in ("CartPole-v1", "Acrobot-v1"):
        returns = [ep.rewards.sum() for ep in generate_expert_episodes(env_id, 20, 1, seed=0)]
        low, high = REF_SCORES[env_id]
        # Random play scores `low`; the experts must sit near `high` (CartPole: all 500).
        assert np.mean(returns) > low + 0.8 * (high - low)


def test_expert_is_a_collect_policy_and_minari_round_trip(tmp_path, monkeypatch):
    pytest.importorskip("minari")
    from rlsuite.agents.private._common import as_expert_data
    from rlsuite.offline_data import collect

    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path))
    experts = make_experts("Acrobot-v1", 3, seed=0)
    policies = {f"expert{i}": e for i, e in enumerate(experts)}
    dataset = collect(
        "Acrobot-v1", policies, 1, "rlsuite/Acrobot/experts-test-v0", seed=0,
        policy_key="expert_id", ref_min_score=-500.0, ref_max_score=-132.0,
    )  # fmt: skip
    data = as_expert_data(dataset)
    assert data.n_experts == 3 and data.n_actions == 3 and data.env_id == "Acrobot-v1"
    untagged = collect("Acrobot-v1", policies, 1, "rlsuite/Acrobot/untagged-test-v0", seed=0)
    with pytest.raises(ValueError, match="expert_id"):
        as_expert_data(untagged)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="env_id"):
        make_experts("Pendulum-v1", 3)
    with pytest.raises(ValueError, match="n_experts"):
        make_experts("CartPole-v1", 0)
    with pytest.raises(ValueError, match="episodes_per_expert"):
        generate_expert_episodes("CartPole-v1", 3, 0)


def test_batch_simulator_lives_in_envs_and_old_import_still_works():
    from rlsuite.envs import batch_simulator
    from rlsuite.offline_data import experts

    assert experts.BatchSimulator is batch_simulator.BatchSimulator
    assert experts.sample_actions is batch_simulator.sample_actions
    with pytest.raises(ValueError, match="env_id='Pong-v5'"):
        batch_simulator.BatchSimulator("Pong-v5")


def test_private_agents_do_not_import_offline_data_experts():
    from pathlib import Path

    import rlsuite.agents.private as private

    for path in Path(private.__file__).parent.glob("*.py"):
        source = path.read_text()
        assert "from rlsuite.offline_data.experts import" not in source, path.name


# ------------------------------------------------------------------ RL-trained experts (tiny)
TINY_STEPS = 1024  # two PPO rollouts: fast, and the tests never need the real cache


@pytest.fixture(scope="module")
def tiny_cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("experts"))


def test_trained_base_policy_is_cached_and_reloaded(tiny_cache):
    from pathlib import Path

    from rlsuite.offline_data.experts import train_base_policy

    first = train_base_policy("CartPole-v1", 0, TINY_STEPS, cache_dir=tiny_cache)
    path = Path(tiny_cache) / "CartPole-v1" / f"ppo_0_{TINY_STEPS}.npz"
    assert path.exists()
    again = train_base_policy("CartPole-v1", 0, TINY_STEPS, cache_dir=tiny_cache)
    assert set(first) == set(again) and all(np.array_equal(first[k], again[k]) for k in first)


def test_cache_dir_follows_the_environment_variable(monkeypatch, tmp_path):
    from rlsuite.offline_data.experts import expert_cache_dir

    monkeypatch.setenv("RLSUITE_EXPERT_CACHE", str(tmp_path))
    assert expert_cache_dir() == tmp_path
    monkeypatch.delenv("RLSUITE_EXPERT_CACHE")
    assert str(expert_cache_dir()).endswith(".cache/rlsuite/experts")


def test_network_expert_reproduces_the_sb3_policy_distribution():
    import torch
    from stable_baselines3 import PPO

    from rlsuite.offline_data.experts import NetworkExpert, _mlp_arrays

    model = PPO(
        "MlpPolicy", "Acrobot-v1", seed=3, device="cpu", policy_kwargs={"net_arch": [64, 64]}
    )
    arrays = _mlp_arrays(model)
    expert = NetworkExpert("Acrobot-v1", arrays, arrays["head_w"], arrays["head_b"], 1.0)
    obs = np.random.default_rng(0).normal(size=(7, 6)).astype(np.float32)
    with torch.no_grad():
        sb3 = model.policy.get_distribution(torch.as_tensor(obs)).distribution.probs.numpy()
    np.testing.assert_allclose(expert.action_probs(obs), sb3, atol=1e-5)


def test_trained_experts_batched_paths_agree_and_generate_episodes(tiny_cache):
    from rlsuite.agents.private.prefix_release import expert_log_probs
    from rlsuite.offline_data.experts import batched_probs, expert_agreement

    experts = make_experts(
        "CartPole-v1", 6, seed=1, kind="trained", n_base=2, timesteps=TINY_STEPS,
        cache_dir=tiny_cache,
    )  # fmt: skip
    assert experts[0].base is experts[2].base and experts[0].base is not experts[1].base
    assert len({e.inverse_temperature for e in experts}) == 6
    episodes = generate_expert_episodes("CartPole-v1", 6, 1, seed=1, experts=experts)
    assert [e.expert_id for e in episodes] == list(range(6))
    obs, actions = episodes[0].observations[:-1], episodes[0].actions
    each = np.stack([e.action_probs(obs) for e in experts])
    np.testing.assert_allclose(batched_probs(experts, obs), each, atol=1e-12)
    owner = np.arange(len(obs)) % 6
    np.testing.assert_allclose(
        batched_probs(experts, obs, owner), each[owner, np.arange(len(obs))], atol=1e-12
    )

    class Plain:  # only action_probs: forces the generic per-policy path
        def __init__(self, expert):
            self.action_probs = expert.action_probs

    fast = expert_log_probs(experts, obs, actions)
    slow = expert_log_probs([Plain(e) for e in experts], obs, actions)
    np.testing.assert_allclose(fast, slow, atol=1e-9)
    agreement = expert_agreement(experts, episodes)
    assert 0.5 <= agreement["argmax_agreement"] <= 1.0
    assert 0.0 < agreement["logged_action_prob"] <= 1.0
    same = expert_agreement([experts[0]] * 3, episodes)
    assert same["argmax_agreement"] == 1.0


def test_make_experts_rejects_unknown_kinds_and_stray_options():
    with pytest.raises(ValueError, match="kind='rl'"):
        make_experts("CartPole-v1", 3, kind="rl")
    with pytest.raises(TypeError, match="n_base"):
        make_experts("CartPole-v1", 3, n_base=2)
    with pytest.raises(ValueError, match="len\\(experts\\)"):
        generate_expert_episodes("CartPole-v1", 4, 1, experts=make_experts("CartPole-v1", 3))


def test_expert_action_draws_keep_the_stream_of_the_cumsum_sampler_they_replaced():
    # policy(obs, rng) now draws with envs.validation.sample_categorical; the recorded
    # expert_dp datasets were collected with the hand-written searchsorted sampler.
    expert = make_experts("Acrobot-v1", 1, seed=2)[0]
    obs = np.random.default_rng(1).normal(size=(500, 6))
    new_rng, old_rng = np.random.default_rng(9), np.random.default_rng(9)
    for row in obs:
        probs = expert.action_probs(row)
        old = min(int(np.searchsorted(np.cumsum(probs), old_rng.random())), len(probs) - 1)
        assert expert(row, new_rng) == old
