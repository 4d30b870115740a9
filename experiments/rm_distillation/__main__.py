"""``python -m rlsuite.experiments.rm_distillation``: the study front end (see ``--help``)."""

from rlsuite.experiments.frontend import study_main

if __name__ == "__main__":
    study_main("rm_distillation")
