"""Steerable multi-objective finetuning (Wang et al., 2024): CLP vs rewarded soups vs prompting.

Every method is trained with sampled REINFORCE gradients from the noisy reward
vectors of :class:`rlsuite.envs.multi_objective_bandit.MultiObjectiveBanditEnv`
(16 prompts, each batch prompt with its own weight), at equal training compute
(the same env interactions and gradient steps), and evaluated exactly on an
11-point weight grid: the points ``J(pi_w)`` (per-objective KL-regularised
values from the env's means) form its front, scored by hypervolume against
the env's fixed reference point, with weight-matched Pareto dominance counts
and a claim list (``analysis.py``). Run the study with
``python -m rlsuite.experiments steerable_mo --sweep main --db DB --out DIR``
(``--sweep exact``: the same with full-information gradients).
"""
