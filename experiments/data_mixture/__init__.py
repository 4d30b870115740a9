"""Data-mixture optimisation with Mixtures of Data Experts (Belenki et al., ACL 2025).

Issue 15: MDE where the ensemble is not the answer. The env is
:class:`~rlsuite.envs.data_mixture.FactoredDataMixtureEnv`: a rank-limited
bigram LM (the model-size knob ``model_rank``) trained by L-BFGS on corpora
sampled from four domains with shared structure, scored on a validation set
or on an end-task domain that is not a training domain, so the model trained
on a mixture is not the mixture of the per-domain experts. Loss regressors
(linear on the weights, linear on weights + MDE loss, the MDE loss alone,
trees on weights + MDE) fit on ``n_train`` observed mixtures are scored by
Spearman correlation on 90 held-out mixtures and by the true loss of the
mixture each one picks, across model sizes and both objectives. See
:mod:`.sweep` for the settings, :mod:`.run` for one run and :mod:`.analysis`
for the score, the claim list and the plots. ``python -m
rlsuite.experiments data_mixture --sweep main`` runs the study.
"""
