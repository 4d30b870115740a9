"""``python -m rlsuite.experiments.steerable_mo``: the study front end (see ``--help``)."""

from rlsuite.experiments.frontend import study_main

if __name__ == "__main__":
    study_main("steerable_mo")
