"""nlcodec.tc.parse against tc itself.

Expected bytes: tests/data/tc_corpus_requests.txt, what iproute2's tc 6.1
sent for each line of the corpus (tests/tc_corpus.py, 800+ distinct lines:
flower keys of every family, matchall, u32 (offset, hashkey, sample, ht,
order, link, police), addresses as lib/utils.c reads them, gact/mirred/vlan actions with index,
cookie and flags, qdisc lines incl. fifo, fq_codel, tbf, prio, sfq (with its RED words),
red, choke, codel, pie, fq_pie, hhf, fq, sfb,
htb and netem options), captured with strace -e write=all by
tests/tc_capture.py in a network namespace whose lo is ifindex 1.  Where tc
and strace run here, a sample is captured again at test time.  Errors:
lines tc itself refuses (it sends nothing) are refused by parse with the
word and column named."""

import os
import subprocess

import pytest

import nlcodec
from nlcodec import tc
from nlcodec.tc import TcSyntaxError

import tc_capture
import tc_corpus

HERE = os.path.dirname(os.path.abspath(__file__))


def _stored():
    out = []
    with open(os.path.join(HERE, "data", "tc_corpus_requests.txt")) as f:
        for line in f:
            if not line.startswith("#"):
                text, hexs = line.rstrip("\n").split("\t")
                out.append((text, bytes.fromhex(hexs)))
    return out


CORPUS = _stored()


def _same(ours, theirs):
    """equal but for nlmsg_seq and nlmsg_pid (bytes 8..16) and what tc leaves
    uninitialised (tc_capture.defined: u32's mark.success)."""
    theirs = tc_capture.defined(theirs)
    return ours[:8] == theirs[:8] and ours[16:] == theirs[16:]


def test_corpus_is_the_generated_one():
    assert [t for t, _ in CORPUS] == tc_corpus.lines("lo")
    assert len(CORPUS) >= 300 and len(set(t for t, _ in CORPUS)) == len(CORPUS)


@pytest.mark.parametrize("backend", ["native", "pure"])
def test_corpus_bytes_equal_tcs(backend):
    nlcodec.use_backend(backend)
    try:
        bad = [text for text, raw in CORPUS
               if not _same(tc.parse(text, ifindex={"lo": 1}).encode(), raw)]
    finally:
        nlcodec.use_backend(None)
    assert not bad, f"{len(bad)} lines differ from tc, first: {bad[:3]}"


@pytest.fixture(scope="module")
def ns():
    if not tc_capture.available():
        pytest.skip("needs tc, strace and root")
    from nlcodec import netns
    with netns.temporary("nlctcp") as name:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        yield name


def test_live_tc_sends_the_stored_bytes(ns):
    sample = [t for t, _ in CORPUS[::12]]
    got = tc_capture.capture_each(sample, ns)
    for text, raw in zip(sample, got):
        assert raw is not None, text
        assert _same(tc.parse(text, ifindex={"lo": 1}).encode(), raw), text


