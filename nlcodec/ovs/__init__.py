"""Open vSwitch datapath flows as ``ovs-dpctl`` prints and reads them.

The formatting and parsing of Open vSwitch's lib/odp-util.c
(``odp_flow_format``, ``format_odp_actions``, ``odp_flow_from_string``,
``odp_actions_from_string``) and lib/dpctl.c (``format_dpif_flow``), on top
of the codec: the formatter walks keys, masks and actions as the codec
decodes them (bytes are decoded first; a malformed stream is the codec's
``nlcodec.DecodeError`` with path and offset), and the parser builds the
dicts the codec encodes.  Every number, layout and display fact is in
specs/ovs.py: the attribute sets, the struct layouts (``user_action_cookie``,
``geneve_opt``, ``erspan_md2``...), and ovs-dpctl's names and bit fields
(``KEY_TEXT``, ``KEY_FIELDS``, ``BITS``...).  Text that cannot be read raises
ValueError naming the token.  ``ports={name: number}`` shows and reads port
names as ``ovs-dpctl --names`` does.

The modules: ``format_key``/``format_tunnel``/``format_actions`` (the
printer), ``parse_key``/``parse_tunnel``/``parse_actions`` (the reader),
``format``/``parse`` (flows), ``text`` (what both share), ``cookie``
(struct user_action_cookie), ``show`` (the CLI's ``ovs-dpctl:`` lines).

The kernel tier (tests/kernel/test_ovs_odp_corpus.py) checks this package
against ovs-dpctl itself on OVS's own tests/odp.at strings.

    >>> format_flow(msg)            # an OVS_FLOW_CMD_NEW/GET reply
    'recirc_id(0),in_port(2),eth(...),eth_type(0x0800),ipv4(...), packets:0, bytes:0,
     used:never, actions:3'
"""

from __future__ import annotations

from .format import format_actions, format_flow, format_key, ufid_text
from .format_actions import format_userdata
from .parse import parse_flow

__all__ = ["format_flow", "format_key", "format_actions", "format_userdata", "ufid_text",
           "parse_flow"]
