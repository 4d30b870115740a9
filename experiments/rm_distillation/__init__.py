"""Reward-model distillation under length-biased preference data (Fisch et al., TMLR 2025).

Labels come from a fixed oracle reward through Bradley-Terry; only the
*selection* of pairs is biased towards pairs the longer response won, with
the bias level swept. Every learner (DPO, IPO, distillation from one reward
model or an ensemble, e-DPO's worst member, and the pessimistic max-min
objective over the ensemble) is scored on the oracle reward of its policy.
``python -m rlsuite.experiments.rm_distillation`` runs the sweep and writes
the figures; the recorded output is ``docs/results/rm_distillation.txt``.
"""
