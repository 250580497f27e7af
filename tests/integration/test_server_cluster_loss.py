"""charlad integration: the cluster through Redis (issue 18) when something is lost. A node killed
with SIGKILL: its users quit elsewhere with the netsplit reason within a lease, and the others
chat on without loss. Redis killed and restarted on the same port: every user is told of the
split (in their language) and of the chat whole again, local chat goes on, nothing is replayed.
Redis paused past the lease: split, and the node's memory stays bounded while a user keeps
talking. Redis full (maxmemory, noeviction): nothing crashes and chat goes on.

Run: python3 test_server_cluster_loss.py /path/to/charlad  (redis-server on PATH or $REDIS_SERVER)
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import TIMEOUT, esc, rx  # noqa: E402
import cluster_helpers as ch  # noqa: E402
from cluster_helpers import LEASE  # noqa: E402

NUMBERED = 30


def privmsgs(client, nick, until, timeout=TIMEOUT):
    """The texts of the PRIVMSGs from nick, read until one is `until`."""
    got = []
    deadline = time.monotonic() + timeout
    while not got or got[-1] != until:
        m = client.wait_for("PRIVMSG", lambda m: m.nick == nick,
                            timeout=max(0.0, deadline - time.monotonic()))
        got.append(m.last)
    return got


def said(client, nick, until, timeout=TIMEOUT):
    """The texts of nick's lines in #lobby, read until one is `until`."""
    got = []
    deadline = time.monotonic() + timeout
    while not got or got[-1] != until:
        m = client.wait_for(rx(r"\[#lobby\] %s: (.*)" % esc(nick)),
                            timeout=max(0.0, deadline - time.monotonic()))
        got.append(m.group(1))
    return got


def both_named(reason, a, b):
    words = reason.split()
    return a in words and b in words


