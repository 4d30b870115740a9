"""Native vector envs agree with their single-env definition, run by run."""

import gymnasium as gym
import numpy as np
import pytest
from scipy import stats

import rlsuite.envs  # noqa: F401
from rlsuite.envs.linear_contextual_bandit import (
    LinearContextualBanditEnv,
    LinearContextualBanditVectorEnv,
)
from rlsuite.envs.multi_armed_bandit import MultiArmedBanditEnv, MultiArmedBanditVectorEnv
from rlsuite.envs.multi_objective_bandit import (
    MultiObjectiveBanditEnv,
    MultiObjectiveBanditVectorEnv,
)
from rlsuite.envs.noise import StudentT
from rlsuite.envs.preference_bandit import PreferenceBanditEnv, PreferenceBanditVectorEnv
from rlsuite.envs.validation import MAX_ENTRIES, MAX_SIZE

# KS tests at level 1e-3: with fixed seeds they are deterministic, and a correct
# implementation fails with probability 0.1% over the choice of seed.
ALPHA = 1e-3
MEANS = np.array([0.1, 0.4, 0.9, 0.2])


def test_make_vec_uses_the_native_vector_env():
    envs = gym.make_vec(
        "rlsuite/MultiArmedBandit-v1", num_envs=3, vectorization_mode="vector_entry_point"
    )
    assert isinstance(envs, MultiArmedBanditVectorEnv)
    envs = gym.make_vec(
        "rlsuite/LinearContextualBandit-v0", num_envs=3, vectorization_mode="vector_entry_point"
    )
    assert isinstance(envs, LinearContextualBanditVectorEnv)


def test_mab_reward_distribution_matches_single_env():
    n = 4000
    noise = StudentT(df=3.0)
    single = MultiArmedBanditEnv(n_arms=4, means=MEANS, noise=noise, horizon=n)
    single.reset(seed=0)
    single_rewards = np.array([single.step(2)[1] for _ in range(n)])
    vector = MultiArmedBanditVectorEnv(num_envs=n, n_arms=4, means=MEANS, noise=noise)
    vector.reset(seed=1)
    _, vector_rewards, terminated, _, infos = vector.step(np.full(n, 2))
    assert terminated.all()
    assert stats.ks_2samp(single_rewards, vector_rewards).pvalue > ALPHA
    np.testing.assert_allclose(infos["expected_reward"], 0.9)
    np.testing.assert_allclose(infos["regret"], 0.0)
    np.testing.assert_array_equal(infos["optimal_action"], 2)


def test_mab_drawn_means_have_the_single_env_distribution():
    n = 2000
    single_means = []
    for seed in range(n):
        single_means.append(MultiArmedBanditEnv(n_arms=4, problem_seed=seed).means)
    # problem_seed=None (v0): every copy draws its own means at the seeded reset.
    vector = MultiArmedBanditVectorEnv(num_envs=n, n_arms=4, problem_seed=None)
    _, info = vector.reset(seed=0)
    for arm in range(4):
        pvalue = stats.ks_2samp(np.array(single_means)[:, arm], info["expected_rewards"][:, arm])
        assert pvalue.pvalue > ALPHA


def test_mab_regret_matches_single_env_for_the_same_actions():
    vector = MultiArmedBanditVectorEnv(num_envs=4, n_arms=4, means=MEANS)
    vector.reset(seed=0)
    actions = np.array([0, 1, 2, 3])
    _, _, _, _, infos = vector.step(actions)
    for run, action in enumerate(actions):
        single = MultiArmedBanditEnv(n_arms=4, means=MEANS)
        single.reset(seed=0)
        info = single.step(int(action))[-1]
        assert infos["regret"][run] == pytest.approx(info["regret"])
        assert infos["expected_reward"][run] == pytest.approx(info["expected_reward"])


def test_horizon_truncates_every_run_at_the_same_round():
    vector = MultiArmedBanditVectorEnv(num_envs=5, n_arms=3, horizon=3)
    vector.reset(seed=0)
    flags = [vector.step(np.zeros(5, dtype=np.int64))[3] for _ in range(6)]
    assert [bool(f.all()) for f in flags] == [False, False, True, False, False, True]
    assert not any(f.any() and not f.all() for f in flags)


