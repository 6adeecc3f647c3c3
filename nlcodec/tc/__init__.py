"""Traffic control: tc's notation (handles, parents, verdicts: ``notation``)
and tc's command language (``parse``: a tc command line -> the request tc
sends, byte for byte)."""

from .notation import *  # noqa: F401,F403
from .notation import __all__ as _notation_all
from .parse import Request, TcSyntaxError, parse, tokens  # noqa: F401

__all__ = list(_notation_all) + ["parse", "Request", "TcSyntaxError", "tokens"]
