"""Data-mixture optimisation with Mixtures of Data Experts (Belenki et al., ACL 2025).

Loss regressors fit on 6, 10 or 25 observed mixtures of
``rlsuite/DataMixture-v1`` are scored by Spearman correlation on 90 held-out
mixtures, and the best predicted mixture is compared with the uniform one.
See :mod:`.sweep` for the settings, :mod:`.run` for one run and
:mod:`.analysis` for the score and plots. ``python -m
rlsuite.experiments.data_mixture`` runs the full sweep and prints the table.
"""
