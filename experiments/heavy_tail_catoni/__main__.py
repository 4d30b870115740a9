"""Run the whole sweep of this study, print its tables and write its plots.

``python -m rlsuite.experiments.heavy_tail_catoni [--quick] [--seeds N] [--workers P]
[--agents A,B] [--settings main|<extra sweep>]``
"""

from rlsuite.experiments.study_main import main

if __name__ == "__main__":
    main("heavy_tail_catoni")
