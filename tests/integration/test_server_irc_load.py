"""charlad's IRC face under load: flood control slows the client that floods and nobody else,
and loses nothing; a client that never reads is dropped ("SendQ exceeded") and nobody else loses
anything. Real processes on loopback, ephemeral ports; no assertion rests on a measured time.

Run: python3 test_server_irc_load.py /path/to/charlad
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from irc_helpers import IrcCase  # noqa: E402

# 200 commands at 20 a second take 10 s: the whole flood must be through within three times that
# (a rate held to the burst, 5 a second, would take 40 s).
FLOOD_DEADLINE = 30.0


class Flood(IrcCase):
    def test_flooder_is_slowed_others_are_not_and_nothing_is_lost(self):
        srv = self.irc_server("--irc-flood", "20", "--irc-flood-burst", "5")
        flooder = self.irc(srv, "flooder")
        other = self.irc(srv, "other")
        reader = self.irc(srv, "reader")
        nc = srv.client("carla")
        self.joined(reader, "#lobby")
        self.joined(flooder, "#lobby", reader)
        self.joined(other, "#lobby", reader, flooder)
        for c in (reader, flooder, other):
            nc.expect("[#lobby] -- %s joined" % c.nick)
        n = 200
        flooder.send_raw(b"".join(b"PRIVMSG #lobby :msg %03d\r\n" % i for i in range(n)) +
                         b"PING :flood-done\r\n")
        reader.expect("PRIVMSG", lambda m: m.nick == "flooder", params=["#lobby", "msg 000"])
        # The others are served at once: a sync, and a message that overtakes the flood.
        def only_flood(lines):
            self.assertEqual({(m.command, m.nick) for m in lines} - {("PRIVMSG", "flooder")},
                             set())
        only_flood(other.sync())
        other.send("PRIVMSG #lobby :entre medias")
        only_flood(other.sync())
        self.assertNotIn("PONG", [m.command for m in flooder.ready()],
                         "the flooder's marker was answered before other's: not slowed")
        # Every message of the flood arrives, in order, at IRC and netcat readers alike.
        deadline = time.monotonic() + FLOOD_DEADLINE
        got, between = [], None
        while len(got) < n - 1:
            try:
                m = reader.readline(max(0.0, deadline - time.monotonic()))
            except AssertionError as e:
                raise AssertionError("the flood was not through %.0f s after it began (%d of %d "
                                     "arrived)\n%s" % (FLOOD_DEADLINE, len(got) + 1, n, e))
            self.assertEqual(m.command, "PRIVMSG")
            if m.nick == "other":
                self.assertEqual(m.params, ["#lobby", "entre medias"])
                between = len(got)
                continue
            got.append(m.params[1])
        self.assertEqual(got, ["msg %03d" % i for i in range(1, n)])
        self.assertIsNotNone(between, "other's message never came")
        self.assertLess(between, n - 2, "other's message waited for the whole flood")
        lines = [nc.readline() for _ in range(n + 1)]
        self.assertEqual([l for l in lines if not l.startswith("[#lobby] flooder: ")],
                         ["[#lobby] other: entre medias"])
        self.assertEqual([l for l in lines if l.startswith("[#lobby] flooder: ")],
                         ["[#lobby] flooder: msg %03d" % i for i in range(n)])
        flooder.wait_for("PONG", lambda m: m.last == "flood-done")
        self.assertEqual(reader.sync(), [])
        # Slowed, not punished: once its budget is back it talks at once.
        flooder.send("PRIVMSG #lobby :ya está")
        reader.expect("PRIVMSG", params=["#lobby", "ya está"])

    def test_throttled_clients_leaving_and_shutdown(self):
        srv = self.irc_server("--irc-flood", "20", "--irc-flood-burst", "5")
        reader = self.irc(srv, "reader")
        self.joined(reader, "#f")
        flooders = [self.irc(srv, "f%d" % i) for i in range(3)]
        for f in flooders:
            self.joined(f, "#f")
            reader.expect("JOIN")
        for f in flooders:
            f.send_raw(b"".join(b"PRIVMSG #f :%d\r\n" % i for i in range(100)))
        for f in flooders:
            reader.wait_for("PRIVMSG", lambda m, f=f: m.nick == f.nick)
        flooders[0].reset()                          # one leaves while held back
        reader.wait_for("QUIT", lambda m: m.nick == "f0")
        srv.terminate()                              # the others are still held back
        for f in flooders[1:]:
            f.expect_error("Server shutting down")
        srv.stop()

    def test_no_limit_with_zero(self):
        srv = self.irc_server("--irc-flood", "0")
        flooder = self.irc(srv, "flooder")
        reader = self.irc(srv, "reader")
        self.joined(reader, "#f")
        self.joined(flooder, "#f", reader)
        flooder.send_raw(b"".join(b"PRIVMSG #f :%d\r\n" % i for i in range(500)))
        flooder.sync()
        got = [m.last for m in reader.sync()]
        self.assertEqual(got, [str(i) for i in range(500)])


class SlowReader(IrcCase):
    TEXT = "x" * 400

    def test_client_that_never_reads_is_dropped_and_nobody_loses_anything(self):
        srv = self.irc_server("--outq-hard", "256K", "--outq-soft", "0")
        slow = self.irc(srv, "slow", rcvbuf=4096)
        talker = self.irc(srv, "talker")
        reader = self.irc(srv, "reader")
        nc = srv.client("carla")
        self.joined(slow, "#lobby")
        self.joined(talker, "#lobby", slow)
        self.joined(reader, "#lobby", slow, talker)
        for c in (slow, talker, reader):
            nc.expect("[#lobby] -- %s joined" % c.nick)
        slow.sync()                                  # it reads nothing from here on
        n, quit_seen = 0, None
        while quit_seen is None:
            self.assertLess(n, 200000, "slow was never disconnected")
            talker.send_raw("".join("PRIVMSG #lobby :%d %s\r\n" % (n + i, self.TEXT)
                                    for i in range(64)).encode())
            for i in range(64):
                m = reader.readline()
                if m.command == "QUIT":
                    self.assertEqual((m.nick, m.params), ("slow", ["SendQ exceeded"]))
                    quit_seen = n + i
                    m = reader.readline()
                self.assertEqual(m.params, ["#lobby", "%d %s" % (n + i, self.TEXT)])
                line = nc.readline()
                if line.startswith("-- "):
                    self.assertEqual(line, "-- slow quit (SendQ exceeded)")
                    line = nc.readline()
                self.assertEqual(line, "[#lobby] talker: %d %s" % (n + i, self.TEXT))
            n += 64
        talker.send("PRIVMSG #lobby :after the slow one")
        reader.expect("PRIVMSG", params=["#lobby", "after the slow one"])
        self.assertEqual(reader.sync(), [])
        self.assertEqual([m.command for m in talker.sync()], ["QUIT"])
        srv.wait_log("(irc slow): disconnecting a slow reader")
        # The slow one now reads what was in flight, then the reason, then the end.
        slow.strict = False                          # the cut may fall inside a line
        got = slow.expect_eof(timeout=15)
        self.assertEqual(got[-1].raw, "ERROR :Closing Link: slow (SendQ exceeded)")


class Shutdown(IrcCase):
    def test_sigterm_with_a_client_that_never_reads(self):
        # Megabytes wait in the server for an IRC client that reads nothing: the server still
        # exits within its grace period instead of waiting for that output to drain.
        srv = self.irc_server("--outq-hard", "512M", "--outq-soft", "0")
        slow = self.irc(srv, "slow", rcvbuf=4096)
        talker = self.irc(srv, "talker")
        self.joined(slow, "#x")
        self.joined(talker, "#x", slow)
        slow.sync()                                  # it reads nothing from here on
        line = b"PRIVMSG #x :" + b"s" * 480 + b"\r\n"
        for _ in range(16):
            talker.send_raw(line * 1024)             # 8 MiB in all, more than socket buffers
        self.assertEqual(talker.sync(timeout=30), [])
        srv.terminate()
        talker.expect_error("Server shutting down")
        took = srv.stop(close_clients=False)
        self.assertLess(took, 5, "charlad took %.2f s to exit after SIGTERM" % took)
        slow.strict = False                          # cut, maybe in the middle of a line
        slow.expect_eof(timeout=20)


if __name__ == "__main__":
    harness.main()
