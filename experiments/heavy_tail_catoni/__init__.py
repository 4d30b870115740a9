"""Catoni contextual bandits under heavy-tailed rewards (Ye, Jin, Agarwal & Zhang, ICML 2025).

A linear contextual bandit (d = 10, 20 arms per round, unit-norm
``U[0, 1]^d`` features, ``theta* = 1 / sqrt(d)``) with Gaussian or
Student-t noise of decreasing tail index; OFUL against Catoni-OFUL,
the variance-agnostic Catoni bandit and HEAVY-OFUL (adaptive Huber).
Run it with ``python -m rlsuite.experiments.heavy_tail_catoni``.
"""
