"""BC-Max on synthetic inlining-for-size (Marinov, Agarwal & Trofin, arXiv 2403.19462).

The paper's case study: an inlining policy trained with online RL (here SB3
PPO on the training corpus) and the compiler's heuristics are the initial
baselines; iterative BC-Max clones the per-module best trajectory, adds the
clone to the baselines and repeats. The study reports the held-out size
reduction of every round against PPO and each heuristic, with the ablation
that starts from the heuristics alone, and ends with a claim list.
Run ``python -m rlsuite.experiments bcmax_inlining --sweep main``.
"""
