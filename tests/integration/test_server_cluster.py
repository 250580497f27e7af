"""charlad integration: the cluster through Redis (issue 18), nodes whole. Three nodes share one
chat through a redis-server of the test's own: line and IRC users on different nodes talk in
rooms and privately, in order; names are unique across the nodes; NAMES, /who and WHOIS see every
node; renames, topics, parts and quits cross; each event is published once by its origin node;
/stats and /stats.json show the nodes; a second node with a name in use is refused; forged
publishes are dropped and counted. (Losses: test_server_cluster_loss.py.)

Run: python3 test_server_cluster.py /path/to/charlad  (redis-server on PATH or $REDIS_SERVER)
"""

import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import TIMEOUT, esc, rx  # noqa: E402
from irc_helpers import IrcClient  # noqa: E402
import cluster_helpers as ch  # noqa: E402

ROOM_MSGS = 100
DROPPED = "charla_cluster_dropped_total"


def is_privmsg(nick, target, text=None):
    return lambda m: (m.nick == nick and m.params[0].lower() == target.lower()
                      and (text is None or m.last == text))


class Chat(ch.ClusterCase):
    def test_messages_names_and_news_cross_every_node(self):
        r, (n1, n2, n3), (ana, bea, cris) = self.three()
        self.assertEqual(bea.sync(), [])
        # 100 numbered lines from one sender arrive in order on both other nodes, and only them.
        for i in range(ROOM_MSGS):
            ana.send("m%d" % i)
        for i in range(ROOM_MSGS):
            bea.expect("[#lobby] ana: m%d" % i)
            cris.expect("PRIVMSG", is_privmsg("ana", "#lobby", "m%d" % i))
        # The other way round, and actions.
        bea.send("hola de bea")
        ana.expect("[#lobby] bea: hola de bea")
        cris.expect("PRIVMSG", is_privmsg("bea", "#lobby", "hola de bea"))
        cris.send("PRIVMSG #lobby :hola de cris")
        ana.expect("[#lobby] cris: hola de cris")
        bea.expect("[#lobby] cris: hola de cris")
        bea.send("/me waves")
        ana.expect("[#lobby] * bea waves")
        cris.expect("PRIVMSG", is_privmsg("bea", "#lobby", "\x01ACTION waves\x01"))
        cris.send("PRIVMSG #lobby :\x01ACTION dances\x01")
        ana.expect("[#lobby] * cris dances")
        bea.expect("[#lobby] * cris dances")
        # Private messages, both ways.
        ana.send("/msg cris psst")
        cris.expect("PRIVMSG", is_privmsg("ana", "cris", "psst"))
        cris.send("PRIVMSG ana :back at you")
        ana.expect("[pm] cris: back at you")
        self.assertEqual(bea.sync(), [])
        # A name in use on node-1 is refused on node-2 (line) and node-3 (IRC).
        dup = n2.client()
        dup.expect(harness.GREETING)
        dup.expect(harness.PROMPT)
        dup.send("ANA")
        dup.expect(rx(r"! The name (ANA|ana) is taken; pick another\."))
        dup.expect(harness.PROMPT)
        dup.close()
        idup = IrcClient(n3.irc_port, label="idup")
        n3.clients.append(idup)
        idup.send("NICK bea")
        idup.send("USER x 0 * :x")
        idup.wait_for("433", lambda m: m.params[1].lower() == "bea")
        idup.close()
        # NAMES on node-3, /who on node-1, WHOIS of a remote user.
        cris.send("NAMES #lobby")
        m = cris.wait_for("353")
        self.assertEqual(ch.nicks(m.last), {"ana", "bea", "cris"})
        cris.wait_for("366")
        ana.send("/who #lobby")
        m = ana.wait_for(rx(r"\* #lobby \(3\): (.*)"))
        self.assertEqual(ch.nicks(m.group(1)), {"ana", "bea", "cris"})
        cris.send("WHOIS bea")
        m = cris.wait_for("311")
        self.assertEqual(m.params[1], "bea")
        m = cris.wait_for("312")  # the server bea is on: her node
        self.assertEqual(m.params[1:3], ["bea", "node-2"])
        cris.wait_for("318")
        cris.send("WHO #lobby")
        seen = {}
        while True:
            m = cris.readline()
            if m.command == "352":
                seen[m.params[5]] = (m.params[4], m.last.split(" ")[0])
            if m.command == "315":
                break
        self.assertEqual(seen["bea"], ("node-2", "1"))  # its server, one hop away
        self.assertEqual(seen["ana"], ("node-1", "1"))
        self.assertEqual(seen["cris"][1], "0")
        # A room on two nodes: node-3 hears nothing of it.
        ana.send("/join #dev")
        ana.expect("* You joined #dev (1 member).")
        ch.until_answer(bea, "/who #dev", rx(r"\* #dev \(1\): @?ana"))
        bea.send("/join #dev")
        bea.expect("* You joined #dev (2 members).")
        ana.expect("[#dev] -- bea joined")
        bea.send("en dev")
        ana.expect("[#dev] bea: en dev")
        # A topic set on node-1 is seen, and shown, on node-2.
        ana.send("/topic cluster talk")
        ana.expect("[#dev] -- ana set the topic: cluster talk")
        bea.expect("[#dev] -- ana set the topic: cluster talk")
        bea.send("/topic")
        bea.expect("* The topic of #dev: cluster talk (set by ana).")
        self.assertEqual([x.raw for x in cris.sync()], [])
        # A rename on node-2 is seen on node-1 and node-3; the old name is free everywhere.
        bea.send("/nick beatriz")
        bea.expect("* You are now known as beatriz.")
        ana.expect("-- bea is now known as beatriz")
        cris.expect("NICK", lambda m: m.nick == "bea" and m.last == "beatriz")
        again = n1.client("bea")
        for c in (ana,):
            c.expect("[#lobby] -- bea joined")
        cris.expect("JOIN", lambda m: m.nick == "bea")
        again.send("/quit")
        again.expect("* Bye.")
        ana.expect("-- bea quit")
        cris.expect("QUIT", lambda m: m.nick == "bea")
        beatriz = bea
        beatriz.wait_for("-- bea quit")
        # A part and a quit cross.
        beatriz.send("/part #dev")
        beatriz.expect("* You left #dev.")
        ana.expect("[#dev] -- beatriz left")
        cris.send("QUIT :hasta luego")
        for c in (ana, beatriz):
            c.wait_for(rx(r"-- cris quit \((Quit: )?hasta luego\)"))
        self.assertEqual(ana.sync(), [])

    def test_each_event_is_published_once_by_its_origin(self):
        # A long lease: few heartbeats to tell apart from the messages.
        r = self.redis()
        n1, n2, n3 = self.nodes(3, r, lease=30)
        ana = n1.client("ana")
        bea = n2.client("bea")
        ana.wait_for("[#lobby] -- bea joined")
        cris = n3.client("cris")
        for c in (ana, bea):
            c.wait_for("[#lobby] -- cris joined")
        for c in (ana, bea, cris):
            c.sync()
        mon = r.monitor()
        self.addCleanup(mon.close)
        before = r.calls("publish", "eval", "evalsha")
        for i in range(50):
            ana.send("once %d" % i)
        for c in (bea, cris):
            c.wait_for("[#lobby] ana: once 49")
        delta = r.calls("publish", "eval", "evalsha") - before
        pubs = [c for c in mon.commands() if c[0] == b"PUBLISH" and b"once " in c[-1]]
        self.assertEqual(len(pubs), 50, "room messages published: %d, not once each"
                         % len(pubs))
        self.assertEqual(len({c[1] for c in pubs}), 1, "one room channel: %r"
                         % {c[1] for c in pubs})
        self.assertTrue(pubs[0][1].startswith(b"charla:room:"), pubs[0][1])
        # The count: the 50 and a few heartbeats and leases, not one per recipient.
        self.assertGreaterEqual(delta, 50)
        self.assertLessEqual(delta, 60, "PUBLISH/EVAL calls for 50 messages: %d" % delta)

    def test_stats_show_every_node(self):
        r = self.redis()
        n1, n2, n3 = self.nodes(3, r)
        ana = n1.client("ana")
        bea = n2.client("bea")
        ana.wait_for("[#lobby] -- bea joined")
        ben = n2.client("ben")
        ana.wait_for("[#lobby] -- ben joined")
        bea.wait_for("[#lobby] -- ben joined")
        want = {"node-1": 1, "node-2": 2, "node-3": 0}
        for srv in (n1, n2, n3):
            deadline = time.monotonic() + TIMEOUT
            while True:
                c = ch.cluster_of(srv)
                got = {x["name"]: x["online"] for x in c.get("nodes", [])}
                if got == want or time.monotonic() > deadline:
                    break
                time.sleep(0.05)  # polling another process's counts: only the clock to wait on
            self.assertEqual(got, want, "%s's /stats.json: %r" % (srv.node_name, c))
            self.assertEqual(c["node"], srv.node_name)
            self.assertEqual(c["state"], "whole")
            # The gauges count the others (docs/metrics.md).
            self.assertEqual(ch.metric(srv, "charla_cluster_nodes"), 2)
            self.assertEqual(ch.metric(srv, "charla_cluster_whole"), 1)
            self.assertEqual(ch.metric(srv, "charla_cluster_remote_people"),
                             sum(want.values()) - want[srv.node_name])
        ana.send("/stats")
        lines = ana.sync()
        text = "\n".join(lines)
        for name, n in want.items():
            self.assertTrue(any(re.fullmatch(r"\*+ +node %s: %d online%s" % (
                esc(name), n, esc(" (this node)") if name == "node-1" else ""), l)
                for l in lines), "no line for %s in /stats:\n%s" % (name, text))
        self.assertIn("* People in the chat: 3.", lines)
        self.assertIn("whole", text)

    def test_a_node_name_in_use_is_refused_and_freed_by_a_clean_stop(self):
        r = self.redis()
        n1, = self.nodes(1, r)
        flags = self.node_flags(r.url, 1)
        p = harness.run_charlad("--listen", "127.0.0.1:0", "--no-irc", "--config",
                                harness._empty_config(), *flags)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("charlad: node name node-1 is in use by a running node (choose another "
                      "with --node-name)", p.stderr)
        n1.stop()
        self.assertEqual(r.cli("KEYS", "*charla*node-1*"), [],
                         "node-1's lease is still there after a clean stop")
        again = self.node(r, 1)
        self.wait_whole([again], 1)

    def test_forged_publishes_are_dropped_and_counted(self):
        r = self.redis()
        n1, n2 = self.nodes(2, r)
        ana = n1.client("ana")
        bea = n2.client("bea")
        ana.wait_for("[#lobby] -- bea joined")
        # bea may have arrived before node-2 heard of ana: then she sees ana join after her.
        bea.sync()
        mon = r.monitor()
        self.addCleanup(mon.close)
        ana.send("model line")
        bea.expect("[#lobby] ana: model line")
        real = mon.wait(lambda c: c[0] == b"PUBLISH" and b"model line" in c[-1])
        room, payload = real[1], real[2]
        words, fields = ch.parse_cmsg(payload)
        self.assertEqual(words[0], b"C1")
        self.assertEqual(words[2], b"node-1")
        user = fields.index(b"ana")
        text = fields.index(b"model line")
        ident = int(words[3])

        def forged(node=b"node-1", who=b"ana", says=b"forged", k=1):
            w = list(words)
            w[2], w[3] = node, b"%d" % (ident + k)
            f = list(fields)
            f[user], f[text] = who, says
            return ch.encode_cmsg(w, f)

        dropped = [ch.metric(s, DROPPED, missing=True) for s in (n1, n2)]
        bad = [
            (b"{charla}:ctl", b"garbage"),
            (room, b"garbage"),
            (b"{charla}:ctl", b"C1 " + b"x" * (1 << 20)),
            (room, payload + b"x" * (1 << 20)),
            (room, forged(says=b"bad \xff\xfe utf-8", k=1)),
            (room, forged(says=b"a\rb", k=2)),
            (room, forged(node=b"node-9", k=3)),
            (room, forged(who=b"ghost", k=4)),
            (b"charla:node:node-2", b"C1 PM nobody"),
        ]
        for chan, data in bad:
            r.cli("PUBLISH", chan, data)
        # Nobody saw anything, and both nodes still carry the chat.
        ana.send("still here")
        bea.expect("[#lobby] ana: still here")
        bea.send("me too")
        ana.expect("[#lobby] bea: me too")
        self.assertEqual(ana.sync(), [])
        self.assertEqual(bea.sync(), [])
        for s in (n1, n2):
            self.assertTrue(s.running())
        self.assertNotIn(None, dropped, "no %s in /metrics" % DROPPED)
        after = [ch.metric(s, DROPPED) for s in (n1, n2)]
        # node-2 hears all (bea is in #lobby, and it is node-2); node-1 all but node-2's channel,
        # and may take the three that claim to come from node-1 for its own echo.
        self.assertGreaterEqual(after[1] - dropped[1], len(bad), (dropped, after))
        self.assertGreaterEqual(after[0] - dropped[0], len(bad) - 1 - 3, (dropped, after))


if __name__ == "__main__":
    harness.main()
