"""Where families live: netlink protocols, spec modules and genl family ids.

Spec modules in ``nlcodec.specs`` are imported on first use.  Families of a
plain protocol (rtnetlink's rt_link, rt_addr, tc ...) share one message type
space; generic netlink families are found by name, and their ids, which the
kernel assigns at run time, come from the caller (a capture's CTRL replies,
a live nlctrl lookup, or a user map).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading

from . import forksafe, spec_cache, tables
from .spec import Family
from .tables import CFamily, CMsg, compile_family

PROTOCOLS = {
    "route": 0, "unused": 1, "usersock": 2, "firewall": 3, "sock_diag": 4, "nflog": 5,
    "xfrm": 6, "selinux": 7, "iscsi": 8, "audit": 9, "fib_lookup": 10, "connector": 11,
    "netfilter": 12, "ip6_fw": 13, "dnrtmsg": 14, "kobject_uevent": 15, "generic": 16,
    "scsitransport": 18, "ecryptfs": 19, "rdma": 20, "crypto": 21, "smc": 22,
}
PROTOCOL_NAMES = {v: k for k, v in PROTOCOLS.items()}
ALIASES = {"rtnetlink": "route", "genetlink": "generic", "genl": "generic", "inet_diag": "sock_diag"}

GENL_ID_CTRL = 0x10      # nlctrl's fixed id

_lock = threading.Lock()

forksafe.guard(sys.modules[__name__], "_lock", 1)
_loaded = False          # every family is in _families
_families: dict[str, Family] = {}
_by_protocol: dict[str, dict[int, tuple[CFamily, CMsg]]] = {}
_extra_modules: list = []
# Started from the spec cache, the bundled families load on first use: the
# cache's index says which spec module defines a family (_lazy) and which
# family each message type of a plain protocol belongs to; _families and
# _by_protocol hold the families loaded so far.  None: no index (everything
# loads at once, as without a cache).
_index = None
_lazy: dict[str, str] = {}          # family name -> its spec module, not loaded yet
_modules_loaded: set = set()
# bumped whenever a family is added or replaced: caches made from the
# registry (the native backend's stream tables) compare it to know they are stale
# (loading a bundled family on first use changes no answer: no bump)
generation = 0


def protocol_name(protocol) -> str:
    """Normalise a protocol given as a name, alias or NETLINK_* number."""
    if isinstance(protocol, int):
        return PROTOCOL_NAMES.get(protocol, str(protocol))
    p = protocol.lower()
    if p.startswith("netlink_"):
        p = p[8:]
    p = ALIASES.get(p, p)
    if p not in PROTOCOLS:
        raise ValueError(f"unknown netlink protocol {protocol!r}; "
                         f"known: {', '.join(sorted(PROTOCOLS))}")
    return p


def protocol_number(protocol) -> int:
    if isinstance(protocol, int):
        return protocol
    return PROTOCOLS[protocol_name(protocol)]


def _specs_package():
    """``nlcodec.specs``: installed from ``specs/``.  In a source checkout the
    checkout's own top-level ``specs/`` folder is mapped in, so that a second
    checkout (a git worktree on PYTHONPATH) never picks up the specs of the
    one that is installed in editable mode."""
    import os
    import sys
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "specs")
    if not os.path.isfile(os.path.join(here, "__init__.py")):
        return importlib.import_module(f"{__package__}.specs")
    name = f"{__package__}.specs"
    mod = sys.modules.get(name)
    if mod is not None and os.path.abspath(list(mod.__path__)[0]) == here:
        return mod
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(here, "__init__.py"), submodule_search_locations=[here])
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _start():
    """The registry ready to answer: from the spec cache's index, each
    family unpickled on first use (no construct, no spec module), or with
    no cache every family at once."""
    global _index
    if _loaded or _index is not None:
        return
    with _lock:
        if _loaded or _index is not None:
            return
        specs_pkg = _specs_package()
        spec_dir = list(specs_pkg.__path__)[0]
        names = spec_cache.module_names(spec_dir)
        idx = None if _extra_modules else spec_cache.open_index(spec_dir, names)
        if idx is None:
            _load_all(specs_pkg, spec_dir, names)
            return
        _lazy.update(idx.families)
        _index = idx


def _load():
    """Every family loaded (``families()``, ``register``, tests)."""
    _start()
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        specs_pkg = _specs_package()
        spec_dir = list(specs_pkg.__path__)[0]
        _load_all(specs_pkg, spec_dir, spec_cache.module_names(spec_dir))


def _load_all(specs_pkg, spec_dir, names):
    """Under the lock: every family, in the spec modules' order."""
    global _loaded, _families, _by_protocol
    cached = None
    if _index is not None:
        cached = [(n, _module_families(n)) for n in names]
    if cached is None:
        mods = [importlib.import_module(f"{specs_pkg.__name__}.{n}") for n in names]
        try:
            spec_cache.save(spec_dir, names, mods)
        except Exception:           # a cache never stops the specs from loading
            pass
        cached = [(n, getattr(m, "FAMILIES", ())) for n, m in zip(names, mods)]
    if _index is not None:
        # the families loaded on first use are these same objects: the
        # tables are made again (new dicts, swapped in whole: readers see the
        # old or the new) in the order registering them all gives
        fams, by_protocol = {}, {}
        for _, mfams in cached:
            for fam in mfams:
                _enter(fam, fams, by_protocol)
        _by_protocol = by_protocol     # (readers: the types first)
        _families = fams
    else:
        for _, mfams in cached:
            for fam in mfams:
                _add(fam)
    for mod in _extra_modules:
        for fam in getattr(mod, "FAMILIES", ()):
            _add(fam)
    _lazy.clear()
    _loaded = True


