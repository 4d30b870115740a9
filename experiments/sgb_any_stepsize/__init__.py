"""Stochastic gradient bandits with any constant step size (Mei et al., NeurIPS 2024).

Reproduces the style of Figure 1 of "Small steps no more: global convergence
of stochastic gradient bandits for arbitrary learning rates" (arXiv
2502.07141): a 4-armed Gaussian bandit, learning rates
``eta in {1, 10, 100, 1000}``, ``log(r(a*) - pi_theta^T r)`` against ``log t``.
Run it with ``python -m rlsuite.experiments.sgb_any_stepsize``.
"""
