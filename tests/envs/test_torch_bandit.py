"""The torch backend poses the same problem with the same reward law as the numpy env."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

torch = pytest.importorskip("torch")

from rlsuite.envs.multi_armed_bandit import MultiArmedBanditVectorEnv  # noqa: E402
from rlsuite.envs.noise import Gaussian, StudentT  # noqa: E402
from rlsuite.envs.torch_bandit import (  # noqa: E402
    TorchBanditBatch,
    epsilon_greedy_step,
    gradient_bandit_step,
)


@pytest.mark.parametrize("noise", [StudentT(df=3.0, scale=0.5), Gaussian(std=2.0)])
def test_reward_law_matches_the_numpy_backend(noise):
    n = 1_000_000
    batch = TorchBanditBatch(np.array([0.3]), n, noise, seed=1, dtype="float64")
    torch_rewards = batch.step(torch.zeros(n, dtype=torch.int64))[0].numpy()
    numpy_rewards = noise.sample_rewards(np.random.default_rng(1), np.full(n, 0.3))
    # Two-sample KS at 1e6 draws each: a false alarm has probability 1e-3 (p-value
    # threshold); a scale off by 1% gives D ~ 3e-3, above the critical 2.8e-3.
    assert stats.ks_2samp(torch_rewards, numpy_rewards).pvalue > 1e-3


def test_fixed_seed_runs_learn_the_numpy_envs_best_arm():
    env = MultiArmedBanditVectorEnv(
        num_envs=1, n_arms=5, noise=StudentT(df=3.0, scale=0.3), problem_seed=3
    )
    env.reset(seed=0)
    means = env.means[0]
    batch = TorchBanditBatch(means, 64, StudentT(df=3.0, scale=0.3), seed=0)
    counts, sums = torch.zeros(64, 5), torch.zeros(64, 5)
    logits = torch.zeros(64, 5)
    for _ in range(2000):
        epsilon_greedy_step(batch, counts, sums, 0.1)
        gradient_bandit_step(batch, logits, 0.5)
    best = int(np.argmax(means))
    values = sums / counts.clamp(min=1)  # the greedy arm of the learned means
    # A clear majority of the 64 runs ends on the numpy env's best arm (random play: 1/5).
    assert (values.argmax(dim=1) == best).float().mean() > 0.6
    assert (logits.argmax(dim=1) == best).float().mean() > 0.6
    again = TorchBanditBatch(means, 64, StudentT(df=3.0, scale=0.3), seed=0)
    c2, s2 = torch.zeros(64, 5), torch.zeros(64, 5)
    for _ in range(2000):
        epsilon_greedy_step(again, c2, s2, 0.1)
        gradient_bandit_step(again, torch.zeros(64, 5), 0.5)
    assert torch.equal(c2, counts)  # one seeded generator: the run repeats exactly


def test_bad_noise_raises():
    with pytest.raises(ValueError, match="integer"):
        TorchBanditBatch(np.zeros(3), 2, StudentT(df=2.5))
    with pytest.raises(ValueError, match="shape"):
        TorchBanditBatch(np.zeros((3, 3)), 2, Gaussian())


def test_torch_bandit_batch_is_deprecated():
    with pytest.warns(DeprecationWarning, match="backend='torch'"):
        TorchBanditBatch(np.zeros(3), 2, Gaussian())
