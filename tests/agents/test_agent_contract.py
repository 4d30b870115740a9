"""One contract for every registered agent (SB3's tests/test_run.py, over our registry).

Each agent is built, trained on a tiny problem (``learn`` or ``fit``), asked
for actions, saved and loaded (the loaded agent must act exactly as the saved
one, greedy and sampled), and fed bad input. The tiny problem comes from the
agent's family (its base class in :data:`FAMILY_FIXTURES`), so a new agent of
an existing family needs no line here; a new family, or an agent that needs
other settings, adds one (:data:`NAME_FIXTURES`). A registered agent that
matches neither fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import rlsuite.envs  # noqa: F401 - registers the IDs
from rlsuite.agents import agent_class, list_agents
from rlsuite.agents.bandits.linear_base import LinearBanditAgent
from rlsuite.agents.base import Agent, BanditAgent, OfflineLearner, OnlineAgent
from rlsuite.agents.callbacks import Callback
from rlsuite.agents.multiobjective.common import SteerablePolicy
from rlsuite.agents.offline.common import MLPPolicy
from rlsuite.agents.preference.common import PreferencePolicyLearner
from rlsuite.agents.private._common import PrivateLearner


class CountSteps(Callback):
    """Counts calls; the contract checks every learner calls its callbacks."""

    def _on_step(self) -> bool:
        return True


def _env(env_id: str, **kwargs: Any) -> gym.Env:
    env = gym.make(env_id, **kwargs)
    env.reset(seed=0)
    return env


def _observations(env: gym.Env, n: int = 4) -> np.ndarray:
    return np.stack([env.reset(seed=100 + i)[0] for i in range(n)])


def _bandit(name: str) -> tuple[dict, Callable, gym.Env]:
    env = _env("rlsuite/MultiArmedBandit-v0", n_arms=3)
    return {"n_arms": 3}, lambda agent, cb: agent.learn(env, 30, callback=cb), env


def _linear_bandit(name: str) -> tuple[dict, Callable, gym.Env]:
    env = _env("rlsuite/LinearContextualBandit-v0", n_arms=3, dim=2)
    return {"n_arms": 3, "dim": 2}, lambda agent, cb: agent.learn(env, 30, callback=cb), env


def _trajectories() -> list:
    from rlsuite.agents.offline.common import Trajectory

    rng = np.random.default_rng(0)
    out = []
    for seed in range(4):
        for policy in ("a", "b"):
            obs = rng.random((5, 15)).astype(np.float32)
            out.append(
                Trajectory(
                    policy=policy,
                    seed=seed,
                    observations=obs,
                    actions=(obs[:, 0] > 0.5).astype(np.int64),
                    episode_return=float(rng.random()),
                )
            )
    return out


def _offline(name: str) -> tuple[dict, Callable, gym.Env]:
    data = _trajectories()
    kwargs: dict[str, Any] = {"epochs": 2, "hidden_sizes": (8,)}
    if name == "IterativeBCMax":
        kwargs["rounds"] = 0
    return kwargs, lambda agent, cb: agent.fit(data, callback=cb), _env("rlsuite/Inlining-v0")


def _private(name: str) -> tuple[dict, Callable, gym.Env]:
    pytest.importorskip("dp_accounting")
    from rlsuite.offline_data.experts import generate_expert_episodes

    episodes = generate_expert_episodes("CartPole-v1", 12, 1, seed=0)
    small = {"hidden_sizes": (8, 8), "seed": 0}
    kwargs = {
        "BehaviorCloning": {"steps": 5, **small},
        "ConsensusDP": {"steps": 3, "n_candidates": 2, **small},
        "PATEConsensus": {
            # Two teachers for 12 experts: a teacher with no expert crashes train_teachers
            # (IndexError, reported to the privacy helper), so keep every group non-empty.
            "n_teachers": 2,
            "n_queries": 8,
            "n_rounds": 1,
            "student_steps": 5,
            **small,
        },
    }.get(name, {"steps": 3, **small})
    return kwargs, lambda agent, cb: agent.fit(episodes, callback=cb), _env("CartPole-v1")


def _preference(name: str) -> tuple[dict, Callable, gym.Env]:
    from rlsuite.offline_data.preferences import make_preference_dataset

    env = _env("rlsuite/PreferenceBandit-v0", n_contexts=3, n_responses=4)
    data = make_preference_dataset(env, n_pairs=60, seed=0)
    kwargs = {"seed": 0} if name == "RewardModel" else {"n_steps": 5, "seed": 0}
    return kwargs, lambda agent, cb: agent.fit(data, callback=cb), env


def _pav(name: str) -> tuple[dict, Callable, gym.Env]:
    env = _env("rlsuite/PlantedSequence-v0")
    kwargs = {"gradient": "exact", "batch_size": 2, "seed": 0}
    return kwargs, lambda agent, cb: agent.learn(env, 40, callback=cb), env


def _steerable(name: str) -> tuple[dict, Callable, gym.Env]:
    env = _env("rlsuite/MultiObjectiveBandit-v0")
    kwargs = {"env": env, "pretrain_steps": 2, "batch_size": 8, "hidden_sizes": (8,), "seed": 0}
    return kwargs, lambda agent, cb: agent.learn(env, 16, callback=cb), env


def _mixture(name: str) -> tuple[dict, Callable, gym.Env]:
    env = _env("rlsuite/DataMixture-v0")
    kwargs = {"n_domains": 4, "regressor": "linear", "n_mixtures": 3, "n_candidates": 16}
    return kwargs, lambda agent, cb: agent.learn(env, callback=cb), env


Fixture = Callable[[str], tuple[dict, Callable, gym.Env]]

#: The tiny problem of each agent family, found through the agent's base classes.
FAMILY_FIXTURES: dict[type, Fixture] = {
    LinearBanditAgent: _linear_bandit,
    BanditAgent: _bandit,
    MLPPolicy: _offline,
    PrivateLearner: _private,
    PreferencePolicyLearner: _preference,
    SteerablePolicy: _steerable,
}

#: Agents outside those families, or that need settings of their own.
NAME_FIXTURES: dict[str, Fixture] = {
    "RewardModel": _preference,
    "PAVPolicyGradient": _pav,
    "RegressionMixtureSearch": _mixture,
}


def fixture(name: str) -> Fixture | None:
    """``name``'s own fixture, else that of the nearest family among its base classes."""
    if name in NAME_FIXTURES:
        return NAME_FIXTURES[name]
    for base in agent_class(name).__mro__:
        if base in FAMILY_FIXTURES:
            return FAMILY_FIXTURES[base]
    return None


