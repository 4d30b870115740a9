"""``python -m rlsuite.experiments NAME --help`` for every study folder (the one front end)."""

import subprocess
import sys

import pytest

from rlsuite.experiments import frontend
from rlsuite.experiments.base import list_experiments


@pytest.mark.parametrize("name", list_experiments())
def test_help_works_for_every_listed_study(name, capsys):
    with pytest.raises(SystemExit) as stop:
        frontend.main([name, "--help"])
    assert stop.value.code == 0
    assert "--sweep" in capsys.readouterr().out


def test_module_entry_point_lists_the_studies():
    out = subprocess.run(
        [sys.executable, "-m", "rlsuite.experiments", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert all(name in out for name in list_experiments())


def test_unknown_study_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stop:
        frontend.main(["no_such_study"])
    assert stop.value.code == 2
    assert "invalid choice: 'no_such_study'" in capsys.readouterr().err