BAD = [
    # (line, the word named: None for the end of the line)
    ("filter add dev lo ingress prio 1 protocol ip flower src_mca e4:11:00:00:00:01 action drop", "src_mca"),
    ("filter add dev lo ingress prio 1 protocol ip flower src_mac e4:11:zz:00:00:01 action drop", "e4:11:zz:00:00:01"),
    ("filter add dev lo ingress prio 1 protocol ip flower dst_ip 10.0.0.300", "10.0.0.300"),
    ("filter add dev lo ingress prio 1 protocol ip flower ip_proto tcp dst_port", None),
    ("filter add dev lo ingress prio 1 protocol ip flower action mirred egress redirect dev nosuch0", "nosuch0"),
    ("filter add dev lo ingress prio 70000 protocol ip flower", "70000"),
    ("filter add dev lo ingress prio 1 protocol ip flower vlan_id 5", "vlan_id"),
    ("filter add dev lo ingress prio 1 protocol ipv6 flower dst_ip 10.0.0.1", "10.0.0.1"),
    ("filter add dev lo ingress prio 1 protocol ip flower action bogus", "bogus"),
    ("filter add dev lo ingress prio 1 protocol ip flower action vlan push priority 2", None),
    ("filter add dev lo ingress prio 1 protocol ip nosuchkind", "nosuchkind"),
    ("filter frob dev lo", "frob"),
    # issue 19's grammar: values tc refuses too
    ("filter add dev lo ingress prio 1 matchall action gact pass random netrand drop 10001", "10001"),
    ("filter add dev lo ingress prio 1 matchall action mpls push label 1048576", "1048576"),
    ("filter add dev lo ingress prio 1 matchall action mpls push label 16 protocol ip", "ip"),
    ("filter add dev lo ingress prio 1 protocol mpls_uc flower mpls lse depth 0 action drop", "0"),
    ("filter add dev lo ingress prio 1 protocol mpls_uc flower mpls lse depth 1 label 1048576",
     "1048576"),
    ("filter add dev lo ingress prio 1 protocol ip flower pppoe_sid 5", "pppoe_sid"),
    ("filter add dev lo ingress prio 1 matchall action nat ingress 10.0.0.300 10.0.0.1", "10.0.0.300"),
    ("filter add dev lo ingress prio 1 matchall action police rate 1mbit", None),
    ("filter add dev lo ingress prio 1 matchall action police rate 1zbit burst 1k", "1zbit"),
    ("filter add dev lo ingress prio 1 protocol ip u32 match u32 1 0xffffffff at 0x1g", "0x1g"),
    ("filter add dev lo ingress prio 1 protocol ipv6 u32 match ip6 dst 10.0.0.1", "10.0.0.1"),
    ("filter add dev lo ingress prio 1 protocol ip u32 match mark 5 0x1", "mark"),
    ("filter add dev lo ingress prio 1 protocol ip u32 match icmp kind 8 0xff", "kind"),
    ("filter add dev lo ingress prio 1 protocol ip u32 match ether src 02:00:00:00:00", "02:00:00:00:00"),
    ("filter add dev lo ingress prio 1 protocol ipv6 u32 match ip6 priority 0x100 0xff", "0x100"),
    ("filter add dev lo ingress prio 1 matchall action police rate 1mbit burst 1k linklayer x", "x"),
    ("filter add dev lo ingress prio 1 matchall action police rate 1mbit burst 1k conform-exceed drop /", None),
    ("filter add dev lo ingress prio 1 matchall action nat ingress 10.0.0.0/255.0.255.0 10.0.0.1", "10.0.0.0/255.0.255.0"),
    # f_flower.c flower_parse_gtp_opt: one part (tc reads a NULL token), a part over 8 bits
    ("filter add dev lo ingress prio 9 protocol ip flower gtp_opts 1 action drop", "1"),
    ("filter add dev lo ingress prio 1 protocol ip flower gtp_opts 1:100:5 action drop", "1:100:5"),
    ("filter add dev lo ingress prio 1 protocol ip flower gtp_opts 1:2/3 action drop", "1:2/3"),
    ("filter add dev lo ingress prio 1 matchall action tunnel_key set src_ip 10.0.0.1 dst_ip 10.0.0.2 geneve_opts 1:2:33:44", "1:2:33:44"),
    ("filter add dev lo ingress prio 1 matchall action tunnel_key set src_ip 10.0.0.1 dst_ip 10.0.0.2 erspan_opts 1:2:3:4:5", "1:2:3:4:5"),
    ("filter add dev lo ingress prio 1 matchall action tunnel_key set src_ip 10.0.0.1 dst_ip 10.0.0.2 vxlan_opts 1x", "1x"),
    ("qdisc add dev lo root pfifo limt 5", "limt"),
    # tc sends two TCA_FLOWER_KEY_ENC_OPTS here (refused: a request dict holds one)
    ("filter add dev lo ingress prio 1 protocol ip flower vxlan_opts 1 erspan_opts 1:2:0:0", "erspan_opts"),
    ("qdisc add dev lo root fq_codel target 5xs", "5xs"),
    ("qdisc add dev lo root fq_codel ce_threshold_selector 1", "1"),
    ("qdisc add dev lo root fq_codel bogus", "bogus"),
    # tbf_parse_opt, prio_parse_opt, sfq_parse_opt, htb_parse_opt refuse these too
    ("qdisc add dev lo root tbf rate 1mbit burst 10k", None),
    ("qdisc add dev lo root tbf rate 1mbit burst 10k latency 5ms limit 10k", "limit"),
    ("qdisc add dev lo root tbf rate 1mbit burst 10k limit 10k lnklayer atm", "lnklayer"),
    ("qdisc add dev lo root tbf rate 1xbit burst 10k limit 1k", "1xbit"),
    ("qdisc add dev lo root tbf rate 1mbit burst 10k limit 1k peakrate 2mbit", None),
    ("qdisc add dev lo root tbf burst 10k limit 1k", None),
    ("qdisc add dev lo root tbf rate 1mbit burst 10k/3 limit 1k", "10k/3"),
    ("qdisc add dev lo root prio priomap 0 1 5", "5"),
    ("qdisc add dev lo root prio 1", "1"),
    ("qdisc add dev lo root prio bands x", "x"),
    ("qdisc add dev lo root sfq limit 1", "1"),
    ("qdisc add dev lo root sfq flow 5", "flow"),
    ("qdisc add dev lo root htb default 1g", "1g"),
    ("qdisc add dev lo root htb rate 1mbit", "rate"),
    ("qdisc add dev lo root netem reorder 25%", None),
    ("qdisc add dev lo root netem delay 10ms gap 5", None),
    ("qdisc add dev lo root netem ecn", None),
    ("qdisc add dev lo root netem loss 101%", "101%"),
    ("qdisc add dev lo root netem loss sometimes", "sometimes"),
    ("qdisc add dev lo root netem delay 300s", "300s"),
    ("qdisc add dev lo root netem jitter 5ms", "jitter"),
    ("qdisc add dev lo root netem rate 1mbit 1x", "1x"),
    ("qdisc add dev lo root netem loss state 1% 2x", "2x"),
    ("qdisc add dev lo root netem loss gemodel 120%", "120%"),
    ("qdisc add dev lo root netem loss state 1% 2% 3% 4% 5% 6%", "6%"),
    ("qdisc add dev lo root netem slot 2ms 1ms", "1ms"),
    ("qdisc add dev lo root netem slot fast", "fast"),
    ("qdisc add dev lo root netem slot 1ms packets x", "x"),
    # lib/utils.c get_addr_ipv4 / get_prefix_1 refuse these too: a part above 255, 08 (not
    # octal), a fifth part, a prefix length after any, an address flower's protocol all
    # does not take, a netmask that is not 2^n - 1
    ("filter add dev lo ingress prio 1 protocol ip flower dst_ip 10.0.0.300 action drop", "10.0.0.300"),
    ("filter add dev lo ingress prio 1 protocol ip flower dst_ip 08.0.0.1 action drop", "08.0.0.1"),
    ("filter add dev lo ingress prio 1 protocol ip flower dst_ip 10.0.0.1.2 action drop", "10.0.0.1.2"),
    ("filter add dev lo ingress prio 1 protocol ip flower dst_ip any/8 action drop", "any/8"),
    ("filter add dev lo ingress prio 1 protocol all flower dst_ip 10.1 action drop", "dst_ip"),
    ("filter add dev lo ingress prio 1 protocol ip u32 match ip dst 10.0.0.0/255.0.255 classid 1:1", "10.0.0.0/255.0.255"),
    # m_ct.c parse_ct: NEXT_ARG after the nat address range
    ("filter add dev lo ingress prio 1 matchall action ct commit nat src addr 10.0.0.1", None),
    # f_u32.c u32_parse_opt, parse_offset, parse_hashkey refuse these too
    ("filter add dev lo ingress prio 9 protocol ip u32 offset at 1 match u32 0 0", "1"),
    ("filter add dev lo ingress prio 9 protocol ip u32 hashkey at 2 match u32 0 0", "2"),
    ("filter add dev lo ingress prio 1 protocol ip u32 sample ip src 10.0.0.0/8 divisor 16", "16"),
    ("filter add dev lo ingress prio 1 protocol ip u32 link 2:0:1 match u32 0 0", "2:0:1"),
    ("filter add dev lo ingress prio 1 protocol ip handle 800::3 u32 ht 2:0:1 match u32 0 0", "2:0:1"),
    ("filter add dev lo ingress prio 9 protocol ip handle 800::3 u32 order 4 match u32 0 0", "4"),
    ("filter add dev lo ingress prio 1 protocol ip u32 divisor 3", "3"),
    ("filter add dev lo ingress prio 1 protocol ip handle -1: u32 match u32 0 0", "-1:"),
    ("filter add dev lo ingress prio 1 protocol ip handle 1:g u32 match u32 0 0", "1:g"),
    ("filter add dev lo ingress prio 1 protocol ip handle 1000: u32 match u32 0 0", "1000:"),
    ("filter add dev lo ingress prio 1 protocol ip handle 1;2 u32 match u32 0 0", "1;2"),
    ("filter add dev lo ingress prio 1 protocol ip flower classid 1_0:1 action drop", "1_0:1"),
    ("filter add dev lo ingress prio 1 protocol ip flower classid -1:1 action drop", "-1:1"),
    ("filter add dev lo ingress prio 1 protocol ip flower classid 1:1x action drop", "1:1x"),
    ("filter add dev lo ingress prio 1 protocol ip flower classid ROOT action drop", "ROOT"),
    ("qdisc add dev lo root handle 10000: pfifo", "10000:"),
    ("qdisc add dev lo root handle 1x pfifo", "1x"),
    ("qdisc add dev lo root handle :1 pfifo", ":1"),
    ("filter add dev lo ingress prio 1 protocol ip u32 offset", "offset"),
    ("filter add dev lo ingress prio 1 protocol ip u32 sample mark 1 1 match u32 0 0", "sample"),
    ("filter add dev lo ingress prio 1 protocol ip u32 sample ip dst 10.0.0.0/16 tcp src 1 0xffff", "tcp"),
    # q_drr.c, q_multiq.c, q_fifo.c (pfifo_fast), q_cbs.c, q_etf.c, q_mqprio.c refuse these too
    ("qdisc add dev lo root drr quantum 5", "quantum"),
    ("qdisc add dev lo root qfq weight 5", "weight"),
    ("qdisc add dev lo root multiq bands 4", "bands"),
    ("qdisc add dev lo root pfifo_fast bands 3", "bands"),
    ("qdisc add dev lo root cbs hicredit 5 hi 6", "hi"),
    ("qdisc add dev lo root cbs idleslope 1x", "1x"),
    ("qdisc add dev lo root cbs offload 256", "256"),
    ("qdisc add dev lo root cbs slope 5", "slope"),
    ("qdisc add dev lo root etf clockid CLOCK_FOO", "CLOCK_FOO"),
    ("qdisc add dev lo root etf offload off", "off"),
    ("qdisc add dev lo root etf skip_sock", "skip_sock"),
    ("qdisc add dev lo root mqprio hw 0 mode channel", "mode"),
    ("qdisc add dev lo root mqprio mode fast", "fast"),
    ("qdisc add dev lo root mqprio num_tc 1 queues 1@0 1@1", None),
    ("qdisc add dev lo root mqprio shaper bw_rlimit min_rate 1mbit", None),
    ("qdisc add dev lo root mqprio min_rate 1mbit", "min_rate"),
    ("qdisc add dev lo root mqprio queues 1@0 7", "7"),
    ("qdisc add dev lo root mqprio num_tc 256", "256"),
    # tc_class.c tc_class_modify, q_htb.c, q_drr.c, q_qfq.c class options refuse these too
    ("class add dev lo parent 1: classid 1:1 htb ceil 1mbit", None),
    ("class add dev lo parent 1: classid 1:1 htb rate 1mbit r 2mbit", "r"),
    ("class add dev lo parent 1: classid 1:1 pfifo", "pfifo"),
    ("class add dev lo parent 1: classid 1:1 nosuchqdisc", "nosuchqdisc"),
    ("class add dev lo parent 1: classid 1:1 htb rate 1mbit linklayer foo", "foo"),
    ("class add dev lo handle 1:1 htb rate 1mbit", "handle"),
    ("class add dev lo parent 1: classid 1:1 drr quantum x", "x"),
    ("class add dev lo parent 1: classid 1:1 drr quant 5", "quant"),
    ("class add dev lo parent 1: classid 1:1 qfq weight -1", "-1"),
    ("class add dev lo root classid 1:1 parent 2:", "parent"),
    ("class add dev lo parent 1: classid 1:x htb rate 1mbit", "1:x"),
    ("class frob dev lo", "frob"),
    ("class add dev lo parent 1: classid 1:1 hfsc sc rate 1mbit", "hfsc"),
    # tc_stab.c parse_size_table, m_estimator.c parse_estimator refuse these too
    ("qdisc add dev lo root stab pfifo", "stab"),
    ("qdisc add dev lo root stab linklayer foo pfifo", "foo"),
    ("qdisc add dev lo root stab overhead 0x10 pfifo", "0x10"),
    ("qdisc add dev lo root estimator 9s 10s pfifo", "10s"),
    ("qdisc add dev lo root estimator 1s pfifo", "pfifo"),
    ("filter add dev lo ingress prio 1 estimator 1s 100us matchall action drop", "100us"),
    ("qdisc add dev lo ingress handle", None),
    ("qdisc add dev lo ingress bogus", "bogus"),
    # the AQM qdiscs' readers (q_red.c, q_choke.c, q_codel.c, q_pie.c, q_fq_pie.c, q_hhf.c,
    # q_fq.c, q_sfb.c, q_sfq.c) refuse these too; None: tc's checks after the words
    ("qdisc add dev lo root red limit 100k", None),
    ("qdisc add dev lo root red limit 100k avpkt 1000 bogus 1", "bogus"),
    ("qdisc add dev lo root red limit 1x avpkt 1000", "1x"),
    ("qdisc add dev lo root red limit 100k avpkt 1000 probability x", "x"),
    ("qdisc add dev lo root red limit 100k avpkt 1000 burst 1", None),   # tc_red_eval_ewma
    ("qdisc add dev lo root red limit 100k avpkt 1000 bandwidth 40gbit", "40gbit"),  # get_rate: 32 bits
    ("qdisc add dev lo root red limit 100k avpkt 1000 min 90000 max 1000", None),  # tc_red_eval_P
    ("qdisc add dev lo root red limit 100k avpkt 1000 qevent mark ecn", "ecn"),
    ("qdisc add dev lo root red limit 100k avpkt 1000 qevent mark", None),
    ("qdisc add dev lo root red limit 100k avpkt 1000 qevent bogus block 1", "bogus"),
    ("qdisc add dev lo root red limit 100k avpkt 1000 qevent mark block 0", "0"),
    ("qdisc add dev lo root red limit 100k avpkt 1000 qe mark block 7 block 8", "8"),
    ("qdisc add dev lo root choke limit 100", None),
    ("qdisc add dev lo root choke limit 100 bandwidth 1mbit max 200", None),
    ("qdisc add dev lo root choke limit 100000 bandwidth 1mbit avpkt 1m", None),
    ("qdisc add dev lo root choke limit 100 bandwidth 1mbit avpkt", None),
    ("qdisc add dev lo root codel target 5xs", "5xs"),
    ("qdisc add dev lo root codel ecn limit", None),
    ("qdisc add dev lo root codel help", "help"),
    ("qdisc add dev lo root pie alpha 33", "33"),
    ("qdisc add dev lo root pie bytemod", "bytemod"),
    ("qdisc add dev lo root fq_pie ecn_prob 100", "100"),
    ("qdisc add dev lo root fq_pie memory_limit 1q", "1q"),
    ("qdisc add dev lo root hhf limit -1", "-1"),
    ("qdisc add dev lo root hhf reset_timeout 1h", "1h"),
    ("qdisc add dev lo root fq maxrate 1zbit", "1zbit"),
    ("qdisc add dev lo root fq timer_slack 5s", "5s"),
    ("qdisc add dev lo root fq pacin", "pacin"),
    ("qdisc add dev lo root sfb increment 2", "2"),
    ("qdisc add dev lo root sfb rehash 1.5", "1.5"),
    ("qdisc add dev lo root sfb increment 1.5x", "1.5x"),
    ("qdisc add dev lo root sfq redflowlimit 10000", None),     # burst 1: tc_red_eval_ewma
    ("qdisc add dev lo root sfq redflowlimit 1000 min 500 max 400", None),
    ("qdisc add dev lo root sfq redflowlimit 1000 max 2000", None),
    ("qdisc add dev lo root sfq min 100", None),
    ("qdisc add dev lo root sfq redflowlimit 64k", "64k"),
    # q_netem.c: a distribution without delay and jitter, a table file that is not there,
    # a slot distribution's jitter not above 0, missing
    ("qdisc add dev lo root netem delay 10ms distribution normal", None),
    ("qdisc add dev lo root netem delay 10ms 1ms distribution nosuch", "nosuch"),
    ("qdisc add dev lo root netem slot distribution normal 1ms 0", "0"),
    ("qdisc add dev lo root netem slot distribution normal 1ms", None),
    ("qdisc add dev lo root netem slot distribution nosuch 1ms 1ms", "nosuch"),
    # tc sends these; nlcodec refuses them (WE_ONLY)
    ("filter add dev lo ingress prio 1 protocol ip flower dst_ip any action drop", "any"),
    ("filter add dev lo ingress prio 1 matchall action tunnel_key set src_ip any dst_ip 10.0.0.2 id 7", "any"),
]


