"""``python -m rlsuite.experiments.preference_design``: the study front end (see ``--help``)."""

from rlsuite.experiments.frontend import study_main

if __name__ == "__main__":
    study_main("preference_design")