def test_linear_regret_distribution_matches_single_env():
    n = 3000
    single = LinearContextualBanditEnv(n_arms=5, dim=4, noise="student_t")
    single.reset(seed=0)
    single_regret, single_rewards = [], []
    for _ in range(n):
        _, reward, _, _, info = single.step(0)
        single_regret.append(info["regret"])
        single_rewards.append(reward)
        single.reset()
    vector = LinearContextualBanditVectorEnv(num_envs=n, n_arms=5, dim=4, noise="student_t")
    vector.reset(seed=1)
    _, rewards, _, _, infos = vector.step(np.zeros(n, dtype=np.int64))
    assert stats.ks_2samp(single_regret, infos["regret"]).pvalue > ALPHA
    assert stats.ks_2samp(single_rewards, rewards).pvalue > ALPHA


def test_linear_heteroscedastic_scales_are_revealed_before_acting():
    vector = LinearContextualBanditVectorEnv(num_envs=2000, n_arms=3, dim=2, heteroscedastic=True)
    _, info = vector.reset(seed=0)
    shown = info["round_noise_scale"]
    _, rewards, _, _, infos = vector.step(np.zeros(2000, dtype=np.int64))
    np.testing.assert_array_equal(infos["noise_scale"], shown)
    # Gaussian noise: standardised residuals must be N(0, 1) if the revealed scale is the true one.
    z = (rewards - infos["expected_reward"]) / infos["noise_scale"]
    assert stats.kstest(z, "norm").pvalue > ALPHA
    assert not np.array_equal(infos["next_round_noise_scale"], shown)


def test_mo_vector_env_matches_the_single_env_instance_and_reward_law():
    n = 4000
    single = MultiObjectiveBanditEnv(noise="gaussian", instance_seed=3)
    vector = gym.make_vec(
        "rlsuite/MultiObjectiveBandit-v0",
        num_envs=n,
        vectorization_mode="vector_entry_point",
        noise="gaussian",
        instance_seed=3,
    )
    assert isinstance(vector, MultiObjectiveBanditVectorEnv)
    obs, info = vector.reset(seed=0)
    np.testing.assert_array_equal(obs.argmax(axis=1), info["context"])
    # Contexts are uniform over the 16 contexts (chi-square at level ALPHA).
    counts = np.bincount(info["context"], minlength=single.n_contexts)
    assert stats.chisquare(counts).pvalue > ALPHA
    actions = np.full(n, 5)
    next_obs, rewards, terminated, _, infos = vector.step(actions)
    assert terminated.all() and rewards.shape == (n, 2) and rewards.dtype == np.float32
    expected = single.expected_reward_table[info["context"], 5]
    np.testing.assert_allclose(infos["expected_reward"], expected)
    np.testing.assert_allclose(
        infos["reference_log_probs"], single.reference_log_probs[info["context"]]
    )
    # Residuals of both objectives are the single env's N(0, 1) noise.
    single.reset(seed=1)
    single_residuals = []
    for _ in range(n):
        _, reward, _, _, step_info = single.step(5)
        single_residuals.append(reward - step_info["expected_reward"])
        single.reset()
    single_residuals = np.asarray(single_residuals)
    for objective in range(2):
        residuals = rewards[:, objective] - infos["expected_reward"][:, objective]
        assert stats.ks_2samp(residuals, single_residuals[:, objective]).pvalue > ALPHA
    # Same-step autoreset: the next observation is the next round's context.
    np.testing.assert_array_equal(next_obs.argmax(axis=1), infos["next_round_context"])


def test_mo_vector_env_horizon_and_bad_actions():
    vector = MultiObjectiveBanditVectorEnv(num_envs=3, horizon=2)
    vector.reset(seed=0)
    _, _, terminated, truncated, _ = vector.step(np.zeros(3, dtype=np.int64))
    assert not terminated.any() and not truncated.any()
    _, _, terminated, truncated, _ = vector.step(np.zeros(3, dtype=np.int64))
    assert not terminated.any() and truncated.all()
    with pytest.raises(ValueError, match="actions out of range"):
        vector.step(np.full(3, 32))
    with pytest.raises(ValueError, match="n_contexts"):
        MultiObjectiveBanditVectorEnv(num_envs=2, n_contexts=0)


