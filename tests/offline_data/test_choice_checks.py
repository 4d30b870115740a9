"""Named choices go through check_choice: ValueError for an unknown one, TypeError for a non-str."""

import pytest

from rlsuite.agents.preference import PreferenceOptimizer
from rlsuite.envs.multiclass_bandit import load_classification
from rlsuite.offline_data.baselines import baseline_policies
from rlsuite.offline_data.mixes import make_mix


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: baseline_policies("Pong-v5"), ValueError, r"env_id='Pong-v5' is not known"),
        (lambda: baseline_policies("CartPole-v1", ("godlike",)), ValueError, r"level='godlike'"),
        (lambda: baseline_policies("CartPole-v1", (3,)), TypeError, r"level=3 must be a str"),
        (lambda: make_mix("CartPole-v1", "best", 1, "x/y-v0"), ValueError, r"kind='best'"),
        (lambda: load_classification(3), TypeError, r"dataset=3 must be a str"),
        (lambda: load_classification("mnist"), ValueError, r"dataset='mnist'.*'iris'"),
        (lambda: PreferenceOptimizer(base_policy="best"), ValueError, r"base_policy='best'"),
        (lambda: PreferenceOptimizer(base_policy=None), TypeError, r"base_policy=None"),
    ],
)
def test_choice_errors_name_the_parameter_and_the_choices(call, error, message):
    with pytest.raises(error, match=message):
        call()