def _enter(fam, fams, by_protocol):
    if fam.name in fams and fams[fam.name] is not fam:
        raise ValueError(f"family {fam.name!r} defined twice")
    fams[fam.name] = fam
    if not fam.genl:
        table = by_protocol.setdefault(fam.protocol, {})
        for m in fam.messages:
            table[fam.wire_type(m.id)] = (fam, m)


def load_spec_module(mod: str):
    """The registry's families of bundled spec module ``mod`` loaded (from
    the cache's index, when it started from one)."""
    _start()
    if _loaded or mod in _modules_loaded:
        return
    with _lock:
        if _loaded or mod in _modules_loaded:
            return
        fams = _module_families(mod)
        types = _index.types
        for fam in fams:
            if _lazy.get(fam.name) != mod:
                continue
            # readers do not lock: a family is in _families only once its
            # message types are in _by_protocol
            if not fam.genl:        # the types the index gives this family
                mine = {t for t, name, *_ in types.get(fam.protocol, ()) if name == fam.name}
                table = _by_protocol.setdefault(fam.protocol, {})
                for m in fam.messages:
                    ty = fam.wire_type(m.id)
                    if ty in mine:
                        table[ty] = (fam, m)
            _families[fam.name] = fam
            del _lazy[fam.name]
        _modules_loaded.add(mod)


def _module_families(mod: str) -> list:
    """Under the lock: the families of bundled spec module ``mod`` from the
    cache; where its part of the file does not load, from the module itself."""
    try:
        return _index.module(mod)
    except Exception:           # a damaged file: read the spec module instead
        m = importlib.import_module(f"{_specs_package().__name__}.{mod}")
        return list(getattr(m, "FAMILIES", ()))


def _family_loaded(name: str) -> Family | None:
    """A family by its exact name, loaded on first use; None if unknown."""
    fam = _families.get(name)
    if fam is None and not _loaded:
        _start()
        mod = _lazy.get(name)
        if mod is not None:
            load_spec_module(mod)
        fam = _families.get(name)
    return fam


def _add(fam: Family):
    global generation
    generation += 1
    _by_name_cache.clear()
    _enter(fam, _families, _by_protocol)


