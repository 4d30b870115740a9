"""Steerable multi-objective finetuning (Wang et al., 2024): CLP vs rewarded soups vs prompting.

Every method is trained on :class:`rlsuite.envs.multi_objective_bandit.MultiObjectiveBanditEnv`
and evaluated on an 11-point weight grid: the points ``J(pi_w)`` (per-objective
KL-regularised values) form its front, scored by hypervolume against the env's
fixed reference point and by expected utility over the grid. Run the study with
``python -m rlsuite.experiments.steerable_mo [--sweep quick] [--out DIR]``.
"""
