"""``python -m rlsuite.experiments.expert_dp``: the study front end (see ``--help``)."""

from rlsuite.experiments.frontend import study_main

if __name__ == "__main__":
    study_main("expert_dp")
