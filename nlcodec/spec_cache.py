"""The bundled specs, kept compiled between runs: start-up without construct.

Importing the spec modules (``specs/*.py``) imports construct and builds
every family, about 30 ms before a command can decode anything.  The first
run pickles what they define (the ``Family`` objects, their structs as
compiled ``Layout``s wrapped in ``structs.StructRef``) into
``specs/__pycache__/nlcodec-families.pickle`` (or ``$XDG_CACHE_HOME/nlcodec``
where that is not writable); later runs load that instead.  The file starts
with the size and time of change of every spec file and of the modules
whose objects are pickled, so an edited spec is read again (as a ``.pyc``
is).  ``NLCODEC_SPEC_CACHE=0``
turns the cache off.

The file holds one pickle per spec module behind an index (``Index``): the
families' names and modules, and which family each message type of a plain
protocol belongs to.  The registry reads the index at start-up and unpickles
a module's families when one of them is first used (a link message loads
rt_link alone: a fifth of the whole cache).

A struct from the cache keeps its place (module, family, and where in the
family); asking it for anything but its layout imports its spec module
(``resolve``).
"""

from __future__ import annotations

import marshal
import os
import sys

# the C unpickler: pickle.py itself (its Python pickler) is for writing the cache
from _pickle import Unpickler as _CUnpickler, UnpicklingError

FORMAT = 3
_FILE = "nlcodec-families.pickle"
_PICKLED = ("spec.py", "structs.py", "spec_cache.py")    # the classes in a cache file


def enabled() -> bool:
    return os.environ.get("NLCODEC_SPEC_CACHE", "1") != "0"


def module_names(spec_dir: str) -> list[str]:
    """The spec modules, as ``pkgutil.iter_modules`` lists them."""
    return sorted(f[:-3] for f in os.listdir(spec_dir)
                  if f.endswith(".py") and not f.startswith("_") and f[:-3].isidentifier())


def key(spec_dir: str, names: list[str]) -> str:
    """What the cache file must have been made from: the size and time of
    change of every spec file and of the modules whose objects it holds (as
    a ``.pyc`` is checked against its source), the format and Python."""
    here = os.path.dirname(os.path.abspath(__file__))
    parts = [f"{FORMAT} {sys.version}"]       # (the version fixes the pickle protocol)
    for d, files in ((here, _PICKLED), (spec_dir, ["__init__.py"] + [n + ".py" for n in names])):
        for f in files:
            st = os.stat(os.path.join(d, f))
            parts.append(f"{f} {st.st_size} {st.st_mtime_ns}")
    return "\n".join(parts)


def _places(spec_dir: str) -> list[str]:
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return [os.path.join(spec_dir, "__pycache__"), os.path.join(xdg, "nlcodec")]


def open_index(spec_dir: str, names: list[str]) -> "Index | None":
    """The cache's index (families load on demand), or None (no cache, a
    stale one, or one that does not read)."""
    if not enabled():
        return None
    k = key(spec_dir, names).encode()
    for d in _places(spec_dir):
        path = os.path.join(d, _FILE)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        end = data.find(b"\0")
        if data[:end] != k:
            continue            # made from other spec files: stale
        try:
            idx = Index(memoryview(data)[end + 1:])     # (the sections not copied)
        except Exception:       # a damaged file: read the specs instead
            return None
        if idx.modules != names:
            return None
        return idx
    return None


def load(spec_dir: str, names: list[str]):
    """[(module name, [Family])] from the cache, every module, or None (no
    cache, a stale one, or one that does not load)."""
    idx = open_index(spec_dir, names)
    if idx is None:
        return None
    try:
        return [(n, idx.module(n)) for n in names]
    except Exception:           # a damaged file: read the specs instead
        return None