@pytest.mark.parametrize("line,word", BAD)
def test_errors_name_the_word_and_column(line, word):
    with pytest.raises(TcSyntaxError) as e:
        tc.parse(line, ifindex={"lo": 1})
    assert e.value.word == word
    col = len(line) + 1 if word is None else f" {line} ".index(f" {word} ") + 1
    assert e.value.column == col
    assert f"column {col}" in str(e.value)
    if word is not None:
        assert repr(word) in str(e.value)


# tc sends these; nlcodec refuses them: a kind it does not read (tc sends
# TCA_KIND alone), MACs of another length (tc's ll_addr_a2n leaves the
# missing octets as they were on its stack, or drops the extra ones)
WE_ONLY = ["filter add dev lo ingress prio 1 protocol ip nosuchkind",
           "filter add dev lo ingress prio 1 protocol ip flower src_mac e4:11:00:00:00 action drop",
           "filter add dev lo ingress prio 1 protocol ip flower src_mac e4:11:00:00:00:01:02",
           "filter add dev lo ingress prio 1 protocol ip flower vxlan_opts 1 erspan_opts 1:2:0:0",
           # hfsc classes: not read
           "class add dev lo parent 1: classid 1:1 hfsc sc rate 1mbit",
           # any/all give an address of no bytes (lib/utils.c __get_addr_1): flower and
           # tunnel_key send it as an empty attribute, which the kernel's policy refuses
           "filter add dev lo ingress prio 1 protocol ip flower dst_ip any action drop",
           "filter add dev lo ingress prio 1 matchall action tunnel_key set src_ip any dst_ip 10.0.0.2 id 7"]


