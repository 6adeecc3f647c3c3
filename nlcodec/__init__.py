"""nlcodec: netlink protocol library and packet codec.

    >>> import nlcodec
    >>> msgs = nlcodec.decode(raw_bytes, "route")
    >>> msgs[0].type, msgs[0].get("ifname")
    >>> raw = nlcodec.encode("route", "getlink", header={"family": 0}, flags=nlcodec.NLM_F_REQUEST)
"""

from . import backends as _backend
from .errors import DecodeError, EncodeError, SpecError
from .message import (Message, decode, decode_attrs, encode, encode_attrs, iter_decode, request_form,
                      NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO, NLM_F_DUMP_INTR,
                      NLM_F_DUMP_FILTERED, NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC, NLM_F_DUMP,
                      NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND, NLM_F_NONREC,
                      NLM_F_BULK, NLM_F_CAPPED, NLM_F_ACK_TLVS, GENL_IDS)
from .registry import families, family, register

__version__ = "0.1.0"


def backend() -> str:
    """The active codec backend: ``"native"`` (C core) or ``"pure"``."""
    return _backend.name()


def use_backend(name: str | None) -> str:
    """Switch backend at run time (tests, benchmarks); returns the active name."""
    return _backend.select(name)


def __getattr__(name):
    # the socket layer and helpers load on first use
    if name in ("connect", "Socket", "NetlinkError", "DumpInterrupted", "Overrun",
                "FamilyNotFound", "NetlinkExistsError", "NetlinkNotFoundError",
                "NetlinkInvalidError", "NetlinkPermissionError", "BulkResult"):
        from . import socket as _s
        return getattr(_s, name)
    if name == "decode_dump":          # memory/hex dumps "as" what they are (nlcodec/dumps.py)
        from .dumps import decode_dump
        return decode_dump
    if name in ("Template", "Rows"):
        from . import template as _t
        return getattr(_t, name)
    if name == "CaptureDecoder":
        from .capture import CaptureDecoder
        return CaptureDecoder
    if name in ("ynl", "ovs", "tc", "aio", "hexdump", "netns", "packet", "dumps", "template"):
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'nlcodec' has no attribute {name!r}")