def test_preference_vector_env_problems_have_the_single_env_law_and_rewards_are_r_star():
    n = 300
    vector = gym.make_vec(
        "rlsuite/PreferenceBandit-v1",
        num_envs=n,
        vectorization_mode="vector_entry_point",
        reward_range=4.0,
        reference_policy="random",
        problem_seed=None,  # v0: every copy draws its own problem at a seeded reset
    )
    assert isinstance(vector, PreferenceBanditVectorEnv)
    obs, info = vector.reset(seed=0)
    tables = vector.rewards
    assert tables.shape == (n, 20, 16)
    np.testing.assert_allclose(tables.min(axis=2), 0.0)
    np.testing.assert_allclose(tables.max(axis=2), 4.0)
    assert not np.array_equal(tables[0], tables[1])  # every copy draws its own problem
    single_rows, single_reference = [], []
    for seed in range(n):
        single = PreferenceBanditEnv(reward_range=4.0, reference_policy="random", problem_seed=seed)
        single_rows.append(single.rewards[0])
        single_reference.append(single.reference_probs[0])
    single_rows, single_reference = np.asarray(single_rows), np.asarray(single_reference)
    assert stats.ks_2samp(tables[:, 0].ravel(), single_rows.ravel()).pvalue > ALPHA
    assert (
        stats.ks_2samp(vector.reference_probs[:, 0].ravel(), single_reference.ravel()).pvalue
        > ALPHA
    )
    actions = np.arange(n) % 16
    next_obs, rewards, terminated, _, infos = vector.step(actions)
    rows = tables[np.arange(n), info["context"]]
    np.testing.assert_array_equal(rewards, rows[np.arange(n), actions])
    np.testing.assert_allclose(infos["regret"], rows.max(axis=1) - rewards)
    np.testing.assert_array_equal(infos["optimal_action"], rows.argmax(axis=1))
    reference = vector.reference_probs[np.arange(n), info["context"], actions]
    np.testing.assert_allclose(infos["log_reference_prob"], np.log(reference))
    assert terminated.all()
    np.testing.assert_array_equal(next_obs.argmax(axis=1), infos["next_round_context"])
    # Problems are kept across unseeded resets and redrawn by a seeded one.
    vector.reset()
    np.testing.assert_array_equal(vector.rewards, tables)
    vector.reset(seed=1)
    assert not np.array_equal(vector.rewards, tables)


def test_preference_vector_env_fixed_rewards_horizon_and_bad_actions():
    rewards = np.tile(np.linspace(0.0, 1.0, 4), (3, 1))
    vector = PreferenceBanditVectorEnv(
        num_envs=2, n_contexts=3, n_responses=4, rewards=rewards, horizon=2
    )
    vector.reset(seed=0)
    np.testing.assert_array_equal(vector.rewards, np.stack([rewards, rewards]))
    _, reward, terminated, truncated, _ = vector.step(np.array([3, 0]))
    np.testing.assert_array_equal(reward, [1.0, 0.0])
    assert not terminated.any() and not truncated.any()
    _, _, _, truncated, _ = vector.step(np.array([1, 2]))
    assert truncated.all()
    with pytest.raises(ValueError, match="actions out of range"):
        vector.step(np.array([4, 0]))
    with pytest.raises(ValueError, match="reward_range"):
        PreferenceBanditVectorEnv(num_envs=2, reward_range=0.0)


def test_mab_vector_env_takes_the_gpu_round_of_two_to_the_twenty_copies_of_ten_arms():
    # 2^20 x 10 = 1.05e7 entries: above MAX_SIZE (a cap on one size parameter), within
    # MAX_ENTRIES (the cap on a product of them).
    runs = 2**20
    assert runs * 10 > MAX_SIZE
    env = MultiArmedBanditVectorEnv(num_envs=runs, n_arms=10)
    env.reset(seed=0)
    actions = np.arange(runs) % 10
    _, rewards, _, _, infos = env.step(actions)
    assert rewards.shape == (runs,) and infos["expected_rewards"].shape == (runs, 10)
    np.testing.assert_array_equal(infos["expected_reward"], env.means[0][actions])


@pytest.mark.parametrize(("num_envs", "n_arms"), [(2**20, 2**8), (2**17, 2**11)])
def test_mab_vector_env_refuses_more_than_max_entries_naming_the_product(num_envs, n_arms):
    assert num_envs * n_arms > MAX_ENTRIES and max(num_envs, n_arms) <= MAX_SIZE
    product = rf"num_envs \* n_arms = {num_envs} \* {n_arms} = {num_envs * n_arms} is out of range"
    with pytest.raises(ValueError, match=product):
        MultiArmedBanditVectorEnv(num_envs=num_envs, n_arms=n_arms)


def test_mab_n_arms_is_still_capped_at_max_size():
    with pytest.raises(ValueError, match=r"n_arms=10000001 is out of range"):
        MultiArmedBanditVectorEnv(num_envs=1, n_arms=MAX_SIZE + 1)
