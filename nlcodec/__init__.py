"""nlcodec: netlink protocol library and packet codec.

    >>> import nlcodec
    >>> msgs = nlcodec.decode(raw_bytes, "route")
    >>> msgs[0].type, msgs[0].get("ifname")
    >>> msgs[0].to_dict(names=True)              # values by name, as ip -j shows them
    >>> raw = nlcodec.encode("route", "getlink", header={"family": "unspec"},
    ...                      flags=nlcodec.NLM_F_REQUEST | nlcodec.NLM_F_DUMP)
    >>> with nlcodec.connect("route") as s:
    ...     s.do(**nlcodec.ops.route("add", "10.7.0.0/24", dev="eth0"))

Codec: decode, iter_decode, decode_attrs, encode, encode_attrs, Message,
request_form.  Sockets: connect, Socket, the Netlink*Error classes, aio
(asyncio).  Captures and dumps: CaptureDecoder, hexdump.  Requests with
iproute2's defaults: ops.  Names of values: names.  Specs: families, family,
register, ynl (kernel YNL specs).  tc and OVS notation: tc, ovs.
"""

from . import backends as _backend
from .errors import DecodeError, EncodeError, SpecError
from .message import (Message, decode, decode_attrs, encode, encode_attrs, iter_decode, request_form,
                      NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO, NLM_F_DUMP_INTR,
                      NLM_F_DUMP_FILTERED, NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC, NLM_F_DUMP,
                      NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND, NLM_F_NONREC,
                      NLM_F_BULK, NLM_F_CAPPED, NLM_F_ACK_TLVS, GENL_IDS)
from .registry import families, family, register
from . import names as _names  # noqa: F401,E402  (binds names to compiled specs)

__version__ = "0.1.0"


def backend() -> str:
    """The active codec backend: ``"native"`` (C core) or ``"pure"``."""
    return _backend.name()


def use_backend(name: str | None) -> str:
    """Switch backend at run time (tests, benchmarks); returns the active name."""
    return _backend.select(name)


# loaded on first use: name -> module that defines it
_SOCKET_NAMES = ("connect", "Socket", "NetlinkError", "DumpInterrupted", "Overrun",
                 "FamilyNotFound", "NetlinkExistsError", "NetlinkNotFoundError",
                 "NetlinkInvalidError", "NetlinkPermissionError", "BulkResult")
_MODULES = ("ynl", "ovs", "tc", "aio", "hexdump", "netns", "packet", "dumps", "template",
            "ops", "names")

__all__ = [
    # codec
    "decode", "iter_decode", "decode_attrs", "encode", "encode_attrs", "Message",
    "request_form", "DecodeError", "EncodeError", "SpecError",
    # sockets
    *_SOCKET_NAMES,
    # captures and dumps
    "CaptureDecoder", "decode_dump",
    # request templates (bulk)
    "Template", "Rows",
    # specs and backends
    "families", "family", "register", "backend", "use_backend", "GENL_IDS",
    # message flags
    "NLM_F_REQUEST", "NLM_F_MULTI", "NLM_F_ACK", "NLM_F_ECHO", "NLM_F_DUMP_INTR",
    "NLM_F_DUMP_FILTERED", "NLM_F_ROOT", "NLM_F_MATCH", "NLM_F_ATOMIC", "NLM_F_DUMP",
    "NLM_F_REPLACE", "NLM_F_EXCL", "NLM_F_CREATE", "NLM_F_APPEND", "NLM_F_NONREC",
    "NLM_F_BULK", "NLM_F_CAPPED", "NLM_F_ACK_TLVS",
    # modules
    *_MODULES,
]


def __getattr__(name):
    # the socket layer and helpers load on first use
    if name in _SOCKET_NAMES:
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
    if name in _MODULES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'nlcodec' has no attribute {name!r}")


def __dir__():
    # the public names (internal modules such as pure, structs, tables stay out)
    return sorted(set(__all__) | {"__version__", "__doc__", "__name__", "__file__",
                                  "__path__", "__all__"})