class Index:
    """A cache file's body: what the registry needs to know before loading
    any family, and each spec module's families, unpickled on demand
    (``module``; the caller serialises calls)."""

    def __init__(self, body):
        body = memoryview(body)
        n = int.from_bytes(body[:8], "little")
        head = marshal.loads(body[8:8 + n])
        self._body = body[8 + n:]
        self.modules: list = head["modules"]
        self._sections: dict = head["sections"]
        # (family name, its module), in the order the spec modules define them
        self.families: list = head["families"]
        # protocol -> [(message type, family name, message id, name, UAPI name)]:
        # the family each type belongs to, as registering every family leaves it
        self.types: dict = head["types"]
        # enum name -> the first family (in that order) that defines it
        self.enums: dict = head["enums"]
        self.type_family = {p: {row[0]: row[1] for row in rows} for p, rows in self.types.items()}
        if len(self._body) != sum(n for _, n in self._sections.values()):
            raise ValueError("spec cache: the file is cut short")
        self._refs: dict = {}       # the structs unpickled so far, shared by all modules
        self._done: dict = {}

    def module(self, name: str) -> list:
        fams = self._done.get(name)
        if fams is None:
            off, n = self._sections[name]
            fams = _Unpickler(self._body[off:off + n], self._refs).load()
            if not isinstance(fams, list):
                raise UnpicklingError(f"{name}: not a list of families")
            self._done[name] = fams
            _cached[name] = fams
        return fams


def loads(body: bytes) -> list:
    """[(module name, [Family])] of a cache file's body (``dumps``)."""
    idx = Index(body)
    return [(n, idx.module(n)) for n in idx.modules]


def save(spec_dir: str, names: list[str], modules) -> str | None:
    """Pickle the families of the spec modules (given in ``names``' order);
    the path written, or None where no place is writable."""
    if not enabled():
        return None
    data = dumps([(n, list(getattr(m, "FAMILIES", ()))) for n, m in zip(names, modules)])
    return write_first(spec_dir, _FILE, key(spec_dir, names).encode() + b"\0" + data)


def write_first(spec_dir: str, name: str, data: bytes) -> str | None:
    """Write ``data`` as ``name`` in the first writable cache place of
    ``spec_dir``; the path written, or None where no place is writable."""
    for d in _places(spec_dir):
        try:
            os.makedirs(d, exist_ok=True)
            path = os.path.join(d, name)
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)       # readers see the old file or the new, whole
        except OSError:
            continue
        return path
    return None


# -- where each struct lives ------------------------------------------------------


def _structs_of(fam):
    """(place in the family, construct struct) of every struct a family holds."""
    from .spec import SubMessage
    if fam.header is not None:
        yield ("header",), fam.header
    for m in fam.messages:
        if m.header is not None:
            yield ("msg", m.name), m.header
    for s in fam.attrsets.values():
        for a in s.attrs:
            if a.struct is not None:
                yield ("struct", s.name, a.name), a.struct
            if a.header is not None:
                yield ("attr_header", s.name, a.name), a.header
            for k, fmt in (a.formats or {}).items():
                if isinstance(fmt, SubMessage):
                    if fmt.header is not None:
                        yield ("fmt_header", s.name, a.name, k), fmt.header
                elif fmt is not None and not isinstance(fmt, str):
                    yield ("fmt", s.name, a.name, k), fmt


def _name(fam, place):
    """The layout's name, as ``tables`` names it when it compiles the struct."""
    kind = place[0]
    if kind == "header":
        return f"{fam.name}.header"
    if kind == "msg":
        return f"{fam.name}.{place[1]}.header"
    if kind == "struct":
        return f"{place[1]}.{place[2]}"
    where = f"{fam.name}.{place[1]}.{place[2]}"
    if kind == "attr_header":
        return where + ".header"
    return f"{where}[{place[3]}]" + (".header" if kind == "fmt_header" else "")


def _find(fam, place):
    kind = place[0]
    if kind == "header":
        return fam.header
    if kind == "msg":
        return next(m.header for m in fam.messages if m.name == place[1])
    a = next(a for a in fam.attrsets[place[1]].attrs if a.name == place[2])
    if kind == "struct":
        return a.struct
    if kind == "attr_header":
        return a.header
    fmt = a.formats[place[3]]
    return fmt.header if kind == "fmt_header" else fmt


