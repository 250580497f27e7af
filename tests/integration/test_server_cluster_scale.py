"""charlad integration: the cluster (issue 18) with a node of many people. A node's whole state
(its SYNC dump) goes out a batch at a time while Redis keeps up: with a small --cluster-buffer
and more people than fit in it at once, the node coming back from a split and a node that joins
still learn every one of them, and the node that sends the dumps is never judged stuck (no new
split). Without the pacing, the dump alone would pass the buffer and the sender would drop its
link in a loop.

Run: python3 test_server_cluster_scale.py /path/to/charlad  (redis-server on PATH or $REDIS_SERVER)
"""

import os
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fakes"))
import harness  # noqa: E402
from harness import TIMEOUT  # noqa: E402
import cluster_helpers as ch  # noqa: E402
from fake import FakeOpenAI  # noqa: E402

PEOPLE = 700          # each USER message is about 500 bytes (an away text): ~350 KB of dump
BUFFER = "64K"        # the smallest --cluster-buffer
WELCOME = b"Welcome, "


def connect_many(port, names, first=b""):
    """Line clients named names, each waited for until welcomed (on a deadline); each sends
    `first` (lines) right after its name."""
    socks = []
    for name in names:
        s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        s.sendall(name.encode() + b"\n" + first)
        socks.append(s)
    for s in socks:
        got = b""
        deadline = time.monotonic() + TIMEOUT
        while WELCOME not in got:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            data = s.recv(4096)
            if not data:
                raise AssertionError("a client was closed before its welcome: %r" % got)
            got += data
        s.setblocking(False)  # nobody reads them from here on: the server's queues hold it
    return socks


class Scale(ch.ClusterCase):
    def test_a_big_dump_is_paced_under_the_buffer(self):
        r = self.redis()
        n1 = self.node(r, 1, extra=("--cluster-buffer", BUFFER, "--announce-max", "10"))
        self.wait_state(n1, "whole", 1)
        # The people come while Redis is away (their arrivals, a burst of claims that alone
        # would pass so small a buffer, are not sent): what node-1 has for Redis when it is
        # back is its dump.
        r.stop()
        self.wait_state(n1, "split")
        names = ["p%03d_%s" % (i, "x" * 26) for i in range(PEOPLE)]
        # Each away with a long text: about 500 bytes a person in the dump, so that even one
        # batch of people would pass the buffer unless every message checks what waits.
        socks = connect_many(n1.port, names, b"/away " + b"z" * 380 + b"\n")
        self.addCleanup(lambda: [s.close() for s in socks])
        splits = ch.metric(n1, "charla_cluster_splits_total")
        r.restart()
        self.wait_state(n1, "whole", 1)
        # node-2 joins: it asks, node-1 sends its dump of PEOPLE people.
        n2 = self.node(r, 2)
        self.wait_whole([n1, n2], 2)
        deadline = time.monotonic() + TIMEOUT
        while ch.metric(n2, "charla_cluster_remote_people") < PEOPLE:
            if time.monotonic() > deadline:
                raise AssertionError("node-2 knows %s of node-1's %d people"
                                     % (ch.metric(n2, "charla_cluster_remote_people"), PEOPLE))
            time.sleep(0.05)  # another process's counter over HTTP: polled on a deadline
        self.assertEqual(ch.metric(n1, "charla_cluster_splits_total"), splits)
        # And they are people there: one of them is refused as a name, NAMES shows them.
        bea = n2.client("bea")
        ch.until_answer(bea, "/who #lobby", harness.rx(r"\* #lobby \(%d\): .*" % (PEOPLE + 1)))
        dup = n2.client()
        dup.expect(harness.GREETING)
        dup.expect(harness.PROMPT)
        dup.send(names[-1])
        dup.expect(harness.rx(r"! The name %s is taken; pick another\." % names[-1]))
        self.assertEqual(ch.metric(n1, "charla_cluster_splits_total"), splits)

    def test_names_are_claimed_by_the_scripts_sha(self):
        r = self.redis()
        n1, n2 = self.nodes(2, r)
        mon = r.monitor()
        self.addCleanup(mon.close)
        n1.client("ana")
        n1.client("bea")
        n1.client("cris")
        # The claim script went whole once since the link came up (its first use, or now), then
        # by its SHA1: every later arrival sends 40 characters, not the script.
        sha = mon.wait(lambda c: c[0] == b"EVALSHA" and b"cris" in c)[1]
        self.assertRegex(sha.decode(), r"^[0-9a-f]{40}$")
        self.assertEqual(r.cli("SCRIPT", "EXISTS", sha), [1])
        evals = [c for c in mon.commands() if c[0] == b"EVAL" and b"HSET" in c[1]]
        self.assertLessEqual(len(evals), 1, evals)
        # A Redis that forgot the script (SCRIPT FLUSH) answers NOSCRIPT: the claim goes whole
        # again, and the person still reaches the other node.
        r.cli("SCRIPT", "FLUSH")
        n1.client("dan")
        bea2 = n2.client("eve")
        ch.until_answer(bea2, "/who #lobby", harness.rx(r"\* #lobby \(5\): .*dan.*"))
        self.assertGreaterEqual(ch.metric(n1, "charla_cluster_scripts_resent_total"), 1)

    def test_the_assistant_answers_once_from_the_askers_node(self):
        fake = FakeOpenAI()
        self.addCleanup(fake.stop)
        r = self.redis()
        n1 = self.node(r, 1, ai=fake.url)
        n2 = self.node(r, 2, ai=fake.url)
        self.wait_whole([n1, n2], 2)
        ana = n1.client("ana")
        bea = n2.client("bea")
        ana.wait_for("[#lobby] -- bea joined")
        bea.send("gpt: [[say hola]]")
        ana.expect("[#lobby] bea: gpt: [[say hola]]")
        ana.wait_for("[#lobby] gpt: bea: hola")
        bea.wait_for("[#lobby] gpt: bea: hola")
        ana.send("gpt: [[say adios]]")
        bea.wait_for("[#lobby] gpt: ana: adios")
        ana.wait_for("[#lobby] gpt: ana: adios")
        # Once each: two questions, two requests, whatever the number of nodes hearing them.
        self.assertEqual([x for x in ana.sync() + bea.sync() if "gpt:" in x], [])
        self.assertEqual(fake.stats()["total"], 2)


if __name__ == "__main__":
    harness.main()
