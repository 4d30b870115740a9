"""``python -m rlsuite.experiments.sgb_any_stepsize``: the study front end (see ``--help``)."""

from rlsuite.experiments.frontend import study_main

if __name__ == "__main__":
    study_main("sgb_any_stepsize")
