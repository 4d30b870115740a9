"""Design choices of offline preference optimisation (Agarwal, Dann & Marinov, ICML 2025).

Loss (DPO / IPO / SLiC) x base policy (reference / sampling / uniform) on a
20-context x 16-response preference bandit, across reward ranges ``R``,
dataset sizes ``n``, ``beta`` and sampling policies. ``python -m
rlsuite.experiments.preference_design`` runs the sweep and writes the figures.
"""
