"""Family specs, installed as ``nlcodec.specs``: one module per family group,
each defining ``FAMILIES``.  See ``nlcodec/spec.py`` for the spec language."""
