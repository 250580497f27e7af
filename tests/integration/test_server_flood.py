"""charlad integration: the message rate every face shares (--msg-rate, --msg-burst; hub/flood.h).

A client that sends faster than the rate has each message over it refused with one line; one that
goes on (as many refusals in a row as the burst) is cut with "Excess Flood"; the others' messages
keep arriving, and server operators are exempt. Line, IRC and UDP clients alike.
Run: python3 test_server_flood.py /path/to/charlad
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import esc, rx  # noqa: E402
from irc_helpers import IrcCase  # noqa: E402
from test_server_metrics import get, parse_exposition, value  # noqa: E402
from test_server_oper import HUNTER2  # noqa: E402
from test_server_udp import udp_port  # noqa: E402
from udp_helpers import Peer  # noqa: E402

TOO_FAST = "! You are sending too fast: at most 2 a second. That message was not sent."
FLOODED = "! Excess flood: you kept sending more than 2 a second; disconnected."
RATE = ("--msg-rate", "2", "--msg-burst", "3")


class Line(harness.TestCase):
    def test_flooder_refused_then_cut_quiet_client_still_heard(self):
        srv = self.server(*RATE)
        quiet, flood, other = srv.users("quiet", "flood", "other")
        flood.send_raw("".join("spam %d\n" % k for k in range(20)).encode())
        # Its burst goes through; then refusals, each said once; the third in a row cuts it.
        for k in range(2):
            self.assertEqual(flood.readline(), TOO_FAST)
        self.assertEqual(flood.readline(), FLOODED)
        flood.expect_eof()
        for c in (quiet, other):
            for k in range(3):
                c.expect("[#lobby] flood: spam %d" % k)
            c.expect("-- flood quit (Excess Flood)")
        # The quiet ones were never charged for it.
        quiet.send("still here")
        other.expect("[#lobby] quiet: still here")
        self.assertEqual(other.sync(), [])

    def test_a_pause_gives_the_budget_back(self):
        srv = self.server("--msg-rate", "20", "--msg-burst", "3")
        ana, bob = srv.users("ana", "bob")
        ana.send_raw(b"a\nb\nc\nd\n")
        ana.expect(TOO_FAST.replace("2 a second", "20 a second"))
        refused_at = time.monotonic()
        for t in "abc":
            bob.expect("[#lobby] ana: " + t)
        # One token comes back every 50 ms: round trips to the server until twice that passed.
        while time.monotonic() - refused_at < 0.1:
            bob.sync()
        ana.send("e")
        bob.expect("[#lobby] ana: e")


class Irc(IrcCase):
    def test_irc_flooder_told_then_cut_operator_exempt(self):
        opers = self.file("boss %s\n" % HUNTER2)
        srv = self.irc_server(*RATE, "--oper-file", opers)
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        self.joined(ana, "#x")
        self.joined(bob, "#x", ana)
        bob.send_raw(b"".join(b"PRIVMSG #x :spam %d\r\n" % k for k in range(20)))
        for k in range(3):
            self.assertEqual(ana.expect("PRIVMSG").params, ["#x", "spam %d" % k])
        for k in range(2):
            m = bob.expect("NOTICE")
            self.assertEqual(m.last, "You are sending too fast: at most 2 a second. "
                                     "That message was not sent.")
        bob.expect_error("Excess Flood")
        quit_ = ana.expect("QUIT")
        self.assertEqual((quit_.nick, quit_.last), ("bob", "Excess Flood"))
        # An operator is not charged.
        ana.send("OPER boss hunter2")
        ana.expect("381")
        ana.expect("MODE")
        carla = self.irc(srv, "carla")
        self.joined(carla, "#x", ana)
        ana.send_raw(b"".join(b"PRIVMSG #x :op %d\r\n" % k for k in range(10)))
        for k in range(10):
            self.assertEqual(carla.expect("PRIVMSG").params, ["#x", "op %d" % k])


class Udp(harness.TestCase):
    def test_udp_flooder_cut_tcp_client_still_heard(self):
        srv = self.server(*RATE)
        tcp = srv.client("tcp")
        p = Peer(udp_port(srv), label="flood")
        self.addCleanup(p.close)
        p.register("flood")
        tcp.expect("[#lobby] -- flood joined")
        for k in range(10):
            p.send("spam %d" % k)
        p.wait_for(esc(TOO_FAST))
        p.wait_for(esc(FLOODED))
        for k in range(3):
            tcp.expect("[#lobby] flood: spam %d" % k)
        tcp.expect("-- flood quit (Excess Flood)")


class Metrics(IrcCase):
    def scrape(self, srv):
        status, _, body = get(srv.http_port, source="127.0.0.9")  # spared by --max-per-ip
        self.assertEqual(status, 200, body)
        return parse_exposition(body.decode("utf-8"))

    def test_refusals_and_cuts_counted(self):
        srv = self.irc_server("--http-listen", "127.0.0.1:0", "--max-per-ip", "2", *RATE)
        ana, flood = srv.users("ana", "flood")
        flood.send_raw(b"".join(b"x\n" for _ in range(10)))
        flood.wait_for(FLOODED)
        flood.expect_eof()
        ana.wait_for("-- flood quit (Excess Flood)")
        # Another address's third connection is refused.
        first = [socket.create_connection(("127.0.0.1", srv.port), source_address=("127.0.0.3", 0))
                 for _ in range(2)]
        over = socket.create_connection(("127.0.0.1", srv.port), source_address=("127.0.0.3", 0))
        over.settimeout(harness.TIMEOUT)
        self.assertEqual(over.makefile().readline(),
                         "! Too many connections from your address (at most 2).\n")
        fams = self.scrape(srv)
        self.assertEqual(value(fams, "charla_messages_refused_total", limit="msg-rate"), 2)
        self.assertEqual(value(fams, "charla_flood_disconnects_total"), 1)
        self.assertEqual(value(fams, "charla_connections_refused_total", limit="per-ip"), 1)
        self.assertEqual(value(fams, "charla_connections_refused_total", limit="connect-rate"), 0)
        for c in first + [over]:
            c.close()


if __name__ == "__main__":
    harness.main()
