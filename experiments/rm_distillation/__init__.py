"""DPO's degeneracy and reward-model distillation (Fisch et al., TMLR 2025).

60 responses with two features (length, quality), a log-linear policy,
deterministic length-biased preferences among a subset of responses. DPO's
``||theta||`` and implicit-reward margin grow without bound and its mass
leaves the responses it was shown; distillation (single reward model,
ensemble mean, or worst member: e-DPO) stays bounded. ``python -m
rlsuite.experiments.rm_distillation`` runs the sweep and writes the figures.
"""
