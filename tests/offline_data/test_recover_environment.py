"""Every kind of dataset rlsuite writes reopens its env in a process that imports only minari.

The child process never imports rlsuite: ``recover_environment()`` makes the
env from the stored spec's string entry point, whose import registers the
``rlsuite/`` ids as a side effect.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest

import rlsuite.envs  # noqa: F401
from rlsuite.envs.noise import StudentT
from rlsuite.offline_data import collect, log_bandit, make_mix, save_episodes
from rlsuite.offline_data.collect import rollout


@pytest.fixture(autouse=True)
def datasets_path(tmp_path, monkeypatch):
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "datasets"))
    return tmp_path / "datasets"


MAB = "rlsuite/MultiArmedBandit-v1"
LCB = "rlsuite/LinearContextualBandit-v0"


def uniform(obs: np.ndarray) -> np.ndarray:
    """Uniform over the 3 arms every bandit here has."""
    return np.full((len(obs), 3), 1.0 / 3)


RECOVER = """
import json, sys
import minari
out = {}
for dataset_id in sys.argv[1:]:
    ds = minari.load_dataset(dataset_id)
    env = ds.recover_environment()
    obs, _ = env.reset(seed=0)
    env.step(env.action_space.sample())
    out[dataset_id] = [
        env.spec.id,
        env.observation_space == ds.observation_space,
        env.action_space == ds.action_space,
        env.observation_space.contains(obs),
    ]
print(json.dumps(out))
"""


def recover_in_fresh_process(dataset_ids: list[str], datasets_path) -> dict:
    env = {**os.environ, "MINARI_DATASETS_PATH": str(datasets_path)}
    args = [sys.executable, "-c", RECOVER, *dataset_ids]
    out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "rlsuite" not in out.stderr  # no warning raised from our code either
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_dataset_kind_recovers_its_env_with_minari_only(datasets_path):
    mab = {"n_arms": 3, "noise": "student_t"}
    expected = {}
    collect("CartPole-v1", {"left": lambda o, rng: 0}, 1, "rlsuite/cp/collect-v0")
    expected["rlsuite/cp/collect-v0"] = "CartPole-v1"
    collect("rlsuite/Inlining-v0", {"zero": lambda o, rng: 0}, 1, "rlsuite/inl/collect-v0")
    expected["rlsuite/inl/collect-v0"] = "rlsuite/Inlining-v0"
    make_mix("CartPole-v1", "medium-replay", 2, "rlsuite/cp/mix-v0")
    expected["rlsuite/cp/mix-v0"] = "CartPole-v1"
    env = gym.make("CartPole-v1")
    episode = dict(
        zip(
            ("observations", "actions", "rewards", "terminations", "truncations"),
            rollout(env, lambda o, rng: 1, np.random.default_rng(0), seed=0),
        )
    )
    save_episodes("CartPole-v1", [episode], ["right"], "rlsuite/cp/saved-v0", policy_ids=[0])
    expected["rlsuite/cp/saved-v0"] = "CartPole-v1"
    # log_bandit from an id (native vector env), a gym.make env and a sync make_vec env
    log_bandit(MAB, uniform, 30, "rlsuite/mab/native-v0", num_envs=10, env_kwargs=mab)
    log_bandit(gym.make(MAB, **mab), uniform, 5, "rlsuite/mab/single-v0")
    sync = gym.make_vec(MAB, num_envs=2, vectorization_mode="sync", **mab)
    log_bandit(sync, uniform, 6, "rlsuite/mab/sync-v0")
    lcb = {"n_arms": 3, "dim": 2}
    log_bandit(LCB, uniform, 20, "rlsuite/lcb/native-v0", num_envs=5, env_kwargs=lcb)
    iris = {"dataset": "iris", "n_samples": 100, "problem_seed": 3}
    log_bandit("rlsuite/MulticlassBandit-v0", uniform, 20, "rlsuite/iris/log-v0", env_kwargs=iris)
    expected["rlsuite/iris/log-v0"] = "rlsuite/MulticlassBandit-v0"
    for name in ("native", "single", "sync"):
        expected[f"rlsuite/mab/{name}-v0"] = MAB
    expected["rlsuite/lcb/native-v0"] = LCB
    recovered = recover_in_fresh_process(list(expected), datasets_path)
    for dataset_id, env_id in expected.items():
        assert recovered[dataset_id] == [env_id, True, True, True], dataset_id


def test_a_spec_minari_cannot_store_warns_instead_of_failing_later():
    import minari

    with pytest.warns(UserWarning, match="not JSON"):
        log_bandit(
            MAB,
            uniform,
            4,
            "rlsuite/mab/obj-v0",
            num_envs=2,
            env_kwargs={"n_arms": 3, "noise": StudentT(3.0)},
        )
    assert minari.load_dataset("rlsuite/mab/obj-v0").spec.env_spec is None
