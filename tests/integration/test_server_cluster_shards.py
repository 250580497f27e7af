"""charlad integration: the cluster over a Redis Cluster (issue 18), with sharded pub/sub. Three
redis-servers made one Redis Cluster of three masters; three charlad nodes, each given a different
Redis node as its seed, find the masters and share one chat: rooms whose channels live on
different shards, private messages, names unique across the nodes, a node killed (its people quit
elsewhere within a lease). Room messages cross by SPUBLISH, one per message, on the shard of the
room's channel; no classic PUBLISH is used at all.

Run: python3 test_server_cluster_shards.py /path/to/charlad  (redis-server and redis-cli on PATH)
"""

import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import TIMEOUT, rx  # noqa: E402
import cluster_helpers as ch  # noqa: E402

ROOM_MSGS = 30
LONG_LEASE = 30  # few heartbeats while SPUBLISHes are counted


def rooms_on_every_shard(rc):
    """One room name per master: rooms whose channel's slot that master serves."""
    found = {}
    for i in range(1000):
        name = "#s%d" % i
        owner = rc.owner("charla:room:" + name)
        found.setdefault(owner.port, name)
        if len(found) == len(rc.nodes):
            return [found[r.port] for r in rc.nodes]
    raise AssertionError("no room names found for every shard: %r" % found)


def room_spublishes(cmds):
    return [c for c in cmds if c[0] == b"SPUBLISH" and c[1].startswith(b"charla:room:")]


def both_named(reason, a, b):
    words = reason.split()
    return a in words and b in words


class Shards(ch.ClusterCase):
    def setUp(self):
        super().setUp()
        if not ch.REDIS_CLI:
            self.skipTest("redis-cli is not installed (scripts/deps installs it)")

    def sharded_nodes(self, rc, lease=ch.LEASE):
        """node-1..3, node-k seeded with Redis node k; each linked, whole, with 3 nodes."""
        srvs = [self.node(None, k + 1, lease=lease, url=rc.nodes[k].url) for k in range(3)]
        self.wait_whole(srvs, 3)
        for s in srvs:
            self.assertIn("a Redis Cluster: sharded pub/sub", s.log_text())
        return srvs

    def people(self, n1, n2, n3):
        ana, bea = n1.client("ana"), n2.client("bea")
        ana.wait_for("[#lobby] -- bea joined")
        cris = n3.client("cris")
        for c in (ana, bea):
            c.wait_for("[#lobby] -- cris joined")
        return ana, bea, cris

    def test_rooms_on_every_shard_private_messages_and_names(self):
        rc = self.redis_cluster()
        n1, n2, n3 = self.sharded_nodes(rc, lease=LONG_LEASE)
        ana, bea, cris = self.people(n1, n2, n3)
        rooms = rooms_on_every_shard(rc)
        mons = [r.monitor() for r in rc.nodes]
        for m in mons:
            self.addCleanup(m.close)
        people = {"ana": ana, "bea": bea, "cris": cris}
        for room in rooms:
            ana.send("/join " + room)
            ana.expect(rx(r"\* You joined %s \(\d members?\)\." % re.escape(room)))
            ch.until_answer(bea, "/who " + room, rx(r"\* %s \(1\): @?ana" % re.escape(room)))
            bea.send("/join " + room)
            bea.expect(rx(r"\* You joined %s \(2 members\)\." % re.escape(room)))
            ana.expect("[%s] -- bea joined" % room)
            ch.until_answer(cris, "/who " + room, rx(r"\* %s \(2\): .*" % re.escape(room)))
            cris.send("/join " + room)
            cris.expect(rx(r"\* You joined %s \(3 members\)\." % re.escape(room)))
            for c in (ana, bea):
                c.expect("[%s] -- cris joined" % room)
            # Everyone speaks in the room (their current one); the two others hear it.
            for name, c in people.items():
                c.send("%s in %s" % (name, room))
                for other, o in people.items():
                    if other != name:
                        o.expect("[%s] %s: %s in %s" % (room, name, name, room))
        # Private messages, both ways.
        ana.send("/msg cris psst")
        cris.expect("[pm] ana: psst")
        cris.send("/msg ana back at you")
        ana.expect("[pm] cris: back at you")
        # Each room message was one SPUBLISH on the shard of its room's channel: every shard
        # carried its room's nine.
        want = {r.port: {b"charla:room:" + room.encode()} for r, room in zip(rc.nodes, rooms)}
        deadline = time.monotonic() + TIMEOUT
        while True:
            got = [room_spublishes(m.commands()) for m in mons]
            if sum(map(len, got)) >= 3 * len(rooms) or time.monotonic() > deadline:
                break
            time.sleep(0.05)  # MONITOR's feed, read by threads: polled on a deadline
        for r, seen in zip(rc.nodes, got):
            self.assertEqual(len(seen), 3, "shard %d: %r" % (r.port, seen))
            self.assertEqual({c[1] for c in seen}, want[r.port])
        # A burst in one room: about one SPUBLISH per message over the three Redis nodes (a
        # heartbeat or two of the nodes aside), and no classic PUBLISH ever.
        before = rc.calls("spublish")
        room = rooms[-1]  # the current room of all three
        for i in range(ROOM_MSGS):
            ana.send("m%d" % i)
        for i in range(ROOM_MSGS):
            bea.expect("[%s] ana: m%d" % (room, i))
            cris.expect("[%s] ana: m%d" % (room, i))
        delta = rc.calls("spublish") - before
        self.assertGreaterEqual(delta, ROOM_MSGS)
        self.assertLessEqual(delta, ROOM_MSGS + 6)
        self.assertEqual(rc.calls("publish"), 0)
        # A name in use on node-1 is refused on node-3, at once.
        dup = n3.client()
        dup.expect(harness.GREETING)
        dup.expect(harness.PROMPT)
        dup.send("ANA")
        dup.expect(rx(r"! The name (ANA|ana) is taken; pick another\."))
        dup.close()
        # Names live in one slot (the hash tag): the hash knows the three.
        names = rc.owner("{charla}:names").cli("HGETALL", "{charla}:names")
        self.assertEqual(dict(zip(names[::2], names[1::2])),
                         {b"ana": b"node-1", b"bea": b"node-2", b"cris": b"node-3"})
        for c in (ana, bea, cris):
            self.assertEqual(c.sync(), [])

    def test_a_killed_node_people_quit_within_the_lease(self):
        rc = self.redis_cluster()
        n1, n2, n3 = self.sharded_nodes(rc)
        ana, bea, cris = self.people(n1, n2, n3)
        killed_at = time.monotonic()
        self.kill9(n3)
        for c, here in ((ana, "node-1"), (bea, "node-2")):
            m = c.wait_for(rx(r"-- cris quit \((.*)\)"),
                           timeout=max(0.1, killed_at + ch.LEASE + 2 - time.monotonic()))
            self.assertTrue(both_named(m.group(1), here, "node-3"), m.group(0))
        self.assertLessEqual(time.monotonic() - killed_at, ch.LEASE + 2)
        # cris's name is free again; the chat goes on between the two left.
        n1.client("cris")
        for c in (ana, bea):
            c.expect("[#lobby] -- cris joined")
        bea.send("still here")
        ana.expect("[#lobby] bea: still here")
        self.wait_state(n1, "whole", 2)


if __name__ == "__main__":
    harness.main()
