"""Paper reproductions as bsuite-style studies, plus the sweep runner and CLI.

Each study is a subpackage ``rlsuite.experiments.<name>`` with ``sweep.py``,
``run.py`` and ``analysis.py``; see ``experiments/README.md`` and
:mod:`rlsuite.experiments.base` for the interface.
"""