class Loss(ch.ClusterCase):
    def test_a_killed_node_quits_its_users_and_the_others_lose_nothing(self):
        r, (n1, n2, n3), (ana, bea, cris) = self.three()
        ana.sync()
        for i in range(NUMBERED):
            ana.send("n%d" % i)
        killed_at = time.monotonic()
        self.kill9(n2)
        for i in range(NUMBERED, 2 * NUMBERED):
            ana.send("n%d" % i)
        m = ana.wait_for(rx(r"-- bea quit \((.*)\)"), timeout=LEASE + 2)
        self.assertTrue(both_named(m.group(1), "node-1", "node-2"), m.group(0))
        q = cris.wait_for("QUIT", lambda m: m.nick == "bea",
                          timeout=max(0.1, killed_at + LEASE + 2 - time.monotonic()))
        self.assertTrue(both_named(q.last, "node-3", "node-2"), q.raw)
        self.assertLessEqual(time.monotonic() - killed_at, LEASE + 2)
        for i in range(2 * NUMBERED, 3 * NUMBERED):
            ana.send("n%d" % i)
        privmsgs(cris, "ana", "n%d" % (3 * NUMBERED - 1))
        got = [m.last for m in cris.history if m.command == "PRIVMSG" and m.nick == "ana"]
        self.assertEqual(got, ["n%d" % i for i in range(3 * NUMBERED)])
        for i in range(NUMBERED):
            cris.send("PRIVMSG #lobby :c%d" % i)
        self.assertEqual(said(ana, "cris", "c%d" % (NUMBERED - 1)),
                         ["c%d" % i for i in range(NUMBERED)])
        # bea's name is free again, here.
        n1.client("bea")
        ana.expect("[#lobby] -- bea joined")

    def test_redis_lost_and_back_tells_everyone_and_replays_nothing(self):
        r = self.redis()
        n1, n2, n3 = self.nodes(3, r, irc=True)
        ana = n1.client("ana")
        ana.send("/lang es")
        ana.expect("* Tu idioma ahora es español.")
        dan = n1.client("dan")
        ana.wait_for(rx(r"\[#lobby\] -- dan (joined|ha entrado)"))
        bea = n2.client("bea")
        cris = self.irc(n3, "cris")
        self.joined(cris, "#lobby")
        for c in (dan, bea):  # (ana's sync marker would be answered in Spanish)
            c.sync()
        r.kill()
        ana.wait_for(rx(r"\*+ ?" + esc(ch.SPLIT_ES)))
        for c in (dan, bea):
            c.wait_for(rx(r"\*+ ?" + esc(ch.SPLIT_EN)))
        cris.wait_for("NOTICE", lambda m: ch.SPLIT_EN in m.last)
        # Local chat goes on during the split.
        ana.send("durante el corte")
        dan.wait_for("[#lobby] ana: durante el corte")
        r.restart()
        ana.wait_for(rx(r"\*+ ?" + esc(ch.WHOLE_ES)), timeout=LEASE + TIMEOUT)
        for c in (dan, bea):
            c.wait_for(rx(r"\*+ ?" + esc(ch.WHOLE_EN)), timeout=LEASE + TIMEOUT)
        cris.wait_for("NOTICE", lambda m: ch.WHOLE_EN in m.last, timeout=LEASE + TIMEOUT)
        self.wait_whole([n1, n2, n3], 3)
        # Chat crosses again, and NAMES shows everyone.
        ana.send("después")
        bea.wait_for("[#lobby] ana: después")
        cris.wait_for("PRIVMSG", lambda m: m.nick == "ana" and m.last == "después")
        cris.send("NAMES #lobby")
        m = cris.wait_for("353")
        self.assertEqual(ch.nicks(m.last), {"ana", "dan", "bea", "cris"})
        dan.send("/who #lobby")
        m = dan.wait_for(rx(r"\* #lobby \(4\): (.*)"))
        self.assertEqual(ch.nicks(m.group(1)), {"ana", "dan", "bea", "cris"})
        # What was said during the split was said once, on node-1 alone.
        for c in (dan, bea):
            c.sync()
        dan_lines = [l for l in dan.history if l == "[#lobby] ana: durante el corte"]
        self.assertEqual(len(dan_lines), 1, "dan saw it %d times" % len(dan_lines))
        self.assertEqual([l for l in bea.history if "durante el corte" in l], [])
        self.assertEqual([m.raw for m in cris.history if "durante el corte" in m.raw], [])

    def test_a_paused_redis_splits_and_memory_stays_bounded(self):
        r = self.redis()
        # ASan keeps freed memory in quarantine (256 MB by default): small, so RSS means something.
        old = os.environ.get("ASAN_OPTIONS")
        os.environ["ASAN_OPTIONS"] = (old + ":" if old else "") + "quarantine_size_mb=4"
        try:
            n1 = self.node(r, 1, extra=("--cluster-buffer", "1M", "--no-store"))
        finally:
            if old is None:
                del os.environ["ASAN_OPTIONS"]
            else:
                os.environ["ASAN_OPTIONS"] = old
        n2 = self.node(r, 2)
        self.wait_whole([n1, n2], 2)
        ana, dan = n1.client("ana"), n1.client("dan")
        ana.wait_for("[#lobby] -- dan joined")
        bea = n2.client("bea")
        for c in (ana, dan):
            c.wait_for("[#lobby] -- bea joined")
        dan.send("/part #lobby")
        dan.expect("* You left #lobby.")
        rss0 = ch.rss_kb(n1, "VmHWM")
        r.pause()
        self.addCleanup(r.resume)
        # ana keeps talking (alone on node-1 in #lobby): 48 MB towards a Redis that reads nothing.
        # Without a bound the node's peak grows by well over 10 MB (ASan build: 13 MB with
        # --cluster-buffer 512M for 32 MB sent, the rest in the sockets when a PING times out).
        line = "x" * 900
        for i in range(48 * 1024 * 1024 // 1000):
            ana.send_raw(("%d %s\n" % (i, line)).encode())
        ana.wait_for(rx(r"\*+ ?" + esc(ch.SPLIT_EN)), timeout=LEASE * 2 + TIMEOUT)
        bea.wait_for(rx(r"\*+ ?" + esc(ch.SPLIT_EN)), timeout=LEASE * 2 + TIMEOUT)
        self.wait_state(n1, "split")
        # Local chat works.
        dan.send("/msg ana hola")
        ana.wait_for("[pm] dan: hola")
        # The peak: once the link is dropped its buffer is freed, and RSS falls back.
        grown = ch.rss_kb(n1, "VmHWM") - rss0
        self.assertLess(grown, 8 * 1024, "node-1's RSS grew by %d kB at its peak" % grown)
        r.resume()
        ana.wait_for(rx(r"\*+ ?" + esc(ch.WHOLE_EN)), timeout=LEASE * 2 + TIMEOUT)
        self.wait_whole([n1, n2], 2, timeout=LEASE * 2 + TIMEOUT)
        ana.send("again")
        bea.wait_for("[#lobby] ana: again")

    def test_a_full_redis_crashes_nothing(self):
        r = self.redis("--maxmemory-policy", "noeviction")
        n1, n2 = self.nodes(2, r)
        ana = n1.client("ana")
        bea = n2.client("bea")
        ana.wait_for("[#lobby] -- bea joined")
        used = int(r.info("memory")["used_memory"])
        r.cli("CONFIG", "SET", "maxmemory", max(1 << 20, used + (256 << 10)))
        blob = b"f" * (16 << 10)
        for i in range(10000):
            try:
                r.cli("SET", "fill:%d" % i, blob)
            except ch.RedisError as e:
                self.assertIn("OOM", str(e))
                break
        else:
            self.fail("Redis never filled up")
        # Below what it holds: every write is refused from now on (leases, claims), whatever
        # Redis frees meanwhile.
        used = int(r.info("memory")["used_memory"])
        r.cli("CONFIG", "SET", "maxmemory", used - (256 << 10))
        with self.assertRaisesRegex(ch.RedisError, "OOM"):
            r.cli("SET", "one:more", "x")
        # Chat still crosses (PUBLISH needs no memory), for longer than a lease.
        t_end = time.monotonic() + LEASE * 1.5
        k = 0
        while time.monotonic() < t_end:
            ana.send("full %d" % k)
            bea.wait_for("[#lobby] ana: full %d" % k)
            k += 1
        # A new name: either taken in or refused with a word to the user; nothing crashes.
        c = n2.client()
        c.expect(harness.GREETING)
        c.expect(harness.PROMPT)
        c.send("cris")
        line = c.readline()
        self.assertTrue(line.startswith("* Welcome, cris!") or line.startswith("! "), line)
        if line.startswith("* Welcome"):
            # Taken in without a claim: the other node still knows the name is in use.
            ana.wait_for("[#lobby] -- cris joined")
            d = n1.client()
            d.expect(harness.GREETING)
            d.expect(harness.PROMPT)
            d.send("cris")
            d.expect("! The name cris is taken; pick another.")
        bea.send("still")
        ana.wait_for("[#lobby] bea: still")
        for s in (n1, n2):
            self.assertTrue(s.running())


if __name__ == "__main__":
    harness.main()
