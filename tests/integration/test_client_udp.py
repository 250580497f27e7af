#!/usr/bin/env python3
"""charla --udp against charlad: chat with TCP users in one room, the name given or typed, end
of input, lines too long for a datagram, split lines shown whole, /stats counters that are exact
when a loopback relay drops, duplicates and swaps chosen datagrams, keepalives, and registering
again by itself after the server forgot it or restarted on the same port."""

import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_client_common as common  # noqa: E402
from udp_helpers import Relay  # noqa: E402

ARGS = common.parse_args()
HOST = common.HOST
UDP_LOG = r"receiving datagrams on 127\.0\.0\.1:(\d+) \(udp\)"


def udp_port(server):
    return int(re.search(UDP_LOG, server.log.wait(UDP_LOG)).group(1))


class UdpClient(unittest.TestCase):
    def setUp(self):
        if not ARGS.charlad:
            self.fail("these tests need charlad: --charlad PATH")
        self.servers = []
        self.users = []
        self.procs = []
        self.relays = []

    def tearDown(self):
        for p in self.procs:
            common.reap(p)
        for u in self.users:
            u.close()
        for r in self.relays:
            r.close()
        for s in self.servers:
            s.stop()

    def server(self, *extra):
        s = common.RealServer(ARGS.charlad, *extra)
        self.servers.append(s)
        return s

    def user(self, server, name):
        u = common.RawUser(server.port, name)
        self.users.append(u)
        return u

    def charla(self, port, *args, **kw):
        p = common.charla(ARGS.charla, "--udp", *args, HOST, str(port), **kw)
        self.procs.append(p)
        return p

    def say(self, p, line):
        p.stdin.write(line.encode() + b"\n")
        p.stdin.flush()

    def test_chat_with_a_tcp_user(self):
        srv = self.server()
        luis = self.user(srv, "luis")
        mark = luis.lines.count()
        p = self.charla(udp_port(srv), "-n", "ana")
        p.out.wait(r"^\* Welcome, ana! You are in #lobby with 1 other\.")
        luis.lines.wait(r"^\[#lobby\] -- ana joined$", start=mark)
        self.say(p, "hola luis, ¿qué tal?")
        luis.lines.wait(r"^\[#lobby\] ana: hola luis, ¿qué tal\?$", start=mark)
        luis.send("bien, ana")
        p.out.wait(r"^\[#lobby\] luis: bien, ana$")
        self.say(p, "/msg luis psst")
        luis.lines.wait(r"^\[pm\] ana: psst$", start=mark)
        self.say(p, "/quit")
        self.assertEqual(common.finish(p), 0)
        p.out.wait_eof()
        self.assertIn("* Bye.", p.out.lines)
        luis.lines.wait(r"^-- ana quit$", start=mark)
        self.assertEqual(p.err.lines, [])

    def test_name_typed_at_the_prompt(self):
        srv = self.server()
        p = self.charla(udp_port(srv))
        p.out.wait(r"^\* What is your name\?")
        self.say(p, "cris")
        p.out.wait(r"^\* Welcome, cris!")
        self.say(p, "salir")
        self.assertEqual(common.finish(p), 0)

    def test_a_taken_name_ends_a_script_with_status_6(self):
        srv = self.server()
        ana = self.user(srv, "ana")
        mark = ana.lines.count()
        p = self.charla(udp_port(srv), "-n", "ana")
        p.stdin.write(b"hola\n")
        p.stdin.close()
        self.assertEqual(common.finish(p), 6)
        p.err.wait(r"^charla: the server refused the name ana: The name ana is taken")
        p.out.wait_eof()
        self.assertFalse([l for l in p.out.lines if "Welcome" in l or "What is your name" in l])
        # The script's line was not taken for a name, nor said.
        luis = self.user(srv, "luis")
        luis.send("sync")
        ana.lines.wait(r"^\[#lobby\] luis: sync$", start=mark)
        self.assertFalse([l for l in ana.lines.lines[mark:] if "hola" in l])

    def test_end_of_input_leaves(self):
        srv = self.server()
        luis = self.user(srv, "luis")
        mark = luis.lines.count()
        p = self.charla(udp_port(srv), "-n", "bea", stdin=subprocess.PIPE)
        p.stdin.write("uno\ndos\ntres\n".encode())
        p.stdin.close()
        self.assertEqual(common.finish(p), 0)
        for word in ("uno", "dos", "tres"):
            luis.lines.wait(r"^\[#lobby\] bea: %s$" % word, start=mark)
        luis.lines.wait(r"^-- bea quit$", start=mark)

    def test_a_line_longer_than_a_datagram_is_not_sent(self):
        srv = self.server()
        luis = self.user(srv, "luis")
        mark = luis.lines.count()
        p = self.charla(udp_port(srv), "-n", "ana", stdin=subprocess.PIPE)
        p.stdin.write(b"x" * 1200 + b"\n" + b"y" * 1199 + b"\n")
        p.stdin.close()
        self.assertEqual(common.finish(p), 0)
        luis.lines.wait(r"^\[#lobby\] ana: y{1199}$", start=mark)
        self.assertFalse([l for l in luis.lines.lines if "xxxx" in l])
        p.err.wait(r"^charla: line 1 is too long \(1200 bytes; the limit is 1199\)")

    def test_a_split_line_is_shown_whole(self):
        srv = self.server("--max-line", "8K")
        luis = self.user(srv, "luis")
        p = self.charla(udp_port(srv), "-n", "ana")
        p.out.wait(r"^\* Welcome, ana!")
        text = "".join("añ€😀"[i % 4] for i in range(2000))  # 5 KB: 5 datagrams
        luis.send(text)
        p.out.wait(r"^\[#lobby\] luis: %s$" % re.escape(text))

    def test_stats_are_exact_through_a_lossy_relay(self):
        srv = self.server()
        luis = self.user(srv, "luis")
        # luis says m1..m10; on the way to ana the relay drops m2 and m6, sends m4 twice, and
        # holds m7 until m8 has gone.
        relay = Relay(udp_port(srv), drop={"[#lobby] luis: m2", "[#lobby] luis: m6"},
                      dup={"[#lobby] luis: m4"}, swap={"[#lobby] luis: m7": "[#lobby] luis: m8"})
        self.relays.append(relay)
        mark = luis.lines.count()
        p = self.charla(relay.port, "-n", "ana", "--keepalive", "3600")
        p.out.wait(r"^\* Welcome, ana!")
        luis.lines.wait(r"^\[#lobby\] -- ana joined$", start=mark)
        for i in range(1, 11):
            luis.send("m%d" % i)
        p.out.wait(r"^\[#lobby\] luis: m10$")
        shown = [l.split(": ", 1)[1] for l in p.out.lines if l.startswith("[#lobby] luis: ")]
        # Lost ones missing, the duplicate shown once, the swapped pair in arrival order.
        self.assertEqual(shown, ["m1", "m3", "m4", "m5", "m8", "m7", "m9", "m10"])
        to_server, to_client, numbered, seqs, done = relay.counts()
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))
        self.assertEqual(sorted(done), sorted([("drop", "[#lobby] luis: m2"),
                                               ("drop", "[#lobby] luis: m6"),
                                               ("dup", "[#lobby] luis: m4"),
                                               ("hold", "[#lobby] luis: m7"),
                                               ("release", "[#lobby] luis: m8")]))
        start = p.out.count()
        self.say(p, "/stats")
        p.out.wait(r"^\* Numbered datagrams", start=start)
        stats = [l for l in p.out.lines[start:] if l.startswith("* ")]
        self.assertEqual(stats[0], "* UDP to %s port %d: datagrams sent %d, received %d."
                         % (HOST, relay.port, to_server, to_client))
        self.assertEqual(stats[1], "* Numbered datagrams: received %d, lost 2, duplicated 1, "
                                   "reordered 1." % numbered)
        # Without retries on a slow day: /hello, its echo; the cookie and 13 numbered, less
        # 2 dropped, plus 1 duplicate.
        self.assertGreaterEqual(to_server, 2)
        self.assertEqual(numbered, len(seqs) - 2 + 1)

    def test_keepalives_keep_it_registered(self):
        srv = self.server("--udp-idle", "3")
        luis = self.user(srv, "luis")
        p = self.charla(udp_port(srv), "-n", "ana", "--keepalive", "1")
        p.out.wait(r"^\* Welcome, ana!")
        # Silent for longer than the server's idle time: keepalives alone keep ana there.
        end = time.monotonic() + 4.5
        while time.monotonic() < end:
            start = luis.lines.count()
            luis.send("/who")
            luis.lines.wait(r"^\* #lobby \(\d+\): ", start=start)
            # The members (the bot line that follows names the assistant, in no room).
            who = [l for l in luis.lines.lines[start:] if l.startswith("* #lobby (")]
            self.assertEqual(who[-1], "* #lobby (2): ana luis")
            time.sleep(0.5)
        self.assertFalse([l for l in luis.lines.lines if "ana quit" in l])

    def test_registers_again_when_forgotten(self):
        srv = self.server("--udp-idle", "1")
        luis = self.user(srv, "luis")
        mark = luis.lines.count()
        p = self.charla(udp_port(srv), "-n", "ana", "--keepalive", "3600")
        p.out.wait(r"^\* Welcome, ana!")
        luis.lines.wait(r"^\[#lobby\] -- ana joined$", start=mark)
        # No keepalives: forgotten after a second, and told so; charla registers again.
        luis.lines.wait(r"^-- ana quit \(idle timeout\)$", start=mark)
        p.out.wait(r"^! The server had forgotten us")
        mark2 = luis.lines.count()
        luis.lines.wait(r"^\[#lobby\] -- ana joined$", start=mark2)
        self.say(p, "sigo aquí")
        luis.lines.wait(r"^\[#lobby\] ana: sigo aquí$", start=mark2)

    def test_registers_again_after_a_server_restart(self):
        first = self.server()
        port = udp_port(first)
        luis = self.user(first, "luis")
        mark = luis.lines.count()
        p = self.charla(port, "-n", "ana", "--keepalive", "1")
        p.out.wait(r"^\* Welcome, ana!")
        self.say(p, "/join #dev")
        p.out.wait(r"^\* You joined #dev")
        luis.lines.wait(r"^\[#lobby\] -- ana joined$", start=mark)
        first.stop()
        p.out.wait(r"^! Server shutting down\.$")
        p.out.wait(r"^! Waiting for the server to come back")
        # A new server on the same UDP port: charla registers again by itself, as ana, and
        # goes back to #dev.
        second = self.server("--udp", "%s:%d" % (HOST, port))
        eva = self.user(second, "eva")
        eva.send("/join #dev")
        eva.lines.wait(r"^\* You joined #dev")
        mark = eva.lines.count()
        eva.lines.wait(r"^\[#dev\] -- ana joined$", start=mark, timeout=20)
        self.say(p, "de vuelta")
        eva.lines.wait(r"^\[#dev\] ana: de vuelta$", start=mark)
        self.say(p, "/quit")
        self.assertEqual(common.finish(p), 0)

    def test_no_answer(self):
        # Nobody on that port: refused at once (ICMP), exit 4.
        srv = self.server("--udp", "off")
        p = self.charla(srv.port, "-n", "ana", stdin=subprocess.DEVNULL)
        self.assertEqual(common.finish(p), 4)
        p.err.wait(r"^charla: cannot register with 127\.0\.0\.1 port \d+ over UDP: "
                   r"connection refused$")

    def test_silence_gives_up(self):
        # A socket that reads and never answers: charla gives up after its tries, exit 4.
        import socket
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sink.bind((HOST, 0))
        self.addCleanup(sink.close)
        p = self.charla(sink.getsockname()[1], "-n", "ana", stdin=subprocess.DEVNULL)
        self.assertEqual(common.finish(p, timeout=30), 4)
        p.err.wait(r"^charla: cannot register with .* over UDP: no answer$")
        sink.settimeout(1)
        hellos = []
        try:
            while True:
                hellos.append(sink.recv(2000))
        except socket.timeout:
            pass
        self.assertEqual(len(hellos), 4)
        for h in hellos:
            self.assertEqual(h, b"/hello ana" + b" " * 13 + b"\n")


if __name__ == "__main__":
    common.main()
