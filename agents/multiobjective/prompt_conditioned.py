"""Prompt-only conditioning: the CLP baseline that conditions on ``w`` through the input alone.

In Wang et al. (2024) this is the "prompting" baseline: the trade-off is
written into the prompt of a single finetuned model and every parameter is
shared. Here the 2-hidden-layer MLP reads ``[obs, w]`` and has one logit
layer; it is trained exactly like :class:`~rlsuite.agents.multiobjective.clp.CLP`
(``w ~ Dirichlet(alpha)`` per prompt, the same gradient estimator and budget).
"""

from __future__ import annotations

from rlsuite.agents.multiobjective.clp import CLP

__all__ = ["PromptConditioned"]


class PromptConditioned(CLP):
    """Steerable policy conditioned on ``w`` only through its input (no logit mixing).

    Parameters are those of :class:`~rlsuite.agents.multiobjective.clp.CLP`.
    """

    input_conditioning = True
    logit_mixing = False
