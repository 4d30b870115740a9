"""Offline datasets: generation from baseline policies, Minari I/O, logged bandit feedback, OPE."""
