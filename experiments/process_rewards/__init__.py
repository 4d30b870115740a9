"""Process rewards from a prover (Setlur et al., ICLR 2025, §3.3): RL, beam search and PPO.

See ``sweep.py`` for the settings, ``run.py`` for one run and ``analysis.py``
for scores and plots; ``python -m rlsuite.experiments.process_rewards`` runs
the study sequentially and writes its figures.
"""
