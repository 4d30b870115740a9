"""``python -m rlsuite.experiments.data_mixture``: the study front end (see ``--help``)."""

from rlsuite.experiments.frontend import study_main

if __name__ == "__main__":
    study_main("data_mixture")
