"""``python -m rlsuite.experiments.heavy_tail_catoni``: the study front end (see ``--help``)."""

from rlsuite.experiments.frontend import study_main

if __name__ == "__main__":
    study_main("heavy_tail_catoni")
