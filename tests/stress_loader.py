"""scripts/stress.py as a module for the tests (its scenarios, shortened),
and the backends this build has."""

import importlib.util
import os

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location(
    "nlcodec_stress", os.path.join(_ROOT, "scripts", "stress.py"))
stress = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stress)

try:
    import nlcodec.native  # noqa: F401,F811
    BACKENDS = ("native", "pure")
except ImportError:        # pragma: no cover - a build without the C core
    BACKENDS = ("pure",)
