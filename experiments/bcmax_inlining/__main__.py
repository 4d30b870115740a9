"""``python -m rlsuite.experiments.bcmax_inlining``: the study front end (see ``--help``)."""

from rlsuite.experiments.frontend import study_main

if __name__ == "__main__":
    study_main("bcmax_inlining")
