"""The bcmax_inlining study: PPO baseline, iterative BC-Max rounds, score, tables, claims, plots."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pandas as pd
import pytest
from stable_baselines3.common.env_checker import check_env

import rlsuite.envs  # noqa: F401
from rlsuite.agents.offline.common import rollout_policies
from rlsuite.agents.offline.inlining_heuristics import inlining_baselines
from rlsuite.agents.offline.iterative_bcmax import IterativeBCMax
from rlsuite.experiments.base import load_experiment
from rlsuite.experiments.bcmax_inlining.ppo import TrainingCorpus, train_ppo
from rlsuite.experiments.bcmax_inlining.run import evaluate_modules

CORPUS = list(range(40))


class RandomInliner:
    """Inline each call site with probability 1/2 (seeded)."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def predict(self, obs, state=None, episode_start=None, deterministic=True):
        return int(self.rng.integers(2)), state


@pytest.fixture(scope="module")
def env():
    return gym.make("rlsuite/Inlining-v0")


@pytest.fixture(scope="module")
def ppo():
    # 2 PPO updates of SB3's 2048 steps on a 40-module corpus, seed 0.
    return train_ppo(CORPUS, 4096, seed=0)


def test_corpus_wrapper_passes_sb3_check_and_plays_only_corpus_modules(env):
    wrapped = TrainingCorpus(gym.make("rlsuite/Inlining-v0"), seeds=[3, 7])
    check_env(wrapped)
    firsts = {tuple(env.reset(seed=s)[0]) for s in (3, 7)}
    wrapped.reset(seed=0)
    assert all(tuple(wrapped.reset()[0]) in firsts for _ in range(10))
    with pytest.raises(ValueError, match="seeds"):
        TrainingCorpus(gym.make("rlsuite/Inlining-v0"), seeds=[])


def test_ppo_beats_random_and_no_inlining_on_its_corpus(env, ppo):
    policy, log = ppo
    learned = evaluate_modules(env, policy, CORPUS)["reduction"].mean()
    random = evaluate_modules(env, RandomInliner(0), CORPUS)["reduction"].mean()
    # Random inlining copies shared callees and their calls everywhere: modules grow ~4x
    # (reduction ~ -3). Keeping every call scores exactly 0, inlining every call ~ -58.
    # After one PPO update (2048 steps) the greedy policy scores -0.7 to -2.2 over seeds 0-2,
    # after two -0.02 at seed 0: PPO must have learnt not to bloat (within 10 % of 0).
    assert random < -1.0 and learned > -0.1
    assert log["episodes"] > 4096 / 100  # modules have < 100 call sites


def test_ppo_is_deterministic_and_checks_arguments(env, ppo):
    one, _ = train_ppo(CORPUS, 2048, seed=1)
    again, _ = train_ppo(CORPUS, 2048, seed=1)
    obs = np.stack([env.reset(seed=s)[0] for s in range(20)])
    np.testing.assert_allclose(one.normalise(obs), again.normalise(obs))
    np.testing.assert_array_equal(one.predict(obs)[0], again.predict(obs)[0])
    with pytest.raises(ValueError, match="overrides"):
        train_ppo(CORPUS, 10, seed=0, learning_rat=1e-3)
    with pytest.raises(ValueError, match="evaluate"):
        train_ppo(CORPUS, 10, seed=0, checkpoints=2)
    with pytest.raises(ValueError, match="total_timesteps"):
        train_ppo(CORPUS, 0, seed=0)


def test_bcmax_rounds_stay_near_the_best_baseline_on_the_corpus(env, ppo):
    baselines = {**inlining_baselines(), "ppo": ppo[0]}
    data = rollout_policies(env, baselines, CORPUS)
    per_policy = {
        name: np.mean([t.episode_return for t in data if t.policy == name]) for name in baselines
    }
    best_per_module = np.mean([max(t.episode_return for t in data if t.seed == s) for s in CORPUS])
    learner = IterativeBCMax(rounds=2, env=env, epochs=15, seed=0).fit(data)
    assert learner.data_best_[0] == pytest.approx(best_per_module)
    assert np.all(np.diff(learner.data_best_) >= 0)
    for r, clone in enumerate(learner.learners_):
        train = evaluate_modules(env, clone, CORPUS)["reduction"].mean()
        # On this corpus the best single baseline scores 0.057, the per-module best 0.192
        # (PPO after two updates is bad on average but wins some modules by far). The clones
        # score 0.193-0.199. Tolerances: 1 point below the best single baseline (the brief's
        # check), and 2 points below the best in the round's data, about what one mis-imitated
        # module costs (a module's reduction swings by up to ~50 points; 50 / 40 modules).
        assert train >= max(per_policy.values()) - 0.01, (r, train, per_policy)
        assert train >= learner.data_best_[r] - 0.02, (r, train, learner.data_best_)


def test_smoke_run_scores_tables_claims_and_plots(tmp_path):
    experiment = load_experiment("bcmax_inlining")
    params = dict(experiment.sweep.SWEEPS["smoke"]["settings"][0])
    result = experiment.run(params, "iterative_bcmax", 0)
    metrics = result.metrics
    assert metrics["test_best_initial_per_module"] >= max(
        metrics[f"test_{p}"] for p in ("cost_threshold", "single_caller", "size_greedy", "ppo")
    )
    assert metrics["vs_ppo_ppo"] == 0.0
    assert metrics["data_best_r1"] >= metrics["data_best_r0"]
    df = pd.DataFrame([{"agent": "iterative_bcmax", "seed": 0, **params, **metrics}])
    scores = experiment.analysis.score(df)
    assert set(scores["agent"]) >= {"ppo", "bcmax_r0", "bcmax_r1", "noppo_bcmax_r1"}
    assert scores["score"].between(0, 1).all()
    tables = experiment.analysis.tables(df)
    claims = tables["claims"]
    assert set(claims["reproduced"]) <= {"yes", "no", "partly"} and len(claims) >= 5
    curves = pd.concat(
        pd.DataFrame({"seed": 0, "curve": name, "step": result.curve_steps[name], "value": values})
        for name, values in result.curves.items()
    )
    paths = experiment.analysis.plot(df, curves, tmp_path)
    assert len(paths) == 2 and all(p.exists() for p in paths)
    with pytest.raises(ValueError, match="agent"):
        experiment.run(params, "BCMax", 0)
