"""``python -m rlsuite.experiments.rm_distillation``: run the sweep, print tables, save figures."""

from rlsuite.experiments.preference_design.__main__ import main

if __name__ == "__main__":
    main("rm_distillation")