def test_tc_refuses_the_bad_lines_too(ns):
    lines = [line for line, _ in BAD if line not in WE_ONLY]
    assert tc_capture.capture_each(lines, ns) == [None] * len(lines)
    for line in WE_ONLY:
        with pytest.raises(TcSyntaxError):
            tc.parse(line, ifindex={"lo": 1})


def test_request_is_what_encode_takes():
    r = tc.parse("filter add dev lo ingress prio 1 protocol ip handle 5 flower skip_hw "
                 "dst_ip 10.0.0.1 action drop", ifindex={"lo": 1})
    assert r.type == "newtfilter" and r.flags == nlcodec.NLM_F_CREATE | nlcodec.NLM_F_EXCL
    assert r.header["handle"] == 5
    raw = nlcodec.encode("route", r.type, header=r.header, attrs=r.attrs,
                         flags=r.flags | nlcodec.NLM_F_REQUEST | nlcodec.NLM_F_ACK)
    assert raw == r.encode()
    # the decoded request reads back as the dict parse gave
    m = nlcodec.decode(raw)[0]
    assert m.get("options")["key_ipv4_dst"] == "10.0.0.1"


def test_numbers_come_from_the_specs():
    """nlcodec/tc/ writes no ethertype or IP protocol number of its own: they
    are read from specs/packet.py (whose numbers tests/test_packet.py checks
    against linux/if_ether.h and linux/in.h with gcc), as are the header
    offsets pedit and u32 use (the corpus's bytes, tc's, prove them)."""
    import glob
    import re
    from nlcodec import packet
    S = packet._spec()
    ethertypes = {v for v in S.ethertypes.values.values() if v >= S.ETH_P_802_3_MIN}
    root = os.path.dirname(tc.__file__)
    found = []
    for path in sorted(glob.glob(os.path.join(root, "*.py"))):
        src = open(path).read()
        for m in re.finditer(r"\b0[xX]([0-9a-fA-F]{4})\b", src):
            if int(m.group(1), 16) in ethertypes:
                found.append(f"{os.path.basename(path)}: {m.group()}")
        for m in re.finditer(r"IPPROTO\w*\s*=\s*\{?[^\n]*\b(6|17|58|132)\b", src):
            found.append(f"{os.path.basename(path)}: {m.group()}")
    assert not found, found
    # the offsets u32 and pedit read, against gcc's offsetof on the UAPI structs
    from cprobe import c_values
    from nlcodec.tc import consts
    pairs = {("ipv4", "daddr"): "offsetof(struct iphdr, daddr)",
             ("ipv4", "frag_off"): "offsetof(struct iphdr, frag_off)",
             ("ipv6", "hop_limit"): "offsetof(struct ipv6hdr, hop_limit)",
             ("tcp", "dest"): "offsetof(struct tcphdr, dest)",
             ("udp", "source"): "offsetof(struct udphdr, source)",
             ("eth", "type"): "offsetof(struct ethhdr, h_proto)"}
    got = c_values(["stddef.h", "linux/ip.h", "linux/ipv6.h", "linux/tcp.h", "linux/udp.h",
                    "linux/if_ether.h"], pairs.values())
    for (hdr, member), expr in pairs.items():
        assert consts.field(hdr, member) == got[expr], expr
    assert consts.header_size("ipv4") == c_values(["linux/ip.h"], ["sizeof(struct iphdr)"])[
        "sizeof(struct iphdr)"]


