"""``python -m rlsuite.experiments.process_rewards``: the study front end (see ``--help``)."""

from rlsuite.experiments.frontend import study_main

if __name__ == "__main__":
    study_main("process_rewards")
