#!/usr/bin/env python3
"""charlad's UDP face (docs/protocol.md, "UDP"): UDP and TCP users in one room, the cookie
exchange, no amplification towards unverified sources, rate limits, soft state (idle expiry
announced like a quit, keepalives), long lines split at UTF-8 boundaries, the queue, shutdown,
bad input, and the flags. Real processes on loopback with ephemeral ports."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import rx, esc  # noqa: E402
from udp_helpers import Peer, parse  # noqa: E402


def udp_port(srv, host=r"127\.0\.0\.1"):
    line = srv.wait_log(rx(r"receiving datagrams on %s:(\d+) \(udp\)" % host))
    return int(re.search(r":(\d+) \(udp\)", line).group(1))


# /who names the assistant after the members (it is in no room).
BOT = '* Bot: gpt (the assistant; ask it with "gpt: question")'

class UdpCase(harness.TestCase):
    def peer(self, srv, label="peer", host="127.0.0.1"):
        p = Peer(udp_port(srv, re.escape(host) if ":" not in host else r"\[::1\]"), host=host,
                 label=label)
        self.addCleanup(p.close)
        return p


class Chat(UdpCase):
    def test_tcp_and_udp_users_share_a_room(self):
        srv = self.server()
        # UDP follows TCP: same port number by default.
        self.assertEqual(udp_port(srv), srv.port)
        ana = srv.client("ana")
        bob = self.peer(srv)
        welcome = bob.register("bob")
        self.assertEqual(welcome, "* Welcome, bob! You are in #lobby with 1 other. "
                                  "Type /help for commands.")
        ana.expect("[#lobby] -- bob joined")
        bob.send("hola ana")
        ana.expect("[#lobby] bob: hola ana")
        ana.send("hola bob, ¿qué tal?")
        self.assertEqual(bob.readline(), "[#lobby] ana: hola bob, ¿qué tal?")
        bob.send("/me waves")
        ana.expect("[#lobby] * bob waves")
        ana.send("/msg bob psst")
        self.assertEqual(bob.readline(), "[pm] ana: psst")
        bob.send("/msg ana shh")
        ana.expect("[pm] bob: shh")
        bob.send("/who")
        self.assertEqual(bob.readline(), "* #lobby (2): ana bob")
        self.assertEqual(bob.readline(), BOT)
        bob.send("/nick beto")
        self.assertEqual(bob.readline(), "* You are now known as beto.")
        ana.expect("-- bob is now known as beto")
        ana.send("/join #dev")
        ana.expect("* You joined #dev (1 member).")
        bob.send("/join dev")
        self.assertEqual(bob.readline(), "* You joined #dev (2 members).")
        ana.expect("[#dev] -- beto joined")
        bob.send("en dev")
        ana.expect("[#dev] beto: en dev")
        bob.send("/quit me voy")
        self.assertEqual(bob.readline(), "* Bye.")
        ana.expect("-- beto quit (me voy)")
        # Forgotten at once: the next datagram gets HELLO?.
        bob.send("hola otra vez")
        self.assertEqual(bob.readline(), "HELLO?")

    def test_udp_users_see_each_other(self):
        srv = self.server()
        a, b = self.peer(srv), self.peer(srv)
        a.register("uno")
        b.register("dos")
        self.assertEqual(a.readline(), "[#lobby] -- dos joined")
        b.send("salir")
        self.assertEqual(b.readline(), "* Bye.")
        self.assertEqual(a.readline(), "-- dos quit")

    def test_over_ipv6(self):
        srv = self.server(ipv6=True, ipv4=False)
        ana = srv.client("ana", ipv6=True)
        bob = self.peer(srv, host="::1")
        bob.register("bob")
        ana.expect("[#lobby] -- bob joined")
        bob.send("hola por ipv6")
        ana.expect("[#lobby] bob: hola por ipv6")

    def test_several_lines_in_one_datagram_and_bad_bytes(self):
        srv = self.server("--max-line", "100")
        ana = srv.client("ana")
        bob = self.peer(srv)
        bob.register("bob")
        ana.expect("[#lobby] -- bob joined")
        # As nc -u sends piped input: several lines, CR LF, an empty line.
        bob.send(b"uno\r\n\ndos\ntres", lf=False)
        ana.expect("[#lobby] bob: uno")
        ana.expect("[#lobby] bob: dos")
        ana.expect("[#lobby] bob: tres")
        bob.send(b"rojo \x1b[31m y \xff fin")
        ana.expect("[#lobby] bob: rojo \ufffd[31m y \ufffd fin")
        bob.send("x" * 101)
        self.assertEqual(bob.readline(), "! Line too long (max 100 bytes); it was dropped.")
        bob.send(b"", lf=False)
        bob.send("/frob")
        self.assertEqual(bob.readline(), "! Unknown command: /frob. Type /help for the list.")
        ana.send("/who")
        ana.expect("* #lobby (2): ana bob")


class Registration(UdpCase):
    def test_cookie_exchange(self):
        srv = self.server()
        p = self.peer(srv)
        # Too short for the 24-byte answer: no answer at all.
        p.send("/hello ana")
        p.silent()
        p.send("/hello ana" + " " * 13)  # 24 bytes with the LF
        dg = p.recv()
        self.assertRegex(dg, rb"\ACOOKIE [0-9a-f]{16}\n\Z")
        self.assertEqual(len(dg), 24)
        cookie = dg[7:23].decode()
        # The same address in the same period gets the same cookie: nothing is stored.
        p.send("/hello ana" + " " * 13)
        self.assertEqual(p.recv(), dg)
        # A wrong cookie is answered like none: with a fresh one.
        p.send("/hello ana " + ("0" * 16 if cookie != "0" * 16 else "1" * 16))
        self.assertEqual(parse(p.recv())[0], "cookie")
        p.send("/HELLO ana %s" % cookie.upper())
        self.assertRegex(p.readline(), r"\* charlad .* online\.")
        p.readline()
        self.assertTrue(p.readline().startswith("* Welcome, ana!"))
        # Asking again once registered: told so, in the session.
        p.send("/hello ana %s" % cookie)
        self.assertEqual(p.readline(), "* You are registered already.")
        p.send("/keepalive")
        p.send("/who")
        self.assertEqual(p.readline(), "* #lobby (1): ana")

    def test_cookie_of_another_address_does_not_register(self):
        srv = self.server()
        ana = srv.client("ana")
        good, forger = self.peer(srv, "good"), self.peer(srv, "forger")
        cookie = good.cookie()
        forger.send("/hello mallory %s" % cookie)
        self.assertEqual(parse(forger.recv())[0], "cookie")
        ana.send("/who")
        ana.expect("* #lobby (1): ana")

    def test_hello_without_name_then_name_as_on_tcp(self):
        srv = self.server()
        ana = srv.client("ana")
        p = self.peer(srv)
        p.send("/hello" + " " * 18)
        cookie = parse(p.recv())[4]
        # The cookie needs a name before it; a taken name is refused and asked again.
        p.send("/hello ana %s" % cookie)
        p.readline()
        p.readline()
        self.assertEqual(p.readline(), "! The name ana is taken; pick another.")
        self.assertTrue(p.readline().startswith("* What is your name?"))
        p.send("hola")
        self.assertTrue(p.readline().startswith("* Welcome, hola!"))
        ana.expect("[#lobby] -- hola joined")

    def test_name_timeout(self):
        srv = self.server("--name-timeout", "1")
        p = self.peer(srv)
        cookie = p.cookie()
        p.send("/hello - %s" % cookie)  # "-": no name
        self.assertRegex(p.readline(), r"\* charlad .* online\.")
        self.assertTrue(p.readline().startswith("* What is your name?"))
        p.send("/hello -- %s" % cookie)  # taken as asking again, not as a name
        self.assertEqual(p.readline(), "* You are registered already.")
        p.send("-x")  # an invalid name: still nameless
        self.assertTrue(p.readline().startswith("! Cannot use that name"))
        p.readline()
        self.assertEqual(p.readline(timeout=10), "! No name given in time.")
        self.assertEqual(p.readline(), "HELLO?")

    def test_too_many_peers(self):
        srv = self.server("--udp-max-peers", "1")
        a, b = self.peer(srv), self.peer(srv)
        a.register("uno")
        cookie = b.cookie()
        b.send("/hello dos %s" % cookie)
        self.assertEqual(b.recv(), b"! The server has too many UDP peers; try again later.\n")


class Amplification(UdpCase):
    def test_unverified_sources_get_no_more_bytes_than_they_sent(self):
        srv = self.server("--udp-rate", "1000")
        port = udp_port(srv)
        good = self.peer(srv, "good")
        good.register("good")
        cookie = Peer(port, label="other")
        self.addCleanup(cookie.close)
        other_cookie = cookie.cookie()
        # A source that never reads until the end: everything it is sent piles up in its
        # socket buffer, where we count it. Every kind of datagram, of many sizes, including a
        # cookie made for another address and /hello lines just short of the answer.
        src = Peer(port, label="forged")
        self.addCleanup(src.close)
        kinds = [b"/hello", b"/hello ana", b"/hello ana " + other_cookie.encode(), b"/keepalive",
                 b"hola", b"/quit", b"/who", b"x" * 300, b"", b"\xff\xfe", b"HELLO?",
                 b"/hello " + b"a" * 15, b"/hello " + b"a" * 16, b"1 2 3"]
        for i in range(400):
            k = kinds[i % len(kinds)]
            src.send(k + b" " * (i % 30), lf=bool(i % 2))
            if i % 40 == 39:
                # The server has read them all once it answers a later datagram on the same
                # socket; in chunks, so that no burst overflows its receive buffer.
                good.send("/who")
                self.assertEqual(good.readline(), "* #lobby (1): good")
                self.assertEqual(good.readline(), BOT)
        got = src.drain()
        self.assertLessEqual(src.recv_bytes, src.sent_bytes)
        self.assertTrue(got, "a source that sends long enough datagrams is answered")
        for dg in got:
            self.assertIn(parse(dg)[0], ("cookie", "hello"), dg)

    def test_every_answer_fits_in_its_datagram(self):
        srv = self.server()
        p = self.peer(srv)
        # One datagram at a time: each answer is no larger than what provoked it, or there is
        # none when the answer would not fit.
        for data, kind in [(b"hi", None), (b"hola!!", None), (b"hola!!!", "hello"),
                           (b"/hello x", None), (b"/hello" + b" " * 17, None),
                           (b"/hello" + b" " * 18, "cookie"), (b"/keepalive", "hello"),
                           (b"/hello ana 0123456789abcdef", "cookie")]:
            p.send(data, lf=False)
            if kind is None:
                p.silent(0.2)
                continue
            dg = p.recv()
            self.assertLessEqual(len(dg), len(data), (data, dg))
            self.assertEqual(parse(dg)[0], kind, (data, dg))
        self.assertLessEqual(p.recv_bytes, p.sent_bytes)

    def test_rate_limit_per_source_address(self):
        srv = self.server("--udp-rate", "5")  # bursts of 10
        marker = self.peer(srv, "marker")
        marker.register("marker")
        p = self.peer(srv)
        t0 = time.monotonic()
        for _ in range(100):
            p.send("/hello" + " " * 30)
        # The server has read all of p's datagrams once it answers a later one on that socket.
        marker.send("/who")
        self.assertEqual(marker.readline(), "* #lobby (1): marker")
        elapsed = time.monotonic() - t0
        answers = len(p.drain())
        # A burst of 10, plus 5 a second for however long this took (a bound that only gets
        # looser on a slow machine, never tighter).
        self.assertGreaterEqual(answers, 10)
        self.assertLessEqual(answers, 10 + 5 * elapsed + 1)

    def test_a_flooding_peer_is_told_and_limited(self):
        srv = self.server("--udp-rate", "5")
        ana = srv.client("ana")
        marker = self.peer(srv, "marker")
        marker.register("marker")
        ana.expect("[#lobby] -- marker joined")
        bob = self.peer(srv)
        bob.register("bob")
        ana.expect("[#lobby] -- bob joined")
        t0 = time.monotonic()
        for i in range(40):
            bob.send("linea %d" % i)
        marker.send("/who")
        marker.wait_for(r"\* #lobby \(3\): .*")
        elapsed = time.monotonic() - t0
        self.assertEqual(bob.wait_for(r"! Too many datagrams .*"),
                         "! Too many datagrams (at most 5 a second); some were dropped.")
        said = [l for l in ana.sync() if l.startswith("[#lobby] bob: linea ")]
        # bob's own bucket: a burst of 10, then 5 a second.
        self.assertGreaterEqual(len(said), 10)
        self.assertLessEqual(len(said), 10 + 5 * elapsed + 1)
        # In order, with gaps where datagrams were dropped.
        nums = [int(l.rsplit(" ", 1)[1]) for l in said]
        self.assertEqual(nums, sorted(nums))


class SoftState(UdpCase):
    def test_idle_peer_is_forgotten_and_its_quit_announced(self):
        srv = self.server("--udp-idle", "1")
        ana = srv.client("ana")
        bob = self.peer(srv)
        bob.register("bob")
        ana.expect("[#lobby] -- bob joined")
        ana.send("/join #dev")
        ana.expect("* You joined #dev (1 member).")
        bob.send("/join #dev")
        bob.readline()
        ana.expect("[#dev] -- bob joined")
        # bob says nothing more: within a second or two it is forgotten, once for both rooms.
        ana.expect("-- bob quit (idle timeout)", timeout=10)
        self.assertEqual(bob.readline(timeout=10),
                         "! Nothing heard from you for 1 s; you are forgotten. "
                         "Send /hello to register again.")
        self.assertEqual(bob.readline(), "HELLO?")
        ana.send("/who #lobby")
        ana.expect("* #lobby (1): ana")
        ana.expect(BOT)
        # What it sends now is answered with HELLO? (no longer than what it sent).
        bob.send("¿sigo aquí?")
        self.assertEqual(bob.recv(), b"HELLO?\n")
        # It can register again, with a fresh sequence.
        bob.register("bob")
        ana.expect("[#lobby] -- bob joined")

    def test_keepalives_keep_a_peer(self):
        srv = self.server("--udp-idle", "3")
        ana = srv.client("ana")
        bob = self.peer(srv)
        bob.register("bob")
        ana.expect("[#lobby] -- bob joined")
        end = time.monotonic() + 4.5  # longer than the idle time
        while time.monotonic() < end:
            bob.send("/keepalive")
            bob.silent(0.2)  # keepalives are not answered
        ana.send("/who")
        ana.expect("* #lobby (2): ana bob")
        ana.expect(BOT)
        bob.send("sigo")
        ana.expect("[#lobby] bob: sigo")

    def test_idle_timeout_counts_lines_not_keepalives(self):
        srv = self.server("--idle-timeout", "1", "--udp-idle", "60")
        ana = srv.client("ana")
        bob = self.peer(srv)
        bob.register("bob")
        ana.wait_for("[#lobby] -- bob joined")
        # bob sends keepalives only; ana keeps talking so that the TCP idle timeout spares her.
        deadline = time.monotonic() + 10
        got = None
        while got is None and time.monotonic() < deadline:
            bob.send("/keepalive")
            ana.send("/rooms")
            try:
                got = bob.readline(timeout=0.2)
            except AssertionError:
                pass
        self.assertEqual(got, "! Idle for too long; disconnecting.")
        self.assertEqual(bob.readline(), "HELLO?")
        ana.wait_for("-- bob quit (idle timeout)")


class Lines(UdpCase):
    def test_long_lines_are_split_at_utf8_boundaries(self):
        srv = self.server("--max-line", "64K")
        ana = srv.client("ana")
        bob = self.peer(srv)
        bob.register("bob")
        text = "".join("ñ€😀a"[i % 4] for i in range(2500))  # about 6 KB
        ana.send(text)
        start = len(bob.datagrams)
        self.assertEqual(bob.readline(), "[#lobby] ana: " + text)
        parts = bob.datagrams[start:]
        self.assertGreater(len(parts), 4)
        for i, dg in enumerate(parts):
            self.assertLessEqual(len(dg), 1200)
            kind, seq, part, n, _ = parse(dg)  # parse decodes each part on its own
            self.assertEqual((part, n), (i + 1, len(parts)))

    def test_a_line_past_32_parts_is_cut_with_a_mark(self):
        srv = self.server("--max-line", "64K")
        ana = srv.client("ana")
        bob = self.peer(srv)
        bob.register("bob")
        text = "é" * 25000  # 50 KB: more than 32 parts
        ana.send(text)
        line = bob.readline()
        self.assertTrue(line.startswith("[#lobby] ana: éé"))
        self.assertTrue(line.endswith("é…"))
        self.assertEqual(len(bob.datagrams[-32:]), 32)
        self.assertEqual(parse(bob.datagrams[-32])[2:4], (1, 32))
        self.assertLess(len(line), len("[#lobby] ana: ") + len(text))
        bob.send("/who")
        self.assertEqual(bob.readline(), "* #lobby (2): ana bob")


class Queue(UdpCase):
    def test_a_udp_peer_waits_in_the_queue(self):
        srv = self.server("--max-clients", "1")
        ana = srv.client("ana")
        bob = self.peer(srv)
        cookie = bob.cookie()
        bob.send("/hello bob %s" % cookie)
        self.assertEqual(bob.readline(), "* The server is full. You are number 1 in the queue.")
        bob.send("hola")
        self.assertEqual(bob.readline(), "! You are waiting for a free slot; until then only "
                                         "/quit, /help and /lang are taken.")
        ana.send("/quit")
        ana.expect("* Bye.")
        self.assertRegex(bob.readline(), r"\* charlad .* online\.")
        bob.readline()
        self.assertTrue(bob.readline().startswith("* Welcome, bob! You are in #lobby"))


class Lifecycle(UdpCase):
    def test_shutdown_tells_udp_peers(self):
        srv = self.server()
        bob = self.peer(srv)
        bob.register("bob")
        srv.stop()
        self.assertEqual(bob.readline(), "! Server shutting down.")
        srv.wait_log(rx(r"udp: \d+ datagrams in, \d+ out"))

    def test_udp_off(self):
        srv = self.server("--udp", "off")
        self.assertFalse([l for l in srv.log if "(udp)" in l])
        p = Peer(srv.port, label="nobody")
        self.addCleanup(p.close)
        p.send("/hello" + " " * 30)
        p.silent(0.3)

    def test_udp_on_its_own_address(self):
        srv = self.server("--udp", "127.0.0.1:0")
        port = udp_port(srv)
        self.assertNotEqual(port, srv.port)
        ana = srv.client("ana")
        bob = Peer(port)
        self.addCleanup(bob.close)
        bob.register("bob")
        ana.expect("[#lobby] -- bob joined")

    def test_bad_flags(self):
        for args, want in [(["--udp", "nonsense"], "bad address 'nonsense'"),
                           (["--udp", "off", "--udp", "127.0.0.1:0"], "--udp off"),
                           (["--udp-idle", "0"], "--udp-idle"),
                           (["--udp-rate", "x"], "--udp-rate")]:
            p = harness.run_charlad(*args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn(want, p.stderr)
        p = harness.run_charlad("--help")
        self.assertIn("--udp ADDR:PORT|off", p.stdout)


if __name__ == "__main__":
    harness.main()
