"""Run the whole sweep of this study, print its tables and write its plots.

``python -m rlsuite.experiments.sgb_any_stepsize [--quick] [--seeds N] [--workers P]
[--agents A,B] [--settings main|<extra sweep>]``
"""

from rlsuite.experiments.study_main import main

if __name__ == "__main__":
    main("sgb_any_stepsize")
