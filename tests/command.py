"""The installed `nlcodec` command of the environment the tests run in: the
script beside this interpreter (a virtual environment's bin/), not whatever
`nlcodec` comes first on PATH (another checkout's, or none on a fresh
machine); `python -m nlcodec` where no script is installed."""

import os
import sys

_script = os.path.join(os.path.dirname(sys.executable), "nlcodec")
NLCODEC = [_script] if os.access(_script, os.X_OK) else [sys.executable, "-m", "nlcodec"]
