"""``python -m rlsuite.experiments NAME [options]``: one study through the one driver."""

import sys

from rlsuite.experiments.frontend import main

if __name__ == "__main__":
    sys.exit(main())
