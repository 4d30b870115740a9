"""Gymnasium environments of rlsuite, registered under the ``rlsuite/`` namespace.

Importing this module registers every environment with string entry points,
so ``gym.make("rlsuite/MultiArmedBandit-v0")`` works and Minari can record
the spec. Bandits also register a native numpy ``vector_entry_point``.
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

from rlsuite import __version__ as __version__

#: ID -> (entry point, vector entry point or None, registration kwargs)
ENV_SPECS: dict[str, tuple[str, str | None, dict]] = {
    "rlsuite/MultiArmedBandit-v1": (
        "rlsuite.envs.multi_armed_bandit:MultiArmedBanditEnv",
        "rlsuite.envs.multi_armed_bandit:MultiArmedBanditVectorEnv",
        {},
    ),
    "rlsuite/LinearContextualBandit-v0": (
        "rlsuite.envs.linear_contextual_bandit:LinearContextualBanditEnv",
        "rlsuite.envs.linear_contextual_bandit:LinearContextualBanditVectorEnv",
        {},
    ),
    "rlsuite/Inlining-v0": ("rlsuite.envs.inlining:InliningEnv", None, {}),
    "rlsuite/PreferenceBandit-v1": (
        "rlsuite.envs.preference_bandit:PreferenceBanditEnv",
        "rlsuite.envs.preference_bandit:PreferenceBanditVectorEnv",
        {},
    ),
    "rlsuite/PlantedSequence-v1": (
        "rlsuite.envs.planted_sequence:PlantedSequenceEnv",
        None,
        {},
    ),
    # Gymnasium's passive checker warns on every gym.make that a vector reward is not a
    # float (MO-Gymnasium's convention, as mo_gymnasium.make does); check_env still runs it.
    "rlsuite/MultiObjectiveBandit-v0": (
        "rlsuite.envs.multi_objective_bandit:MultiObjectiveBanditEnv",
        "rlsuite.envs.multi_objective_bandit:MultiObjectiveBanditVectorEnv",
        {"disable_env_checker": True},
    ),
    "rlsuite/ScalarizedMultiObjectiveBandit-v0": (
        "rlsuite.envs.scalarized_multi_objective_bandit:ScalarizedMultiObjectiveBanditEnv",
        "rlsuite.envs.scalarized_multi_objective_bandit:ScalarizedMultiObjectiveBanditVectorEnv",
        {},
    ),
    "rlsuite/MulticlassBandit-v0": (
        "rlsuite.envs.multiclass_bandit:MulticlassBanditEnv",
        "rlsuite.envs.multiclass_bandit:MulticlassBanditVectorEnv",
        {},
    ),
    "rlsuite/DataMixture-v1": ("rlsuite.envs.data_mixture:DataMixtureEnv", None, {}),
    # v2 is another class (rank-limited trained LM with transfer and an end task, issue 15);
    # v1/v0 stay registered unchanged so recorded results can be rerun.
    "rlsuite/DataMixture-v2": ("rlsuite.envs.data_mixture:FactoredDataMixtureEnv", None, {}),
}

#: v0 of the envs that drew their problem at every seeded ``reset``; kept so
#: results recorded with them can be rerun, deprecated (Gymnasium warns that
#: they are out of date). ``problem_seed=None`` is that behaviour.
DEPRECATED_ENV_SPECS: dict[str, tuple[str, str | None, dict]] = {
    env_id.replace("-v1", "-v0"): (entry, vector_entry, {"kwargs": {"problem_seed": None}})
    for env_id, (entry, vector_entry, _) in ENV_SPECS.items()
    if env_id.endswith("-v1")
}

for _env_id, (_entry, _vector_entry, _kwargs) in {**ENV_SPECS, **DEPRECATED_ENV_SPECS}.items():
    if _env_id not in registry:
        register(id=_env_id, entry_point=_entry, vector_entry_point=_vector_entry, **_kwargs)

__all__ = ["DEPRECATED_ENV_SPECS", "ENV_SPECS", "__version__"]
