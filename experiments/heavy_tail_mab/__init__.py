"""Heavy-tailed multi-armed bandits: classic, robust and deep-RL agents at two tail indices.

See :mod:`.sweep` for the settings, :mod:`.run` for one run and
:mod:`.analysis` for the score and plots. ``python -m
rlsuite.experiments.heavy_tail_mab`` prints the quick sweep's table.
"""
