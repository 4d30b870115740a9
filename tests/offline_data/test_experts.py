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
