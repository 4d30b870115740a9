import numpy as np
import pytest
import torch

pytest.importorskip("stable_baselines3")
from stable_baselines3 import PPO  # noqa: E402
from stable_baselines3.common.callbacks import BaseCallback  # noqa: E402

from rlsuite.agents.process.sb3_callback import (  # noqa: E402
    ProcessAdvantageCallback,
    prover_advantages,
)
from rlsuite.agents.process.wrapper import ProcessRewardWrapper  # noqa: E402
from rlsuite.envs.planted_sequence import PlantedSequenceEnv  # noqa: E402


def test_prover_advantages_match_the_wrappers_per_step_advantage():
    env = ProcessRewardWrapper(PlantedSequenceEnv(), prover=10.0, alpha=1.0)
    rng = np.random.default_rng(0)
    observations, actions, expected = [], [], []
    obs, info = env.reset(seed=3)
    target = info["target"]
    for _ in range(40):  # 4 episodes, mixing target tokens in so every matching state occurs
        done = False
        while not done:
            action = int(
                target[rng.integers(len(target))] if rng.random() < 0.7 else rng.integers(15)
            )
            observations.append(obs.copy())
            actions.append(action)
            obs, _, terminated, truncated, info = env.step(action)
            expected.append(info["prover_advantage"])
            done = terminated or truncated
        obs, _ = env.reset()
    got = prover_advantages(np.array(observations), np.array(actions), target, 10.0, 15)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert np.ptp(got) > 0.1  # the episodes reach states where the advantage is large


class _Record(BaseCallback):
    def __init__(self) -> None:
        super().__init__()
        self.advantages: list[np.ndarray] = []

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        self.advantages.append(self.model.rollout_buffer.advantages.copy())


def test_callback_adds_alpha_times_the_prover_advantage_to_ppo_advantages():
    env = PlantedSequenceEnv()
    env.reset(seed=1)
    model = PPO("MlpPolicy", env, n_steps=40, batch_size=40, n_epochs=1, seed=1, device="cpu")
    before, after = _Record(), _Record()
    model.learn(40, callback=[before, ProcessAdvantageCallback(10.0, alpha=0.5), after])
    buffer = model.rollout_buffer  # flattened to (n_steps * n_envs, ...) by training
    bonus = prover_advantages(
        buffer.observations.reshape(40, -1),
        buffer.actions.reshape(-1),
        env.target,
        10.0,
        env.vocab_size,
    )
    np.testing.assert_allclose(
        after.advantages[0][:, 0] - before.advantages[0][:, 0], 0.5 * bonus, atol=1e-6
    )
    assert np.abs(bonus).max() > 0


def test_ppo_with_the_process_advantage_learns_the_first_target_token():
    # Five rollouts of 2048 steps. Outcome-only PPO sees reward 0 in every episode
    # (success of a random response ~ 8e-6), so its first-token distribution only
    # drifts around uniform (1/15; checked: largest of the 15 probabilities 0.11);
    # with alpha * A^mu the first token of y* has the largest advantage at h = 0 in
    # every episode (checked: 0.35 after these 10,240 steps, 0.12 after 6,144).
    torch.set_num_threads(1)
    probs = {}
    for label, callback in (("outcome", None), ("pav", ProcessAdvantageCallback(10.0))):
        env = PlantedSequenceEnv()
        obs, info = env.reset(seed=0)
        model = PPO("MlpPolicy", env, learning_rate=1e-3, batch_size=256, n_epochs=4, seed=0)
        model.learn(10_240, callback=callback)
        with torch.no_grad():
            dist = model.policy.get_distribution(model.policy.obs_to_tensor(obs)[0])
        probs[label] = float(dist.distribution.probs[0, info["target"][0]])
    assert probs["pav"] > 0.2 > probs["outcome"]


def test_callback_rejects_negative_alpha():
    with pytest.raises(ValueError, match="alpha"):
        ProcessAdvantageCallback(10.0, alpha=-1.0)