@pytest.mark.parametrize("line, again", [
    # f_flower.c flower_parse_ip_addr / flower_parse_eth_addr addattr_l each time the word
    # comes: tc sends the attribute twice; a request dict holds one value, so refuse
    ("filter add dev lo ingress prio 1 protocol ip flower dst_ip 10.0.0.1 dst_ip 10.0.0.2 "
     "action drop", "dst_ip"),
    ("filter add dev lo ingress prio 1 protocol ip flower src_mac e4:11:00:00:00:01 "
     "src_mac e4:11:00:00:00:02", "src_mac"),
    ("filter add dev lo ingress prio 1 protocol ip flower classid 1:1 flowid 1:2", "flowid"),
])
def test_a_value_given_twice_is_refused_at_its_second_word(line, again):
    with pytest.raises(TcSyntaxError, match="given twice") as e:
        tc.parse(line, ifindex={"lo": 1})
    assert e.value.word == again
    assert e.value.column == line.rindex(f" {again} ") + 2


def _address_words(n, seed=19):
    """IPv4 words in the forms lib/utils.c get_addr_ipv4 / get_prefix_1 meet:
    1-5 parts, each decimal, octal (leading 0), hex (0x), signed or past 255,
    with or without a /LEN or /NETMASK (itself in those forms); some are
    refused by tc.  Deterministic."""
    import random
    rnd = random.Random(seed)

    def part():
        v = rnd.choice([0, 1, 7, 8, 10, 63, 127, 192, 255, 256, 300, rnd.randrange(256)])
        form = rnd.choice(["dec"] * 5 + ["oct", "hex", "HEX", "sign", "neg0", "junk"])
        if form == "oct":
            return "0" + format(v, "o")
        if form == "hex":
            return hex(v)
        if form == "HEX":
            return "0X" + format(v, "X")
        if form == "sign":
            return "+" + str(v)
        if form == "neg0":
            return "-0"
        if form == "junk":
            return rnd.choice(["08", "0x", "", "1a", "09"])
        return str(v)

    def addr():
        return ".".join(part() for _ in range(rnd.choice([1, 2, 3, 4, 4, 4, 5])))
    out = []
    for _ in range(n):
        w = addr()
        r = rnd.random()
        if r < 0.3:
            w += "/" + rnd.choice([str(rnd.randrange(34)), hex(rnd.randrange(33)), "+8", "-0"])
        elif r < 0.45:
            w += "/" + rnd.choice(["255.255.0.0", "0xff.0xff.0xff.0", "255.255", "0377.0.0.0",
                                   "255.0.255.0", "any", addr()])
        out.append(w)
    return out


