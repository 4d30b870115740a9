"""rlsuite/DataMixture-v1: checkers, determinism, action validation, and the training model."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlsuite.envs  # noqa: F401 - registers the env
from rlsuite.envs.data_mixture import (
    DataMixtureEnv,
    bigram_cross_entropy,
    check_mixture,
    fit_bigram_model,
)

ENV_ID = "rlsuite/DataMixture-v1"


def _step(env: gym.Env, action) -> tuple[float, dict]:
    env.reset()
    _, reward, terminated, truncated, info = env.step(np.asarray(action, dtype=np.float32))
    assert terminated and not truncated
    return reward, info


# SB3 recommends a [-1, 1] action box; mixture weights are naturally [0, 1].
@pytest.mark.filterwarnings("ignore:We recommend you to use a symmetric")
def test_passes_gymnasium_and_sb3_checkers() -> None:
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make(ENV_ID)
    check_env(env.unwrapped)
    sb3_check_env(env)


def test_reset_seed_fixes_task_and_training_noise() -> None:
    def trajectory(seed: int) -> list[float]:
        env = gym.make(ENV_ID)
        env.reset(seed=seed)
        rewards = []
        for _ in range(3):
            _, reward, *_ = env.step(np.array([0.4, 0.3, 0.2, 0.1], dtype=np.float32))
            rewards.append(reward)
            env.reset()
        return rewards

    assert trajectory(3) == trajectory(3)
    assert trajectory(3) != trajectory(4)


def test_problem_seed_fixes_the_task_and_reset_seeds_do_not_redraw_it() -> None:
    env = DataMixtureEnv(problem_seed=3)
    first = env.transitions.copy()
    env.reset(seed=0)
    env.reset(seed=1)
    np.testing.assert_array_equal(env.transitions, first)
    assert not np.allclose(DataMixtureEnv(problem_seed=4).transitions, first)
    # problem_seed=None is v0: a seeded reset redraws, and problem_seed=s is v0's reset(seed=s).
    legacy = DataMixtureEnv(problem_seed=None)
    legacy.reset(seed=3)
    np.testing.assert_array_equal(legacy.transitions, first)
    legacy.reset()
    np.testing.assert_array_equal(legacy.transitions, first)
    legacy.reset(seed=1)
    assert not np.allclose(legacy.transitions, first)


def test_action_is_normalised_so_rescaling_gives_the_same_run() -> None:
    env = DataMixtureEnv()
    env.reset(seed=5)
    reward_a = env.step(np.array([0.2, 0.2, 0.1, 0.1], dtype=np.float32))
    env.reset(seed=5)
    reward_b = env.step(np.array([0.4, 0.4, 0.2, 0.2], dtype=np.float32))
    assert reward_a[1] == reward_b[1]
    np.testing.assert_allclose(reward_a[4]["mixture"], [1 / 3, 1 / 3, 1 / 6, 1 / 6])


@pytest.mark.parametrize(
    "action, message",
    [
        ([-0.1, 0.5, 0.3, 0.3], "out of range"),
        ([0.0, 0.0, 0.0, 0.0], "all zero"),
        ([np.nan, 0.5, 0.2, 0.3], "non-finite"),
        ([np.inf, 0.5, 0.2, 0.3], "non-finite"),
        ([1.5, 0.5, 0.2, 0.3], "out of range"),
        ([0.5, 0.5, 0.0], "shape"),
        ("uniform", "shape"),
    ],
)
def test_invalid_actions_raise_and_are_not_clamped(action, message: str) -> None:
    env = DataMixtureEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match=message):
        env.step(np.asarray(action) if not isinstance(action, str) else action)
    with pytest.raises(ValueError, match=message):
        check_mixture(action, 4)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_domains": 1}, "n_domains"),
        ({"vocab_size": 1}, "vocab_size"),
        ({"sequence_length": 1}, "sequence_length"),
        ({"token_budget": 8, "sequence_length": 32}, "token_budget"),
        ({"smoothing": 0.0}, "smoothing"),
        ({"concentration": -1.0}, "concentration"),
        ({"specificity": 1.5}, "specificity"),
        ({"relatedness": -0.1}, "relatedness"),
        ({"validation_domains": (0, 0)}, "validation_domains"),
        ({"validation_domains": (0, 4)}, "validation_domains"),
        ({"validation_domains": 0}, "validation_domains"),
        ({"validation_weight": 2.0}, "validation_weight"),
    ],
)
def test_invalid_arguments_raise_value_error_naming_them(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        DataMixtureEnv(**kwargs)


def test_step_before_reset_raises() -> None:
    with pytest.raises(RuntimeError, match="reset"):
        DataMixtureEnv().step(np.ones(4, dtype=np.float32))


def test_reward_is_minus_validation_loss_and_info_has_per_domain_losses() -> None:
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    reward, info = _step(env, [0.25, 0.25, 0.25, 0.25])
    assert isinstance(reward, float) and reward == -info["validation_loss"]
    assert info["domain_losses"].shape == (4,)
    assert info["bigram_probs"].shape == (40, 40)
    np.testing.assert_allclose(info["bigram_probs"].sum(axis=1), 1.0)
    assert info["sequences_per_domain"].sum() == 16384 // 32
    unwrapped = env.unwrapped
    bound = np.log(40) + np.log(1 + unwrapped.token_budget / (40 * unwrapped.smoothing))
    assert 0.0 < info["validation_loss"] < bound


def test_each_domain_is_best_predicted_by_training_on_it() -> None:
    # Column d: domain d's loss after training on each domain alone. Training on d
    # itself must give the lowest; a related domain may still be predicted better
    # than d by some other single-domain model (transfer), so rows are not checked.
    env = gym.make(ENV_ID, problem_seed=1)
    env.reset(seed=1)
    losses = np.array([_step(env, np.eye(4)[d])[1]["domain_losses"] for d in range(4)])
    np.testing.assert_array_equal(np.argmin(losses, axis=0), np.arange(4))


def test_end_task_sources_beat_their_relatives_and_the_rest() -> None:
    # Loss noise is ~0.005 nats; these gaps are > 0.1 nats at every seed tried.
    env = gym.make(ENV_ID, problem_seed=2)
    env.reset(seed=2)
    sources, _ = _step(env, [0.5, 0.5, 0.0, 0.0])
    relatives, _ = _step(env, [0.0, 0.0, 0.5, 0.5])
    one_sided, _ = _step(env, [1.0, 0.0, 0.0, 0.0])
    assert sources > relatives + 0.1
    assert sources > one_sided + 0.1


def test_sampled_corpus_matches_the_domain_bigram_frequencies() -> None:
    # 20,000 sequences give N = 620,000 bigrams; the expected total variation
    # over the 1,600 cells is about 0.5 * sqrt(2 / (pi N)) * sum_ab sqrt(p_ab)
    # <= 0.5 * 0.8 * 40 / sqrt(N) = 0.02 for i.i.d. pairs; 0.06 leaves room for
    # the Markov dependence, while a wrong domain or CDF gives TV > 0.3.
    env = DataMixtureEnv(token_budget=20_000 * 32)
    env.reset(seed=0)
    counts, per_domain = env.sample_bigram_counts(np.array([0.0, 1.0, 0.0, 0.0]))
    assert per_domain.tolist() == [0, env.n_sequences, 0, 0]
    frequencies = counts / counts.sum()
    assert 0.5 * np.abs(frequencies - env.domain_bigram_weights[1]).sum() < 0.06


def test_cross_entropy_is_minimised_by_the_true_transitions() -> None:
    env = DataMixtureEnv()
    env.reset(seed=0)
    weights = env.domain_bigram_weights[0]
    entropy_rate = bigram_cross_entropy(env.transitions[0], weights)
    others = bigram_cross_entropy(env.transitions[1:], weights)
    smoothed = bigram_cross_entropy(fit_bigram_model(np.zeros((40, 40)), 0.1), weights)
    assert np.all(others > entropy_rate)
    np.testing.assert_allclose(smoothed, np.log(40))


def _offset_searchsorted_counts(env, mixture):
    """The corpus sampler the env had before CategoricalTable (row-offset flat CDFs)."""

    def offset_cdfs(probabilities):
        cdfs = np.cumsum(probabilities, axis=-1)
        cdfs /= cdfs[:, -1:]
        return (cdfs + np.arange(cdfs.shape[0])[:, None]).ravel()

    v = env.vocab_size

    def sample_rows(flat, rows):
        position = np.searchsorted(flat, rows + env.np_random.random(rows.shape[0]), side="left")
        return np.minimum(position - rows * v, v - 1)

    start, table = offset_cdfs(env.stationary), offset_cdfs(env.transitions.reshape(-1, v))
    domains = env.np_random.choice(env.n_domains, size=env.n_sequences, p=mixture)
    tokens = sample_rows(start, domains)
    pairs = []
    for _ in range(env.sequence_length - 1):
        following = sample_rows(table, domains * v + tokens)
        pairs.append(tokens * v + following)
        tokens = following
    return np.bincount(np.ravel(pairs), minlength=v * v).reshape(v, v)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_corpus_sampler_keeps_the_stream_of_the_searchsorted_sampler_it_replaced(seed):
    from rlsuite.envs.data_mixture import FactoredDataMixtureEnv

    for env in (DataMixtureEnv(problem_seed=seed), FactoredDataMixtureEnv(problem_seed=seed)):
        mixture = np.random.default_rng(seed).dirichlet(np.ones(env.n_domains))
        env.reset(seed=seed)
        counts, _ = env.sample_bigram_counts(mixture)
        env.reset(seed=seed)
        np.testing.assert_array_equal(counts, _offset_searchsorted_counts(env, mixture))
