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

from rlsuite.agents._lazy import package_exports

#: name -> "module:Class" (see :func:`rlsuite.agents.make_agent`)
AGENTS: dict[str, str] = {
    "PAVPolicyGradient": "rlsuite.agents.process.pav_policy_gradient:PAVPolicyGradient",
}

# Public helpers that are not agents.
_EXTRAS: dict[str, str] = {
    "BeamSearchResult": "rlsuite.agents.process.beam_search:BeamSearchResult",
    "beam_search": "rlsuite.agents.process.beam_search:beam_search",
    "BestOfKProver": "rlsuite.agents.process.values:BestOfKProver",
    "GammaProver": "rlsuite.agents.process.values:GammaProver",
    "ValueTables": "rlsuite.agents.process.values:ValueTables",
    "policy_values": "rlsuite.agents.process.values:policy_values",
    "success_probability": "rlsuite.agents.process.values:success_probability",
    "ProcessRewardWrapper": "rlsuite.agents.process.wrapper:ProcessRewardWrapper",
    "ProcessAdvantageCallback": "rlsuite.agents.process.sb3_callback:ProcessAdvantageCallback",
}

#: every public name -> "module:attribute", imported on first use (PEP 562)
EXPORTS, __all__, __getattr__, __dir__ = package_exports(__name__, globals(), AGENTS, _EXTRAS)
