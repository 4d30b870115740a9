"""Process rewards from a prover (Setlur et al., "Rewarding Progress", ICLR 2025).

* :mod:`~rlsuite.agents.process.values`: prover policies ``mu_gamma`` and exact
  ``Q``, ``V``, ``A`` by dynamic programming over the KMP matching state;
* :class:`~rlsuite.agents.process.wrapper.ProcessRewardWrapper`: adds
  ``alpha * A^mu`` to each step's reward (for SB3 and any other learner);
* :class:`~rlsuite.agents.process.sb3_callback.ProcessAdvantageCallback`: adds
  ``alpha * A^mu`` to SB3 PPO's advantages instead (the paper's effective
  advantage; imported from its module because it needs the ``sb3`` extra);
* :class:`~rlsuite.agents.process.pav_policy_gradient.PAVPolicyGradient`:
  policy gradient on the effective reward ``Q^pi + alpha * A^mu``;
* :func:`~rlsuite.agents.process.beam_search.beam_search`: test-time beam
  search ranked by the effective reward or the outcome value.
"""

from rlsuite.agents.process.beam_search import BeamSearchResult, beam_search
from rlsuite.agents.process.pav_policy_gradient import PAVPolicyGradient
from rlsuite.agents.process.values import (
    BestOfKProver,
    GammaProver,
    ValueTables,
    policy_values,
    success_probability,
)
from rlsuite.agents.process.wrapper import ProcessRewardWrapper

#: name -> "module:Class" (see :func:`rlsuite.agents.make_agent`)
AGENTS: dict[str, str] = {
    "PAVPolicyGradient": "rlsuite.agents.process.pav_policy_gradient:PAVPolicyGradient",
}

__all__ = [
    "BestOfKProver",
    "AGENTS",
    "BeamSearchResult",
    "GammaProver",
    "PAVPolicyGradient",
    "ProcessRewardWrapper",
    "ValueTables",
    "beam_search",
    "policy_values",
    "success_probability",
]
