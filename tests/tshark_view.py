"""tshark's view of a netlink capture, for comparing ours against it
(tests/test_capture.py and the kernel tier's tests/kernel/test_capture_tshark.py).
Wireshark's dissectors are independent of nlcodec: what they decode is the
expected value."""

import json
import shutil
import subprocess

from nlcodec.capture import CaptureDecoder

TSHARK = shutil.which("tshark")


def tshark_json(path):
    """``tshark -T json`` of a capture, with duplicate keys kept (pairs lists)."""
    r = subprocess.run([TSHARK, "-r", str(path), "-T", "json"], capture_output=True, text=True,
                       check=True)
    return json.loads(r.stdout, object_pairs_hook=list)


def flat_fields(pairs, out=None):
    """Every (field, value) leaf below ``pairs``, depth first, in order."""
    out = [] if out is None else out
    for k, v in pairs:
        if isinstance(v, list) and v and isinstance(v[0], tuple):
            flat_fields(v, out)
        else:
            out.append((k, v))
    return out


def frames(path):
    """Per frame: the (field, value) leaves of every layer but "frame"."""
    out = []
    for pkt in tshark_json(path):
        layers = _get(_get(pkt, "_source"), "layers")
        out.append(flat_fields([(n, ly) for n, ly in layers if n != "frame"
                                and isinstance(ly, list)]))
    return out


def _get(pairs, key, default=None):
    for k, v in pairs:
        if k == key:
            return v
    return default


def _find(pairs, key):
    """The first value of ``key`` anywhere below ``pairs`` (depth first)."""
    for k, v in pairs:
        if k == key:
            return v
        if isinstance(v, list) and v and isinstance(v[0], tuple):
            r = _find(v, key)
            if r is not None:
                return r
    return None


def tshark_messages(path):
    """Per netlink message: (len, type, flags, seq, pid, error, ctrl family_name/id)."""
    out = []
    for pkt in tshark_json(path):
        layers = _get(_get(pkt, "_source"), "layers")
        for name, layer in layers:
            if name in ("frame", "netlink") or not isinstance(layer, list):
                continue
            hdr = next((v for k, v in layer if k.startswith("Netlink message header")), None)
            if hdr is None:
                continue
            ty = next(v for k, v in hdr if k in ("netlink.hdr_type", "genl.family_id")
                      or k.endswith(".nltype"))
            err = _get(layer, "netlink.error")
            out.append((int(_get(hdr, "netlink.hdr_len")), int(ty, 0),
                        int(_get(hdr, "netlink.hdr_flags"), 16), int(_get(hdr, "netlink.hdr_seq")),
                        int(_get(hdr, "netlink.hdr_pid")), None if err is None else int(err),
                        _find(layer, "genl.ctrl.family_name"),
                        _find(layer, "genl.ctrl.family_id")))
    return out


def ours(path):
    """The tuples of tshark_messages, from nlcodec's CaptureDecoder."""
    out = []
    for m in CaptureDecoder().decode_pcap(path):
        name = fid = None
        if m.protocol == "generic" and m.family == "nlctrl":
            name, fid = m.get("family_name"), m.get("family_id")
        err = m.error if m.type_id == 2 else None
        out.append((m.length, m.type_id, m.flags, m.seq, m.pid, err, name,
                    None if fid is None else f"{fid:#06x}"))
    return out