def dumps(mods) -> bytes:
    """A cache file's body for [(module name, [Family])]: the index, then a
    pickle of each module's families, in which each construct struct is
    written as (its first place among all modules, its compiled layout)."""
    from .structs import compile_struct, layout_state
    refs = {}
    for mod, fams in mods:
        for fam in fams:
            for place, st in _structs_of(fam):
                if id(st) not in refs:
                    refs[id(st)] = ((mod, fam.name) + place,
                                    layout_state(compile_struct(st, _name(fam, place))), st)
    import io
    sections, parts, off = {}, [], 0
    families: list = []
    types: dict = {}
    enums: dict = {}
    for mod, fams in mods:
        buf = io.BytesIO()
        _pickler(buf, refs).dump(list(fams))
        parts.append(buf.getvalue())
        sections[mod] = (off, len(parts[-1]))
        off += len(parts[-1])
        for fam in fams:
            families.append((fam.name, mod))
            for e in fam.enums:
                enums.setdefault(e, fam.name)
            if not fam.genl:            # as registry._add fills its type table
                t = types.setdefault(fam.protocol, {})
                for m in fam.messages:
                    t[fam.wire_type(m.id)] = (fam.name, m.id, m.name, m.uapi)
    head = marshal.dumps({"modules": [m for m, _ in mods], "sections": sections,
                          "families": families, "enums": enums,
                          "types": {p: [(ty,) + v for ty, v in t.items()]
                                    for p, t in types.items()}})
    return len(head).to_bytes(8, "little") + head + b"".join(parts)


def _pickler(buf, refs):
    import pickle

    class _Pickler(pickle.Pickler):
        # a method of a subclass: Python 3.13 made an instance's persistent_id read-only
        def persistent_id(self, obj):
            hit = refs.get(id(obj))
            if hit is not None and hit[2] is obj:
                return ("struct", hit[0], hit[1])
            return None

    return _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)


class _Unpickler(_CUnpickler):
    def __init__(self, data, refs: dict):
        import io
        super().__init__(io.BytesIO(data))
        self._refs = refs       # place -> StructRef: one object per struct across modules

    def persistent_load(self, pid):
        from .structs import StructRef
        kind, ref, state = pid
        if kind != "struct":
            raise UnpicklingError(f"unknown persistent id {kind!r}")
        r = self._refs.get(ref)
        if r is None:
            r = self._refs[ref] = StructRef(ref, state)
        return r


_cached: dict = {}      # module name -> its families, as the cache gave them


_adopted: set = set()    # spec modules whose objects are the cache's


def spec_module(name: str):
    """A spec module, imported.  Where the registry's families came from
    the cache, the module's families, attribute sets, messages and enums are
    rebound to the registry's (so ``module.key_attrs is`` the set the codec
    decoded with), and its structs stand for the cache's layouts
    (``compile_struct`` of them gives the registry's, names bound)."""
    import importlib
    from .registry import _specs_package, load_spec_module
    pkg = _specs_package().__name__
    load_spec_module(name)          # the registry's families of it first
    mod = importlib.import_module(f"{pkg}.{name}")
    if _cached:
        loaded = {n for n in _cached if f"{pkg}.{n}" in sys.modules}
        if not loaded <= _adopted:
            _adopt(pkg, loaded)
    return mod


def _adopt(pkg, loaded):
    """Make the imported spec modules' objects the cache's ones."""
    from .structs import StructRef
    same = {}           # id(module object) -> the cache's object
    for n in loaded:
        real = {f.name: f for f in getattr(sys.modules[f"{pkg}.{n}"], "FAMILIES", ())}
        for fam in _cached[n]:
            r = real.get(fam.name)
            if r is None:
                continue
            same[id(r)] = fam
            for k, s in fam.attrsets.items():
                if k in r.attrsets:
                    same[id(r.attrsets[k])] = s
            for k, e in fam.enums.items():
                if k in r.enums:
                    same[id(r.enums[k])] = e
            for m, rm in zip(fam.messages, r.messages):
                same[id(rm)] = m
            for place, ref in _structs_of(fam):
                if type(ref) is StructRef and ref._real is None:
                    ref._adopt(_find(r, place))
    for n in loaded:
        mod = sys.modules[f"{pkg}.{n}"]
        for k, v in list(vars(mod).items()):
            hit = same.get(id(v))
            if hit is not None:
                setattr(mod, k, hit)
            elif k == "FAMILIES" and isinstance(v, (list, tuple)) and all(
                    id(f) in same for f in v):
                setattr(mod, k, type(v)(same[id(f)] for f in v))
    _adopted.update(loaded)


def resolve(ref):
    """The construct struct at a place (module, family, ...): imports the
    spec module."""
    import importlib
    from .registry import _specs_package
    mod = importlib.import_module(f"{_specs_package().__name__}.{ref[0]}")
    spec_module(ref[0])
    fam = next(f for f in mod.FAMILIES if f.name == ref[1])
    st = _find(fam, ref[2:])
    from .structs import real_struct
    return real_struct(st)