def test_live_addresses_read_as_tc_reads_them(ns):
    """Addresses in get_addr_ipv4's forms (octal, hex, signed, short, long,
    with prefix lengths and netmasks in the same forms) in a u32 match, a
    flower key and a tunnel_key address: parse gives tc's bytes for every
    word tc sends, and refuses every word tc refuses (captured live)."""
    words = _address_words(60)
    lines = []
    for i, a in enumerate(words):
        kind = i % 3
        if kind == 0:
            lines.append(f"filter add dev lo ingress prio 1 protocol ip u32 match ip dst {a} "
                         "classid 1:1")
        elif kind == 1:
            lines.append(f"filter add dev lo ingress prio 1 protocol ip flower dst_ip {a} "
                         "action drop")
        else:
            lines.append("filter add dev lo ingress prio 1 matchall action tunnel_key set "
                         f"src_ip {a.partition('/')[0]} dst_ip 10.0.0.2 id 1")
    got = tc_capture.capture_each(lines, ns)
    sent = 0
    for line, raw in zip(lines, got):
        if raw is None:
            with pytest.raises(TcSyntaxError):
                tc.parse(line, ifindex={"lo": 1})
        else:
            sent += 1
            assert _same(tc.parse(line, ifindex={"lo": 1}).encode(), raw), line
    assert 20 <= sent < len(lines)      # both kinds of word were met


