"""Choosing which decoded capture messages to show (``nlcodec decode`` options).

Every test runs on decoded values, never on formatted text, so a message that
is not wanted costs its decode and a look at a few values, not its JSON or
tree.  Cheapest first: the netlink protocol (known from the record's cooked
header, before decoding: ``protocols``), then the message's family, type and
direction, then attribute values (``--match KEY=VALUE``).

``--match`` finds KEY at any depth: the fixed header's members and the
attributes, nests and lists included (``kind=flower`` finds ``TCA_KIND``;
``ifname=veth0`` ``IFLA_IFNAME``); ``linkinfo.kind=veth`` asks for ``kind``
directly inside ``linkinfo``.  Keys are our names or UAPI names
(``IFLA_IFNAME``).  A value matches when it reads the same as the decoded
value: the text of a string, a number in decimal or 0x-hex, the name of an
enum value (``operstate=up``), bytes as hex, ``true`` or ``false``.
Several ``--match`` must all hold.
"""

from __future__ import annotations

from . import registry

DIRECTIONS = ("to-kernel", "from-kernel")


def _names(values):
    """A set of names from repeated and comma-separated option values."""
    out = set()
    for v in values or ():
        out.update(x.strip() for x in v.split(",") if x.strip())
    return out


class Match:
    """One ``KEY=VALUE`` test on a message's decoded values."""

    def __init__(self, text: str):
        key, sep, value = text.partition("=")
        if not sep or not key:
            raise ValueError(f"--match takes KEY=VALUE (e.g. ifname=veth0, kind=flower), "
                             f"not {text!r}")
        self.path = key.split(".")
        self.value = value
        self.text = text
        try:
            self.number = int(value, 0)
        except ValueError:
            self.number = None

    def __call__(self, m) -> bool:
        fam = m._cf.spec if getattr(m, "_cf", None) is not None else None
        if _walk(m.header, None, None, self, 0) if m.header else False:
            return True
        return _walk(m.attrs, m._set, fam, self, 0)

    def same(self, v, ca, fam) -> bool:
        want = self.value
        if isinstance(v, bool):
            return want.lower() in (("true", "1") if v else ("false", "0"))
        if isinstance(v, int):
            if self.number is not None:
                return v == self.number
            if ca is not None and ca.enum and fam is not None:
                e = fam.enum(ca.enum)
                if e is not None:
                    return e.describe(v) == want or want in e.describe(v).split(",")
            return False
        if isinstance(v, str):
            return v == want
        if isinstance(v, (bytes, bytearray, memoryview)):
            return bytes(v).hex() == want.lower().replace(":", "")
        return False


def _resolve(key, cs):
    """(the name KEY has in a decoded dict of set ``cs``, its compiled attribute)."""
    if cs is not None:
        ca = cs.by_name.get(key) or cs.by_name.get(key.lower())
        if ca is None and key.isupper() and cs.prefix:
            ca = cs.by_name.get(key)
        if ca is not None:
            return ca.name, ca
    return key, None


_REACH: dict = {}      # id(cset) -> (cset, names found at any depth below it)


def _layout_names(layout, names, seen):
    if layout is None or id(layout) in seen:
        return
    seen.add(id(layout))
    for f in layout.fields:
        names.add(f.name)
        sub = f.sub
        if sub is not None and hasattr(sub, "fields"):
            _layout_names(sub, names, seen)


def _collect(sets, layouts):
    """Every key below these attribute sets and struct layouts, at any depth."""
    names, seen, stack = {"_header"}, set(), list(sets)
    for lay in layouts:
        _layout_names(lay, names, seen)
    while stack:
        c = stack.pop()
        if c is None or id(c) in seen:
            continue
        seen.add(id(c))
        for ca in c.attrs:
            names.add(ca.name)
            s2, l2 = _parts(ca)
            stack.extend(s2)
            for lay in l2:
                _layout_names(lay, names, seen)
    return frozenset(names)


def _parts(ca):
    """(attribute sets, struct layouts) a decoded attribute's value is made of."""
    sets, lays = [ca.set], [ca.layout, ca.header]
    if ca.elem is not None:
        lays.append(ca.elem.layout)
    for fmt in (ca.formats or {}).values():
        if fmt[0] == "nest":
            sets.append(fmt[1])
            lays.append(fmt[2])
        elif fmt[0] == "struct":
            lays.append(fmt[1])
    return sets, lays


def reach(cs) -> frozenset:
    """Every key a value decoded with set ``cs`` can hold, at any depth (from
    the spec: its attributes, their nests', structs' and sub-messages')."""
    hit = _REACH.get(id(cs))
    if hit is None or hit[0] is not cs:
        hit = _REACH[id(cs)] = (cs, _collect([cs], []))
    return hit[1]


