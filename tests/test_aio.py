"""nlcodec.aio on this machine's kernel: the socket tests' scenarios, awaited."""

import asyncio
import errno
import os
import socket
import subprocess

import pytest

from nlcodec import aio
from nlcodec.socket import FamilyNotFound, NetlinkInvalidError, Overrun

from test_socket import (NEW, RTM_NEWLINK, RTM_NEWROUTE, _genl_ctrl_ids, has_spec,  # noqa: F401
                         ifindex, ip, ipj, main_routes, need_spec, ns, prefixes, route_msg,
                         veth)

pytestmark = pytest.mark.live

if os.geteuid() != 0:
    pytest.skip("live netlink tests need root (network namespaces)", allow_module_level=True)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_genl_do_dump_and_errors():
    async def main():
        async with aio.connect("nlctrl") as s:
            (m,) = await s.do("getfamily", attrs={"family_name": "ethtool"})
            assert m["family_id"] == _genl_ctrl_ids()["ethtool"]
            names = {m["family_name"] async for m in s.dump("getfamily")}
            assert names == set(_genl_ctrl_ids())
            with pytest.raises(NetlinkInvalidError) as ei:
                await s.do("getfamily", attrs={"family_name": "x" * 40})
            assert ei.value.attr == "ctrl_attrs.family_name" and ei.value.offset == 20
            with pytest.raises(FileNotFoundError):
                await s.do("getfamily", attrs={"family_name": "nope_nope"})
    run(main())


def test_await_connect_and_missing_family():
    async def main():
        s = await aio.connect("ethtool")
        try:
            assert s.family.id == _genl_ctrl_ids()["ethtool"]
        finally:
            s.close()
        with pytest.raises(FamilyNotFound):
            await aio.connect("nosuchfam")
    run(main())


def test_concurrent_requests_share_one_socket():
    async def main():
        async with aio.connect("nlctrl") as s:
            names = list(_genl_ctrl_ids())
            got = await asyncio.gather(*(s.do("getfamily", attrs={"family_name": n})
                                         for n in names))
            assert [r[0]["family_name"] for r in got] == names
    run(main())


def test_abandoned_dump_then_dump_again():
    async def main():
        async with aio.connect("nlctrl") as s:
            async for _ in s.dump("getfamily"):
                break
            assert len([m async for m in s.dump("getfamily")]) == len(_genl_ctrl_ids())
    run(main())


def test_do_many_routes_with_failures(ns, veth):
    pfx = prefixes(3000)
    ip(ns, "route", "add", pfx[5], "dev", "v0", "proto", "static")
    reqs = [route_msg(p, veth) for p in pfx]

    async def main():
        async with aio.connect("route", netns=ns) as s:
            return await s.do_many(reqs, window=200)
    r = run(main())
    assert r.count == 3000 and [(e.index, e.errno) for e in r.errors] == [(5, errno.EEXIST)]
    assert len(main_routes(ns, "static")) == 3000


def test_events_link_add_seen(ns):
    async def main():
        async with aio.connect("route", netns=ns, groups=("link",)) as s:
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: ip(ns, "link", "add", "evA", "type", "veth", "peer", "name",
                                 "evB"))
            return [m async for m in s.events(timeout=0.5)]
    evs = run(main())
    news = [m for m in evs if m.type_id == RTM_NEWLINK]
    assert len(news) >= 2
    if has_spec("rt_link"):
        assert {"evA", "evB"} <= {m.get("ifname") for m in news}


def test_events_overrun_raised(ns):
    async def main():
        async with aio.connect("route", netns=ns, groups=("link",), rcvbuf=1) as s:
            subprocess.run(["ip", "-n", ns, "-batch", "-"], text=True, check=True,
                           input="".join(f"link add d{i} type veth peer name e{i}\n"
                                         for i in range(60)))
            with pytest.raises(Overrun):
                async for _ in s.events(timeout=1):
                    pass
    run(main())


def test_links_and_dump_through_specs(ns):
    need_spec("rt_link")

    async def main():
        async with aio.connect("route", netns=ns) as s:
            await s.do("newlink", attrs={"ifname": "br7", "linkinfo": {"kind": "bridge"}},
                       flags=NEW)
            with pytest.raises(FileExistsError):
                await s.do("newlink", attrs={"ifname": "br7", "linkinfo": {"kind": "bridge"}},
                           flags=NEW)
            return {m["ifname"] async for m in s.dump("getlink")}
    names = run(main())
    assert {"lo", "br7"} <= names
    assert ipj(ns, "-d", "link", "show", "br7")[0]["linkinfo"]["info_kind"] == "bridge"


def test_route_dump_through_specs(ns, veth):
    need_spec("rt_route")
    pfx = prefixes(1200)

    async def main():
        async with aio.connect("route", netns=ns) as s:
            assert (await s.do_many([route_msg(p, veth) for p in pfx])).ok
            return [m async for m in s.dump("getroute", header={"family": socket.AF_INET})
                    if m.header["protocol"] == 4]
    got = run(main())
    assert {f'{m["dst"]}/{m.header["dst_len"]}' for m in got} == set(pfx)


def test_genl_events_and_notification_not_a_reply(ns):
    """netdev's "mgmt" group on asyncio, and a request running beside it."""
    if "netdev" not in _genl_ctrl_ids():
        pytest.skip("kernel has no netdev genl family")

    async def main():
        async with aio.connect("netdev", netns=ns, groups=("mgmt",)) as s:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, lambda: ip(ns, "link", "add", "g0", "type",
                                                        "veth", "peer", "name", "g1"))
            evs = [m async for m in s.events(timeout=0.5)]
            return s.family.id, evs
    fid, evs = run(main())
    adds = [m for m in evs if m.type_id == fid and m.header["cmd"] == 2]   # DEV_ADD_NTF
    assert len(adds) == 2


def test_echo_reply_returned_by_do(ns, veth):
    """NLM_F_ECHO on asyncio: the group-marked echo reaches do(), not events()."""
    need_spec("rt_addr")
    hdr = {"family": socket.AF_INET, "prefixlen": 24, "index": veth}

    async def main():
        async with aio.connect("route", netns=ns, groups=("ipv4_ifaddr",)) as s:
            got = await s.do("newaddr", header=hdr, flags=NEW | 0x8,       # NLM_F_ECHO
                             attrs={"local": "192.0.2.7", "address": "192.0.2.7"})
            evs = [m async for m in s.events(timeout=0.3)]
            return s.port, got, evs
    port, got, evs = run(main())
    assert [(m.type, m["local"], m.pid) for m in got] == [("newaddr", "192.0.2.7", port)]
    assert evs == []
