"""Catoni contextual bandits under a large reward range (Ye, Jin, Agarwal & Zhang, ICML 2025).

A linear contextual bandit (d = 10, 20 arms per round, unit-norm
``U[0, 1]^d`` features shrunk so the best arm is ``gap = 0.3`` ahead,
``theta* = 1 / sqrt(d)``) with bounded, known-variance spike noise whose
range ``R`` grows at a fixed cumulative variance; OFUL (told the range, or
told only the std) against Catoni-OFUL, the variance-agnostic Catoni bandit
and HEAVY-OFUL, all at their theoretical radii. The Student-t sweep is kept
as ``--settings outside`` (outside the paper's assumptions). See
:mod:`.sweep`. Run it with ``python -m rlsuite.experiments.heavy_tail_catoni``.
"""