NAMES = sorted(list_agents())


def test_every_registered_agent_has_a_fixture():
    missing = [name for name in NAMES if fixture(name) is None]
    assert not missing, f"registered without a family or a fixture in {__file__}: {missing}"
    unknown = sorted(set(NAME_FIXTURES) - set(NAMES))
    assert not unknown, f"fixtures for unregistered names: {unknown}"


def test_family_fixtures_cover_the_bandit_and_linear_agents():
    # The lookup itself: a linear agent gets the contextual problem, not the MAB one.
    assert fixture("OFUL") is _linear_bandit and fixture("UCB1") is _bandit
    assert fixture("EnsembleDistilledPO") is _preference and fixture("BC") is _offline


@pytest.mark.parametrize("name", NAMES)
def test_agent_contract(name, tmp_path):
    make = fixture(name)
    assert make is not None, f"{name} is registered but has no fixture in {__file__}"
    kwargs, train, env = make(name)
    cls = agent_class(name)
    agent = cls(**kwargs)
    assert isinstance(agent, Agent)
    assert isinstance(agent, (OnlineAgent, OfflineLearner))

    counter = CountSteps()
    assert train(agent, counter) is agent
    assert counter.model is agent and counter.training_ended

    obs = _observations(env)
    actions, state = agent.predict(obs, deterministic=True)
    assert state is None and len(actions) == len(obs)
    assert all(env.action_space.contains(np.asarray(a, env.action_space.dtype)) for a in actions)
    single, _ = agent.predict(obs[0], deterministic=True)
    if name != "Random":  # uniform play has no greedy action
        np.testing.assert_array_equal(single, actions[0])

    path = tmp_path / f"{name}.agent"
    agent.save(path)
    overrides = {"env": kwargs["env"]} if "env" in kwargs else {}
    loaded = cls.load(path, **overrides)
    assert type(loaded) is type(agent)
    # Same calls in the same order on both: sampled actions come from the restored generator.
    for deterministic in (True, False, False):
        np.testing.assert_array_equal(
            loaded.predict(obs, deterministic=deterministic)[0],
            agent.predict(obs, deterministic=deterministic)[0],
        )

    with pytest.raises(ValueError, match="observation"):
        agent.predict(np.zeros((1,) * (obs.ndim + 1)))
    with pytest.raises(TypeError, match="callback"):
        train(cls(**kwargs), 42)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("seed", "error"),
    [("x", TypeError), (-1, ValueError), (float("nan"), TypeError), (1.5, TypeError)],
)
def test_bad_seed_is_rejected_naming_it(name, seed, error):
    make = fixture(name)
    assert make is not None, f"{name} is registered but has no fixture in {__file__}"
    kwargs, _, _ = make(name)
    with pytest.raises(error, match="seed"):
        agent_class(name)(**{**kwargs, "seed": seed})


@pytest.mark.parametrize("name", NAMES)
def test_generator_seed_is_accepted(name):
    make = fixture(name)
    assert make is not None, f"{name} is registered but has no fixture in {__file__}"
    kwargs, _, _ = make(name)
    agent_class(name)(**{**kwargs, "seed": np.random.default_rng(0)})


def test_load_refuses_other_files_and_classes(tmp_path):
    path = tmp_path / "ucb.agent"
    agent_class("UCB1")(3).save(path)
    with pytest.raises(TypeError, match="UCB1"):
        agent_class("LinUCB").load(path)
    (tmp_path / "junk").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(ValueError, match="not an rlsuite agent"):
        Agent.load(tmp_path / "junk")
