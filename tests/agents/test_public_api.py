"""Every registered agent imports by name from rlsuite.agents and its subpackage, lazily."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import rlsuite.agents as agents
from rlsuite.agents import SUBPACKAGES, list_agents

REGISTRY = [
    (sub, name, entry)
    for sub in SUBPACKAGES
    for name, entry in importlib.import_module(f"rlsuite.agents.{sub}").AGENTS.items()
]


@pytest.mark.parametrize(("sub", "name", "entry"), REGISTRY, ids=[r[1] for r in REGISTRY])
def test_every_registered_name_imports_from_root_and_subpackage(sub, name, entry):
    module_name, _, class_name = entry.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    subpackage = importlib.import_module(f"rlsuite.agents.{sub}")
    assert getattr(agents, name) is cls
    assert getattr(subpackage, name) is cls
    assert name in agents.__all__ and name in subpackage.__all__
    assert name in dir(agents) and name in dir(subpackage)
    assert agents.agent_class(name) is cls


def test_every_name_in_all_resolves():
    for name in agents.__all__:
        assert getattr(agents, name) is not None, name
    for sub in SUBPACKAGES:
        subpackage = importlib.import_module(f"rlsuite.agents.{sub}")
        for name in subpackage.__all__:
            assert getattr(subpackage, name) is not None, f"{sub}.{name}"


def test_unknown_names_raise():
    with pytest.raises(AttributeError, match="NoSuchAgent"):
        agents.NoSuchAgent  # noqa: B018
    with pytest.raises(ValueError, match="NoSuchAgent"):
        agents.make_agent("NoSuchAgent")
    with pytest.raises(TypeError, match="str"):
        agents.agent_class(3)


def test_reward_model_is_registered_and_documented_helpers_are_public():
    assert "RewardModel" in list_agents()
    from rlsuite.agents.private import ExpertData, as_expert_data

    assert callable(as_expert_data) and ExpertData.__name__ == "ExpertData"


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(out.split())


def test_imports_are_lazy():
    listed = _modules_after("import rlsuite.agents as a; a.list_agents(); a.__all__")
    assert not {m for m in listed if m.startswith("rlsuite.agents.bandits.")}
    assert "torch" not in listed
    built = _modules_after("from rlsuite.agents import make_agent; make_agent('UCB1', n_arms=2)")
    assert "rlsuite.agents.bandits.ucb1" in built
    assert not {
        m for m in built if m.startswith(("rlsuite.agents.private.", "rlsuite.agents.offline."))
    }
    assert "torch" not in built


def test_version():
    import rlsuite

    assert agents.__version__ == importlib.metadata.version("rlsuite")
    assert rlsuite.__version__ == agents.__version__