def test_live_size_table_at_the_edge_of_tcs_request(ns):
    """tc/tc_qdisc.c tc_qdisc_modify puts the size table in a request of
    TCA_BUF_MAX bytes of attributes: the largest table that fits is sent as
    tc sends it; one u16 pair more and tc sends the nest without its data
    (addattr_l fails), which parse refuses, naming the stab word."""
    fits, past = ("qdisc add dev lo root stab tsize 32744 mpu 1 pfifo",
                  "qdisc add dev lo root stab tsize 32745 mpu 1 pfifo")
    raw_fits, raw_past = tc_capture.capture_each([fits, past], ns)
    assert _same(tc.parse(fits, ifindex={"lo": 1}).encode(), raw_fits)
    assert raw_past is not None and len(raw_past) < 100         # base only
    with pytest.raises(TcSyntaxError) as e:
        tc.parse(past, ifindex={"lo": 1})
    assert e.value.word == "stab"


def test_netem_table_read_as_tc_reads_it(ns, tmp_path, monkeypatch):
    """A table file with what q_netem.c get_distribution meets: '#' and empty
    lines skipped, base-0 numbers (hex, octal, signs), values beyond 16 bits
    (kept as __s16), a word that ends a line's numbers; TC_LIB_DIR points tc
    and nlcodec at it.  The expected bytes are tc's, captured live."""
    (tmp_path / "odd.dist").write_text(
        "# a comment line\n\n 1 -2 +3\t0x10 010 -0x8000\n"
        "40000 -40000 65535 70000 junk 5\n# 99\n7 08 0x\n")
    monkeypatch.setenv("TC_LIB_DIR", str(tmp_path))
    for line in ("qdisc add dev lo root netem delay 10ms 1ms distribution odd",
                 "qdisc add dev lo root netem slot distribution odd 2ms 1ms"):
        raw, = tc_capture.capture_each([line], ns)
        assert raw is not None, line
        assert _same(tc.parse(line, ifindex={"lo": 1}).encode(), raw), line
    monkeypatch.setenv("TC_LIB_DIR", str(tmp_path / "none"))
    with pytest.raises(TcSyntaxError) as e:
        tc.parse("qdisc add dev lo root netem delay 10ms 1ms distribution odd")
    assert e.value.word == "odd" and "No distribution data" in str(e.value)