def below(ca) -> frozenset:
    """Every key the value of attribute ``ca`` can hold, at any depth."""
    hit = _REACH.get(id(ca))
    if hit is None or hit[0] is not ca:
        hit = _REACH[id(ca)] = (ca, _collect(*_parts(ca)))
    return hit[1]


_LEADS: dict = {}


def _leads(cs, name):
    """(key, attribute) of the members of set ``cs`` whose values can hold ``name``."""
    hit = _LEADS.get((id(cs), name))
    if hit is None or hit[0] is not cs:
        hit = _LEADS[(id(cs), name)] = (cs, tuple((ca.name, ca) for ca in cs.attrs
                                                  if name in below(ca)))
    return hit[1]


def _child_set(ca):
    if ca is None:
        return None
    return ca.set


def _walk(d, cs, fam, match, depth) -> bool:
    """Whether ``match`` holds somewhere in the decoded value ``d``."""
    if depth > 64:
        return False
    path = match.path
    if isinstance(d, dict):
        name, ca = _resolve(path[0], cs)
        if name in d and _follow(d[name], ca, fam, match, 1):
            return True
        if cs is not None:
            # only the members the spec says can hold the key (and what the
            # decoder kept aside: repeated attributes)
            for k, sub in _leads(cs, name):
                v = d.get(k)
                if v is not None and isinstance(v, (dict, list)) and \
                        _walk(v, sub.set, fam, match, depth + 1):
                    return True
            rep = d.get("_repeated")
            return rep is not None and _walk(rep, cs, fam, match, depth + 1)
        for k, v in d.items():
            if isinstance(v, (dict, list)):
                sub = cs.by_name.get(k) if cs is not None else None
                if sub is not None and name not in below(sub):
                    continue        # the spec says nothing below holds the key
                if _walk(v, _child_set(sub), fam, match, depth + 1):
                    return True
        return False
    if isinstance(d, list):
        return any(_walk(x, cs, fam, match, depth + 1) for x in d if isinstance(x, (dict, list)))
    return False


def _follow(v, ca, fam, match, i) -> bool:
    """Whether the rest of the path from ``i`` leads from ``v`` to the value."""
    path = match.path
    if i == len(path):
        if isinstance(v, list) and (ca is None or ca.multi or not v or
                                    not isinstance(v[0], (dict, list))):
            return any(match.same(x, ca, fam) for x in v)
        return match.same(v, ca, fam)
    if isinstance(v, list):
        return any(_follow(x, ca, fam, match, i) for x in v)
    if not isinstance(v, dict):
        return False
    name, sub = _resolve(path[i], _child_set(ca))
    if name in v:
        return _follow(v[name], sub, fam, match, i + 1)
    # a list or type-value nest: its members hold the key
    return any(_follow(x, ca, fam, match, i) for x in v.values() if isinstance(x, dict))


class Selection:
    """Which messages to show: ``keep_protocol(number)`` before decoding a
    record, ``__call__(message)`` after."""

    def __init__(self, protocols=(), families=(), types=(), direction=None, matches=()):
        self.protocols = {registry.protocol_number(p) for p in _names(protocols)} or None
        self.families = _names(families) or None
        self.types = {t.lower() for t in _names(types)} or None
        if direction is not None and direction not in DIRECTIONS:
            raise ValueError(f"--direction is {' or '.join(DIRECTIONS)}, not {direction!r}")
        self.direction = direction
        self.matches = [Match(t) for t in matches or ()]
        self.everything = not (self.families or self.types or direction or self.matches)
        if self.families:
            self._imply_protocols()

    def _imply_protocols(self):
        """Families name their protocol (a protocol's name is the family of
        its messages, ``route``): records of others are skipped undecoded."""
        implied = set()
        for f in self.families:
            try:
                implied.add(registry.protocol_number(f))
                continue
            except ValueError:
                pass
            try:
                fam = registry.family(f)
            except KeyError:
                return               # a genl id's number, or a family loaded later
            implied.add(registry.protocol_number("generic" if fam.genl else fam.protocol))
        self.protocols = implied if self.protocols is None else self.protocols & implied

    def __call__(self, m) -> bool:
        if self.everything:
            return True
        if self.direction is not None and m.direction != self.direction:
            return False
        if self.families is not None:
            cf = getattr(m, "_cf", None)
            if m.family not in self.families and (cf is None or cf.spec.name not in
                                                  self.families):
                return False
        if self.types is not None:
            t = str(m.type).lower()
            if t not in self.types:
                cmd = getattr(m, "_cmd", None)
                uapi = getattr(getattr(cmd, "spec", None), "uapi", None) if cmd else None
                if not uapi or uapi.lower() not in self.types:
                    return False
        for match in self.matches:
            if not match(m):
                return False
        return True
