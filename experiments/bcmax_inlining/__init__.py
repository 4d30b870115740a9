"""BC-Max on synthetic inlining-for-size (Marinov, Agarwal & Trofin, arXiv 2403.19462).

Table: mean module-size reduction on held-out modules of each heuristic
baseline, BC on all their data, BC-Max and iterative BC-Max (1-3 rounds).
Run ``python -m rlsuite.experiments.bcmax_inlining`` for the table.
"""
