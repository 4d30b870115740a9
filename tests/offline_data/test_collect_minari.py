"""collect(): K-policy Minari datasets, policy ids, reference scores, atomic writes, CLI."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

import minari
import numpy as np
import pytest

from rlsuite.offline_data import (
    MIX_KINDS,
    baseline_policies,
    collect,
    make_d4rl_datasets,
    make_mix,
    policy_names,
)
from rlsuite.offline_data.minari_io import TMP_DIR_NAME


@pytest.fixture(autouse=True)
def datasets_path(tmp_path, monkeypatch):
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "datasets"))
    return tmp_path / "datasets"


def always(action):
    return lambda obs, rng: action


def test_collect_round_trip_policy_ids_and_ref_scores():
    policies = {"left": always(0), "right": always(1), "coin": lambda o, rng: int(rng.integers(2))}
    ds = collect("CartPole-v1", policies, 3, "rlsuite/cartpole/test-v0", seed=3)
    assert ds.total_episodes == 9
    assert policy_names(ds) == ["left", "right", "coin"]
    loaded = minari.load_dataset("rlsuite/cartpole/test-v0")
    for episode in loaded.iterate_episodes():
        ids = episode.infos["policy_id"]
        assert ids.dtype == np.int64 and len(ids) == len(episode.observations)
        assert len(set(ids.tolist())) == 1
        name = policy_names(loaded)[ids[0]]
        if name in ("left", "right"):  # constant pushes: the stored actions prove the label
            assert np.all(episode.actions == (name == "right"))
    meta = loaded.storage.metadata
    assert meta["ref_max_score"] == pytest.approx(max(meta["rlsuite_policy_mean_returns"]))
    assert minari.get_normalized_score(loaded, np.array([meta["ref_max_score"]]))[0] == 1.0


def test_same_seed_same_dataset_and_many_policies_keyed():
    policies = {f"e{i}": always(i % 2) for i in range(12)}
    a = collect("CartPole-v1", policies, 2, "rlsuite/cartpole/a-v0", 1, policy_key="expert_id")
    b = collect("CartPole-v1", policies, 2, "rlsuite/cartpole/b-v0", 1, policy_key="expert_id")
    ids = [int(ep.infos["expert_id"][0]) for ep in a.iterate_episodes()]
    assert ids == [i // 2 for i in range(24)]
    for ea, eb in zip(a.iterate_episodes(), b.iterate_episodes()):
        np.testing.assert_array_equal(ea.observations, eb.observations)


def test_existing_id_raises_unless_overwrite_and_bad_input():
    collect("CartPole-v1", {"l": always(0)}, 1, "rlsuite/cartpole/x-v0")
    with pytest.raises(ValueError, match="already exists"):
        collect("CartPole-v1", {"l": always(0)}, 1, "rlsuite/cartpole/x-v0")
    ds = collect("CartPole-v1", {"l": always(0)}, 2, "rlsuite/cartpole/x-v0", overwrite=True)
    assert minari.load_dataset("rlsuite/cartpole/x-v0").total_episodes == ds.total_episodes == 2
    with pytest.raises(ValueError, match="episodes_per_policy"):
        collect("CartPole-v1", {"l": always(0)}, 0, "rlsuite/cartpole/y-v0")
    with pytest.raises(ValueError, match="policies"):
        collect("CartPole-v1", {}, 1, "rlsuite/cartpole/y-v0")
    with pytest.raises(ValueError, match="dataset_id"):
        collect("CartPole-v1", {"l": always(0)}, 1, "no version")


FRESH_LOAD = """
import minari, gymnasium, numpy as np
{extra}
ds = minari.load_dataset("{id}")
env = ds.recover_environment()
print(ds.total_episodes, minari.get_normalized_score(ds, np.array([0.0]))[0], env.spec.id)
"""


@pytest.mark.parametrize(
    ("env_id", "extra"), [("CartPole-v1", ""), ("rlsuite/Inlining-v0", "import rlsuite.envs")]
)
def test_fresh_process_loads_with_minari_only(env_id, extra, datasets_path):
    collect(
        env_id,
        {"zero": always(0)},
        2,
        "rlsuite/fresh/load-v0",
        ref_min_score=-1.0,
        ref_max_score=1.0,
    )
    code = FRESH_LOAD.format(id="rlsuite/fresh/load-v0", extra=extra)
    env = {**os.environ, "MINARI_DATASETS_PATH": str(datasets_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2", "0.5", env_id]


SLOW_WRITER = """
import sys, time
import minari.dataset._storages.hdf5_storage as h5s
from rlsuite.offline_data import collect
original = h5s._add_episode_to_group
def slow(*args, **kwargs):
    print("writing", flush=True)
    time.sleep(0.02)
    return original(*args, **kwargs)
