"""Heavy-tailed multi-armed bandits: classic, robust and deep-RL agents at two tail indices.

See :mod:`.sweep` for the settings, :mod:`.run` for one run and
:mod:`.analysis` for the score and plots. Run it with
``rlsuite bench --suite heavy_tail_mab`` (``--sweep quick`` for the demo sweep).
"""
