"""qlearning_dataset(): D4RL's flat arrays from Minari datasets, ours and others'."""

from __future__ import annotations

import gymnasium as gym
import minari
import numpy as np
import pytest
from minari.data_collector import EpisodeBuffer

import rlsuite.envs  # noqa: F401
from rlsuite.offline_data import QLEARNING_KEYS, collect, log_bandit, qlearning_dataset


@pytest.fixture(autouse=True)
def datasets_path(tmp_path, monkeypatch):
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "datasets"))


# minari asks for author, e-mail, permalink, description and eval env of a dataset it
# writes itself (and the hand-made ones have no env); these test datasets have none.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*is set to None:UserWarning"),
    pytest.mark.filterwarnings("ignore:env_spec is None:UserWarning"),
]


def buffers() -> list[EpisodeBuffer]:
    """A terminated 2-step episode and a truncated 1-step episode."""
    return [
        EpisodeBuffer(
            observations=np.array([[0.0], [1.0], [2.0]], dtype=np.float32),
            actions=np.array([0, 1]),
            rewards=[1.0, 2.0],
            terminations=[False, True],
            truncations=[False, False],
        ),
        EpisodeBuffer(
            observations=np.array([[10.0], [11.0]], dtype=np.float32),
            actions=np.array([1]),
            rewards=[5.0],
            terminations=[False],
            truncations=[True],
        ),
    ]


def test_hand_computed_transitions_of_a_minari_written_dataset():
    ds = minari.create_dataset_from_buffers(
        "other/hand/flat-v0",
        buffers(),
        observation_space=gym.spaces.Box(-20.0, 20.0, (1,), np.float32),
        action_space=gym.spaces.Discrete(2),
        algorithm_name="hand",
    )
    data = qlearning_dataset(ds)
    assert tuple(data) == QLEARNING_KEYS
    np.testing.assert_array_equal(data["observations"], [[0.0], [1.0], [10.0]])
    # the last step of each episode keeps its own next observation (D4RL would drop it)
    np.testing.assert_array_equal(data["next_observations"], [[1.0], [2.0], [11.0]])
    np.testing.assert_array_equal(data["actions"], [0, 1, 1])
    np.testing.assert_array_equal(data["rewards"], [1.0, 2.0, 5.0])
    np.testing.assert_array_equal(data["terminals"], [False, True, False])
    np.testing.assert_array_equal(data["timeouts"], [False, False, True])
    assert data["observations"].dtype == np.float32 and data["terminals"].dtype == bool
    assert qlearning_dataset("other/hand/flat-v0")["rewards"].tolist() == [1.0, 2.0, 5.0]


def test_dict_observations_are_flattened_like_gymnasium():
    space = gym.spaces.Dict(
        {"pos": gym.spaces.Box(-5.0, 5.0, (2,)), "mode": gym.spaces.Discrete(3)}
    )
    episode = EpisodeBuffer(
        observations={
            "mode": np.array([2, 0]),
            "pos": np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32),
        },
        actions=np.array([1]),
        rewards=[0.5],
        terminations=[True],
        truncations=[False],
    )
    ds = minari.create_dataset_from_buffers(
        "other/hand/dict-v0",
        [episode],
        observation_space=space,
        action_space=gym.spaces.Discrete(2),
        algorithm_name="hand",
    )
    data = qlearning_dataset(ds)
    # gymnasium flattens Dict keys in sorted order, Discrete as one-hot
    np.testing.assert_array_equal(data["observations"], [[0, 0, 1, 1, 2]])
    np.testing.assert_array_equal(data["next_observations"], [[1, 0, 0, 3, 4]])


def cartpole_buffer(env: gym.Env, rng: np.random.Generator, seed: int) -> EpisodeBuffer:
    """One random episode of a plain gymnasium env, in Minari's buffer form."""
    obs, _ = env.reset(seed=seed)
    observations, actions, rewards, terms, truncs = [obs], [], [], [], []
    done = False
    while not done:
        action = int(rng.integers(2))
        obs, reward, terminated, truncated, _ = env.step(action)
        observations.append(obs)
        actions.append(action)
        rewards.append(float(reward))
        terms.append(terminated)
        truncs.append(truncated)
        done = terminated or truncated
    return EpisodeBuffer(
        observations=np.stack(observations),
        actions=np.array(actions),
        rewards=rewards,
        terminations=terms,
        truncations=truncs,
    )


def test_plain_gymnasium_env_through_minari_create_dataset_from_buffers():
    # a 15-step limit makes some episodes end by truncation, others by termination
    env = gym.make("CartPole-v1", max_episode_steps=15)
    rng = np.random.default_rng(0)
    episodes = [cartpole_buffer(env, rng, seed) for seed in range(6)]
    ds = minari.create_dataset_from_buffers(
        "other/cartpole/random-v0",
        episodes,
        env=env,
        algorithm_name="random",
    )
    data = qlearning_dataset(ds)
    n = ds.total_steps
    assert {key: len(value) for key, value in data.items()} == dict.fromkeys(QLEARNING_KEYS, n)
    start = 0
    for episode in ds.iterate_episodes():
        stop = start + len(episode.rewards)
        np.testing.assert_array_equal(
            data["next_observations"][start:stop], episode.observations[1:]
        )
        np.testing.assert_array_equal(
            data["observations"][start + 1 : stop], episode.observations[1:-1]
        )
        # exactly one end flag per episode, on its last step
        ends = data["terminals"][start:stop] | data["timeouts"][start:stop]
        assert ends.tolist() == [False] * (stop - start - 1) + [True]
        start = stop
    assert start == n
    assert data["timeouts"].sum() + data["terminals"].sum() == 6


def test_our_datasets_and_bad_input():
    collect("CartPole-v1", {"left": lambda o, rng: 0}, 2, "rlsuite/cp/q-v0")
    data = qlearning_dataset("rlsuite/cp/q-v0")
    assert data["terminals"].sum() == 2 and data["observations"].shape[1] == 4
    log_bandit(
        "rlsuite/MultiArmedBandit-v1",
        lambda obs: np.full((len(obs), 3), 1 / 3),
        10,
        "rlsuite/mab/q-v0",
        num_envs=5,
        env_kwargs={"n_arms": 3},
        rounds_per_episode=4,
    )
    data = qlearning_dataset("rlsuite/mab/q-v0")
    assert data["timeouts"].tolist() == [False, False, False, True] * 2 + [False, True]
    with pytest.raises(TypeError, match="dataset="):
        qlearning_dataset(42)
