"""charlad integration: the cluster (issue 18) against messages forged on Redis by anyone who can
publish there. Each is well formed (the codec takes it) and names a real node, so only the
bridge's own checks stand in the way:
- nobody of another node reaches this node's bots privately (NickServ takes passwords), nor
  speaks as them privately;
- client tags, user and host parts that an IRC line could not carry are refused, not relayed;
- a stale or later room's state cannot undo +i set here (IRC's older-room rule);
- a node whose lease ran out (a slow node, or a key deleted) announces itself again.

Run: python3 test_server_cluster_forged.py /path/to/charlad  (redis-server on PATH or $REDIS_SERVER)
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import TIMEOUT, rx  # noqa: E402
import cluster_helpers as ch  # noqa: E402

CTL = b"{charla}:ctl"
DROPPED = "charla_cluster_dropped_total"
BIG_ID = 1 << 62


def cmsg(kind, node, k, *fields):
    """A message of node `node` as the codec writes it, with an id of its own (k)."""
    words = [b"C1", kind, node, b"%d" % (BIG_ID + k), b"%d" % int(time.time() * 1000), b"0"]
    return ch.encode_cmsg(words, list(fields))


def user(name, host=b"", usr=b""):
    return [name, usr, host, b"", b"", b"", b"0"]


class Forged(ch.ClusterCase):
    def wait_metric(self, srv, name, at_least):
        deadline = time.monotonic() + TIMEOUT
        while (ch.metric(srv, name, missing=True) or 0) < at_least:
            if time.monotonic() > deadline:
                raise AssertionError("%s never reached %s" % (name, at_least))
            time.sleep(0.05)  # another process's counter over HTTP: polled on a deadline

    def test_bots_are_this_nodes_own(self):
        r = self.redis()
        n1, n2 = self.nodes(2, r)
        ana = n1.client("ana")
        # mallory "of node-2" asks node-1's NickServ to register her name.
        r.cli("PUBLISH", CTL, cmsg(b"USER", b"node-2", 1, *user(b"mallory")))
        ch.until_answer(ana, "/who #lobby", rx(r"\* #lobby \(1\): ana"))  # she is in no room
        before = ch.metric(n1, DROPPED)
        r.cli("PUBLISH", b"charla:node:node-1",
              cmsg(b"MSG", b"node-2", 2, b"mallory", b"", b"NickServ", b"0",
                   b"REGISTER s3cret-password", b""))
        # ...and "NickServ of node-2" whispers to ana.
        r.cli("PUBLISH", b"charla:node:node-1",
              cmsg(b"MSG", b"node-2", 3, b"NickServ", b"", b"ana", b"0",
                   b"your password, please", b""))
        self.wait_metric(n1, DROPPED, before + 2)
        self.assertEqual(ana.sync(), [])
        # Nothing was registered: a local mallory (once the forged one is gone) is not warned.
        r.cli("PUBLISH", CTL, cmsg(b"QUIT", b"node-2", 4, b"mallory", b"bye"))
        deadline = time.monotonic() + TIMEOUT
        while True:
            c = n1.client()
            c.expect(harness.GREETING)
            c.expect(harness.PROMPT)
            c.send("mallory")
            line = c.readline()
            if line.startswith("* Welcome, mallory!"):
                break
            self.assertLess(time.monotonic(), deadline, line)
            c.close()
        self.assertNotIn("registered", " ".join(c.sync()))

    def test_tags_user_and_host_are_checked(self):
        r = self.redis()
        n1, n2 = self.nodes(2, r, irc=True)
        cris = self.irc(n1, "cris", caps=("message-tags",))
        cris.send("JOIN #lobby")
        cris.expect("JOIN", lambda m: m.nick == "cris")
        cris.sync()
        # A person of node-2 whose user and host would break a line's prefix.
        r.cli("PUBLISH", CTL, cmsg(b"USER", b"node-2", 1,
                                   *user(b"eve", host=b"evil host :x", usr=b"a b")))
        r.cli("PUBLISH", CTL, cmsg(b"JOIN", b"node-2", 2, b"eve", b"#lobby", b"0"))
        m = cris.wait_for("JOIN", lambda m: m.nick == "eve")
        self.assertEqual(m.source, "eve!~u@charla")  # the stand-ins, not what was forged
        before = ch.metric(n1, DROPPED)
        # Tags that would end the tag section and forge a line of their own.
        r.cli("PUBLISH", b"charla:room:#lobby",
              cmsg(b"MSG", b"node-2", 3, b"eve", b"#lobby", b"", b"0", b"hi",
                   b"+x :NickServ!s@services NOTICE cris :identify again"))
        r.cli("PUBLISH", b"charla:room:#lobby",
              cmsg(b"MSG", b"node-2", 4, b"eve", b"#lobby", b"", b"0", b"plain", b"+ok=1"))
        m = cris.wait_for("PRIVMSG", lambda m: m.nick == "eve")
        self.assertEqual(m.last, "plain")
        self.assertEqual(m.tags.get("+ok"), "1")
        self.assertEqual([x for x in cris.sync() if x.command == "NOTICE"], [])
        self.assertEqual(ch.metric(n1, DROPPED), before + 1)

    def test_a_later_rooms_state_cannot_undo_invite_only(self):
        r = self.redis()
        n1, n2 = self.nodes(2, r)
        ana = n1.client("ana")
        ana.send("/join #r")
        ana.expect("* You joined #r (1 member).")
        ana.send("/mode #r +i")
        ana.expect(rx(r"\[#r\] -- ana .*"))
        later = b"%d" % (int(time.time() * 1000) + 60000)
        r.cli("PUBLISH", b"charla:node:node-1", cmsg(b"SYNC", b"node-2", 1))
        r.cli("PUBLISH", b"charla:node:node-1",
              cmsg(b"ROOM", b"node-2", 2, b"#r", b"0", b"", b"0", b"", b"", b"0", later))
        r.cli("PUBLISH", b"charla:node:node-1", cmsg(b"SYNCED", b"node-2", 3))
        bob = n1.client("bob")
        ana.sync()
        bob.send("/join #r")
        bob.expect(rx(r"! .*#r.*invit.*"))

    def test_a_lease_run_out_is_announced_again(self):
        r = self.redis()
        n1, n2 = self.nodes(2, r)
        n1.client("ana")
        mon = r.monitor()
        self.addCleanup(mon.close)
        r.cli("DEL", b"{charla}:lease:node-1")
        mon.wait(lambda c: c[0] == b"PUBLISH" and c[-1].startswith(b"C1 SYNC node-1 "))
        self.assertEqual(r.cli("EXISTS", b"{charla}:lease:node-1"), 1)
        self.assertIn("lease had run out", n1.log_text())


if __name__ == "__main__":
    harness.main()