def protocol_groups(protocol: str) -> dict[str, int]:
    """Multicast groups of a plain protocol by name (``conntrack_new``), from
    the ``groups_enum`` its families declare; UAPI names are accepted too."""
    _load()
    out = {}
    fams = [f for f in _families.values() if f.protocol == protocol and not f.genl]
    for fam in fams:
        if fam.groups_enum:
            e = next(f.enums[fam.groups_enum] for f in fams if fam.groups_enum in f.enums)
            for name, v in e.values.items():
                out[name] = v
                out[(e.prefix + name).upper()] = v
    return out


def register(fam: Family) -> Family:
    """Add a family at run time (e.g. one loaded from a YNL spec)."""
    _load()
    with _lock:
        _families.pop(fam.name, None)
        _add(fam)
        _resolve_uses(fam)
    return fam


def _resolve_uses(fam: Family):
    fam._resolved_uses = [f for f in map(_family_loaded, fam.uses) if f is not None]


def families() -> dict[str, Family]:
    _load()
    return dict(_families)


def family(name: str) -> Family:
    """A family by name (``rt_link``, ``tc``, ``ovs_flow``, ``psample``...)."""
    fam = _family_loaded(name) or _family_loaded(name.replace("-", "_"))
    if fam is None:
        known = list(_lazy)     # (first: a family being loaded leaves _lazy last)
        known += _families
        raise KeyError(f"no family {name!r}; known: {', '.join(sorted(set(known)))}")
    return fam


def compiled(name_or_family) -> CFamily:
    fam = family(name_or_family) if isinstance(name_or_family, str) else name_or_family
    cf = tables._families.get(id(fam))
    if cf is not None:
        return cf
    with tables._lock:      # the families it uses are compiled (and linked) first
        if fam.uses and not fam._resolved_uses:
            _resolve_uses(fam)
        for u in fam._resolved_uses:
            compiled(u)
        return compile_family(fam)


def family_of_type(protocol: str, type_id: int) -> str | None:
    """The name of the family a plain-protocol message type belongs to,
    without loading it."""
    _start()
    hit = _by_protocol.get(protocol, {}).get(type_id)
    if hit is not None:
        return hit[0].name
    if _loaded:
        return None
    return _index.type_family.get(protocol, {}).get(type_id)


def any_enum(name: str):
    """Enum ``name`` of the first family that defines one (families in the
    order of ``families()``), or None."""
    _start()
    if not _loaded:
        fname = _index.enums.get(name)
        fam = _family_loaded(fname) if fname is not None else None
        return fam.enums.get(name) if fam is not None else None
    for fam in list(_families.values()):
        e = fam.enums.get(name)
        if e is not None:
            return e
    return None


def lookup_message(protocol: str, type_id: int):
    """(CFamily, CMsg) for a plain-protocol message type, or None."""
    _start()
    hit = _by_protocol.get(protocol, {}).get(type_id)
    if hit is None and not _loaded:
        name = family_of_type(protocol, type_id)
        if name is not None:
            _family_loaded(name)
            hit = _by_protocol.get(protocol, {}).get(type_id)
    if hit is None:
        return None
    fam, m = hit
    cf = compiled(fam)
    return cf, cf.msgs[m.id]


_by_name_cache: dict = {}


def message_by_name(protocol: str, name: str):
    """(CFamily, CMsg) by our name or UAPI name; cached (encode's hot path)."""
    hit = _by_name_cache.get((protocol, name))
    if hit is not None:
        return hit
    _start()
    if not _loaded:                 # the first of the protocol's messages so named
        for _, fname, _, mname, uapi in _index.types.get(protocol, ()):
            if mname == name or uapi == name or (uapi and uapi == name.upper()):
                _family_loaded(fname)
                break
        else:
            return None
    for fam, m in _by_protocol.get(protocol, {}).values():
        if m.name == name or m.uapi == name or (m.uapi and m.uapi == name.upper()):
            cf = compiled(fam)
            hit = _by_name_cache[(protocol, name)] = (cf, cf.msgs[m.id])
            return hit
    return None
