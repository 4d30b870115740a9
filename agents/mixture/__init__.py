"""Data-mixture optimisation with Mixtures of Data Experts (Belenki et al., ACL 2025).

:mod:`~rlsuite.agents.mixture.mde` caches per-domain expert predictions and
scores mixtures by the MDE loss; :mod:`~rlsuite.agents.mixture.regressors`
fits loss regressors on a few observed mixtures;
:mod:`~rlsuite.agents.mixture.regression_search` is the agent that runs the
whole recipe against ``rlsuite/DataMixture-v1`` and proposes a mixture.
"""

from rlsuite.agents._lazy import package_exports

#: name -> "module:Class" (see :func:`rlsuite.agents.make_agent`)
AGENTS: dict[str, str] = {
    "RegressionMixtureSearch": "rlsuite.agents.mixture.regression_search:RegressionMixtureSearch",
}

# Public helpers that are not agents.
_EXTRAS: dict[str, str] = {
    "MixtureOfDataExperts": "rlsuite.agents.mixture.mde:MixtureOfDataExperts",
    "MixtureRegressor": "rlsuite.agents.mixture.regressors:MixtureRegressor",
}

#: every public name -> "module:attribute", imported on first use (PEP 562)
EXPORTS, __all__, __getattr__, __dir__ = package_exports(__name__, globals(), AGENTS, _EXTRAS)