h5s._add_episode_to_group = slow
collect("CartPole-v1", {"p": lambda o, rng: 0}, 30, "rlsuite/cartpole/killed-v0")
print("done", flush=True)
"""


@pytest.mark.parametrize("kill", [True, False])
def test_killed_writer_leaves_no_dataset_or_a_complete_one(kill, datasets_path):
    env = {**os.environ, "MINARI_DATASETS_PATH": str(datasets_path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER], env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "writing"
    if kill:  # 30 episodes take >= 0.6 s to write, so 0.1 s in is mid-write
        time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=120)
    if kill:
        with pytest.raises(FileNotFoundError):
            minari.load_dataset("rlsuite/cartpole/killed-v0")
        assert "rlsuite/cartpole/killed-v0" not in minari.list_local_datasets()
        assert (datasets_path / TMP_DIR_NAME).exists()  # the half-written copy stayed hidden
    else:
        assert proc.returncode == 0
        assert minari.load_dataset("rlsuite/cartpole/killed-v0").total_episodes == 30


@pytest.mark.parametrize(("env_id", "expert_return"), [("CartPole-v1", 500.0), ("Acrobot-v1", -90)])
def test_baseline_skill_levels_are_ordered(env_id, expert_return):
    levels = ("random", "medium", "expert")
    ds = collect(env_id, baseline_policies(env_id, levels), 6, "rlsuite/bl/levels-v0")
    means = ds.storage.metadata["rlsuite_policy_mean_returns"]
    # Level means are about a third of the random-to-expert gap apart (CartPole 22 / 190 / 500,
    # Acrobot -500 / -360 / -90); episode-return sds (< 120) over 6 episodes leave each gap
    # more than 2.5 standard errors wide.
    assert means[0] < means[1] < means[2]
    assert means[2] == pytest.approx(expert_return, abs=40)
    with pytest.raises(ValueError, match="level"):
        baseline_policies(env_id, ("genius",))


def test_d4rl_mixes_keep_reference_scores():
    me = make_mix("CartPole-v1", "medium-expert", 2, "rlsuite/cartpole/medium-expert-v0")
    assert policy_names(me) == ["medium", "expert"] and me.total_episodes == 4
    low, high = me.storage.metadata["ref_min_score"], me.storage.metadata["ref_max_score"]
    assert high == 500.0 and 10.0 < low < 40.0  # random CartPole lasts ~22 steps
    replay = make_mix(
        "CartPole-v1",
        "medium-replay",
        10,
        "rlsuite/cartpole/medium-replay-v0",
        ref_scores=(low, high),
    )
    assert (
        len(policy_names(replay)) == 10
        and replay.storage.metadata["rlsuite_mix"] == "medium-replay"
    )
    assert minari.get_normalized_score(replay, np.array([high]))[0] == 1.0
    with pytest.raises(ValueError, match="kind"):
        make_mix("CartPole-v1", "expert-replay", 1, "rlsuite/cartpole/bad-v0")


def test_cli_collect(capsys):
    from rlsuite.offline_data import cli

    parser = argparse.ArgumentParser()
    cli.configure_parser(parser)
    argv = [
        "--env",
        "CartPole-v1",
        "--policies",
        "random,expert",
        "--episodes",
        "1",
        "--id",
        "rlsuite/cartpole/mixed-v0",
        "--no-progress",
    ]
    assert cli.run(parser.parse_args(argv)) == 0
    assert policy_names(minari.load_dataset("rlsuite/cartpole/mixed-v0")) == ["random", "expert"]
    assert cli.run(parser.parse_args(argv)) == 2  # exists, no --overwrite
    assert "already exists" in capsys.readouterr().err


@pytest.mark.expensive  # imports SB3 and trains PPO for 64 steps
def test_sb3_expert_is_cached(tmp_path, monkeypatch):
    from stable_baselines3 import PPO

    from rlsuite.offline_data import sb3_expert

    monkeypatch.setenv("RLSUITE_CACHE_DIR", str(tmp_path / "cache"))
    model = sb3_expert("CartPole-v1", total_timesteps=64)
    assert list((tmp_path / "cache" / "baselines").glob("*.zip"))
    monkeypatch.setattr(PPO, "learn", lambda *a, **k: pytest.fail("retrained"))
    again = sb3_expert("CartPole-v1", total_timesteps=64)
    obs = np.zeros((3, 4), dtype=np.float32)
    np.testing.assert_array_equal(
        model.predict(obs, deterministic=True)[0], again.predict(obs, deterministic=True)[0]
    )
    ds = collect("CartPole-v1", {"ppo": again}, 1, "rlsuite/cartpole/ppo-v0")
    assert policy_names(ds) == ["ppo"]


def test_save_episodes_from_a_batched_generator():
    from rlsuite.offline_data import save_episodes

    def episode(expert_id, length, terminated):
        return {
            "observations": np.zeros((length + 1, 4)),
            "actions": np.ones(length, int),
            "rewards": np.ones(length),
            "terminated": terminated,
            "expert_id": expert_id,
        }

    episodes = [episode(1, 5, True), episode(0, 3, False), episode(1, 7, True)]
    ds = save_episodes(
        "CartPole-v1",
        episodes,
        ["a", "b"],
        "rlsuite/cartpole/saved-v0",
        policy_key="expert_id",
        ref_min_score=0.0,
        ref_max_score=10.0,
    )
    loaded = [minari.load_dataset("rlsuite/cartpole/saved-v0")[i] for i in range(3)]
    assert [int(ep.infos["expert_id"][0]) for ep in loaded] == [1, 0, 1]
    assert [bool(ep.terminations[-1]) for ep in loaded] == [True, False, True]
    assert bool(loaded[1].truncations[-1]) and not loaded[0].truncations.any()
    assert ds.storage.metadata["rlsuite_policy_mean_returns"] == [3.0, 6.0]
    with pytest.raises(ValueError, match="policy_ids"):
        save_episodes(
            "CartPole-v1", episodes, ["a"], "rlsuite/cartpole/bad-v0", policy_key="expert_id"
        )


def test_all_d4rl_mixes_in_one_call_share_reference_scores():
    datasets = make_d4rl_datasets("CartPole-v1", 1, "rlsuite/cartpole")
    assert sorted(datasets) == sorted(MIX_KINDS)
    refs = {
        (ds.storage.metadata["ref_min_score"], ds.storage.metadata["ref_max_score"])
        for ds in datasets.values()
    }
    assert len(refs) == 1
    for kind in MIX_KINDS:
        assert minari.load_dataset(f"rlsuite/cartpole/{kind}-v0").total_episodes >= 1
