"""charlad integration: line limits, hostile bytes, slow readers and timeouts (docs/protocol.md).

Run: python3 test_server_limits.py /path/to/charlad
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import rx  # noqa: E402

TOO_LONG = "! Line too long (max %d bytes); it was dropped."


def model_sanitize(data):
    """What the contract says a client's line becomes: one trailing CR removed, each invalid
    UTF-8 sequence and each control character other than TAB replaced by U+FFFD."""
    if data.endswith(b"\r"):
        data = data[:-1]
    text = data.decode("utf-8", "replace")
    return "".join("\ufffd" if (ord(ch) < 0x20 and ch != "\t") or 0x7F <= ord(ch) <= 0x9F
                   else ch for ch in text)


def assert_clean_stream(test, raw):
    """The whole byte stream is valid UTF-8 and has no C0 control but LF and TAB, no DEL, no C1."""
    text = bytes(raw).decode("utf-8")  # raises on invalid UTF-8
    bad = sorted({"U+%04X" % ord(ch) for ch in text
                  if (ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F})
    test.assertEqual(bad, [], "control characters reached a client")
    test.assertNotIn(b"\x1b", bytes(raw))


class LongLines(harness.TestCase):
    def test_boundary_at_default_4096(self):
        srv = self.server()
        big, reader = srv.users("big", "reader")
        ok = "a" * 4096
        big.send(ok)
        reader.expect("[#lobby] big: " + ok)
        big.send(ok + "\r")  # the CR of a CRLF does not count
        reader.expect("[#lobby] big: " + ok)
        big.send("b" * 4097)
        big.expect(TOO_LONG % 4096)
        big.send("still here")
        reader.expect("[#lobby] big: still here")
        self.assertEqual(big.sync(), [])
        self.assertEqual(reader.sync(), [])

    def test_long_lines_dropped_whole_and_connection_kept(self):
        srv = self.server("--max-line", "100")
        big, reader = srv.users("big", "reader")
        # Lines of every shape around the limit, sent in one write with short ones between.
        payload = ("x" * 101 + "\n" + "first ok\n" + "y" * 5000 + "\n" + "z" * 100 + "\n" +
                   "w" * 150 + "\r\n" + "last ok\n")
        big.send_raw(payload.encode())
        reader.expect("[#lobby] big: first ok")
        reader.expect("[#lobby] big: " + "z" * 100)
        reader.expect("[#lobby] big: last ok")
        self.assertEqual(reader.sync(), [])
        self.assertEqual(big.sync(), [TOO_LONG % 100] * 3)  # once per long line
        # A long line that arrives in small pieces.
        for i in range(30):
            big.send_raw(b"0123456789")
        big.send_raw(b"\nafter pieces\n")
        reader.expect("[#lobby] big: after pieces")
        self.assertEqual(big.sync(), [TOO_LONG % 100])
        # A too-long line before a name is refused the same way, and naming goes on.
        c = srv.client(label="late")
        c.expect(harness.GREETING)
        c.expect(harness.PROMPT)
        c.send("n" * 200)
        c.expect(TOO_LONG % 100)
        c.register("late", greeting=False)
        reader.expect("[#lobby] -- late joined")

    def test_megabyte_without_newline(self):
        srv = self.server()
        big, a, b = srv.users("big", "a", "b")
        chunk = b"m" * 65536
        for i in range(16):  # 1 MiB, no newline anywhere, while others talk
            big.send_raw(chunk)
            a.send("ping %d" % i)
            b.expect("[#lobby] a: ping %d" % i)
        big.send_raw(b"end of the long line\nafter\n")  # the LF ends the dropped line
        a.expect("[#lobby] big: after")
        b.expect("[#lobby] big: after")
        got = big.sync()
        self.assertEqual(got.count(TOO_LONG % 4096), 1, "the error is sent once per line")
        self.assertEqual([l for l in got if l != TOO_LONG % 4096],
                         ["[#lobby] a: ping %d" % i for i in range(16)])
        self.assertEqual(a.sync(), [])
        self.assertEqual(b.sync(), [])
        # Both ends of a long line can also die with it: close in the middle of one.
        big.send_raw(chunk * 2)
        big.expect(TOO_LONG % 4096)  # read it, so that the close is a FIN, not an RST
        big.close()
        a.expect("-- big quit (connection closed)")
        b.expect("-- big quit (connection closed)")
        self.assertEqual(srv.users("new")[0].sync(), [])


class HostileBytes(harness.TestCase):
    LINES = [
        b"a\x1b[31mred\x07\x00b\xc3(\xff\xfe\xc2\x85\x7f\tTAB\xed\xa0\x80\xf0\x9f\x98\x80\xe2\x82\r\r",
        b"\x1b]0;pwned\x07title \x1b[2J\x1b[H clear",
        b"overlong \xc0\xaf \xe0\x80\xaf \xf8\x88\x80\x80\x80 \xf4\x90\x80\x80 end",
        bytes(range(1, 10)) + bytes(range(11, 32)) + b"after C0",
        b"raw \x9b31m and encoded \xc2\x9b31m C1 CSI, \xc2\x80 and \xc2\x9f",
        b"truncated at the end \xf0\x9f\x98",
        "fine: ñandú, 日本語, 😀, \u00a0nbsp".encode(),
    ]

    def test_invalid_utf8_and_controls_are_replaced(self):
        srv = self.server()
        bad, good = srv.users("bad", "good")
        for line in self.LINES:
            bad.send(line)
        for line in self.LINES:
            good.expect("[#lobby] bad: " + model_sanitize(line))
        bad.send(b"/me \x1b[5mblinks\x07")
        good.expect("[#lobby] * bad " + model_sanitize(b"\x1b[5mblinks\x07"))
        bad.send(b"/msg good \x1b[1mbold\xff")
        good.expect("[pm] bad: " + model_sanitize(b"\x1b[1mbold\xff"))
        self.assertEqual(bad.sync(), [])
        bad.send(b"/quit \x1b]2;title\x07\xfe")
        bad.expect("* Bye.")
        bad.expect_eof()
        good.expect("-- bad quit (%s)" % model_sanitize(b"\x1b]2;title\x07\xfe"))
        self.assertEqual(good.sync(), [])
        assert_clean_stream(self, good.raw)
        assert_clean_stream(self, bad.raw)

    def test_names_and_rooms_with_control_characters(self):
        # A name must be valid UTF-8 without control characters: the server replaces those
        # bytes with U+FFFD first, and must then refuse the name, not accept "bob\ufffd[31m".
        srv = self.server()
        (good,) = srv.users("good")
        c = srv.client(label="ctl")
        c.expect(harness.GREETING)
        c.expect(harness.PROMPT)
        for name in (b"bob\x1b[31m", b"b\xffo", b"nul\x00", b"\xef\xbf\xbd"):
            c.send(name)
            c.expect(rx(r"! Cannot use that name: .+\."))
            c.expect(harness.PROMPT)
        c.register("ctl", greeting=False)
        good.expect("[#lobby] -- ctl joined")
        c.send(b"/nick ctl\x07")
        c.expect(rx(r"! Cannot use that name: .+\."))
        c.send(b"/join #r\x1b[0m")
        c.expect(rx(r"! Cannot use that room name: .+\."))
        self.assertEqual(c.sync(), [])
        self.assertEqual(good.sync(), [])
        assert_clean_stream(self, good.raw)
        assert_clean_stream(self, c.raw)


class SlowReaders(harness.TestCase):
    LINE = "x" * 1000

    def flood(self, srv, limit):
        """Floods #lobby from `flood` while `reader` reads everything (paced, so that it never
        falls behind) and `slow` reads nothing, until the reader sees slow quit."""
        slow = srv.client("slow", rcvbuf=4096)
        flood, reader = srv.users("flood", "reader")
        slow.sync()  # it reads nothing from here on
        n = 0
        sent = 0
        quit_seen = 0
        t0 = time.monotonic()
        while not quit_seen:
            self.assertLess(sent, 60 * 1024 * 1024, "slow was never disconnected")
            self.assertLess(time.monotonic() - t0, 30, "slow was never disconnected")
            batch = "".join("%d %s\n" % (n + i, self.LINE) for i in range(64))
            flood.send_raw(batch.encode())
            sent += len(batch)
            for i in range(64):
                line = reader.readline()
                if line.startswith("-- "):
                    self.assertEqual(line, "-- slow quit (too slow)")
                    quit_seen += 1
                    line = reader.readline()
                self.assertEqual(line, "[#lobby] flood: %d %s" % (n + i, self.LINE))
            n += 64
        # The others carry on, and heard of the quit exactly once.
        flood.send("after the slow one")
        reader.expect("[#lobby] flood: after the slow one")
        self.assertEqual(reader.sync(), [])
        self.assertEqual(flood.sync(), ["-- slow quit (too slow)"])
        log = srv.wait_log(rx(r"\(slow\): disconnecting a slow reader: \d+ bytes queued "
                              r"\(%s limit\)" % limit))
        # The slow one now reads: what was in flight, then the reason, then the end.
        slow.strict = False  # a line cut by the kernel buffer boundary is possible in theory
        got = slow.expect_eof(timeout=15)
        self.assertTrue(got, "slow got nothing at all")
        self.assertEqual(got[-1], "! You are too slow to read the chat; disconnecting.")
        self.assertGreater(len(got), 100)
        return log

    def test_hard_limit(self):
        srv = self.server("--outq-hard", "256K", "--outq-soft", "0")
        self.flood(srv, "hard")

    def test_soft_limit(self):
        srv = self.server("--outq-hard", "512M", "--outq-soft", "128K",
                          "--outq-soft-seconds", "1")
        self.flood(srv, "soft")


class Timeouts(harness.TestCase):
    def test_name_timeout(self):
        srv = self.server("--name-timeout", "1")
        (named,) = srv.users("named")
        c = srv.client(label="silent")
        t0 = time.monotonic()
        c.expect(harness.GREETING)
        c.expect(harness.PROMPT)
        c.send("pm")  # refused names do not restart the clock
        c.expect(rx(r"! Cannot use that name: .*"))
        c.expect(harness.PROMPT)
        c.expect("! No name given in time.", timeout=6)
        self.assertEqual(c.expect_eof(), [])
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        # Naming clients only are concerned; the named one has heard nothing and still talks.
        self.assertEqual(named.sync(), [])
        d = srv.client("d")
        named.expect("[#lobby] -- d joined")
        d.send("hi")
        named.expect("[#lobby] d: hi")

    def test_no_name_timeout_when_zero(self):
        srv = self.server("--name-timeout", "0", "--idle-timeout", "0")
        c = srv.client(label="patient")
        c.expect(harness.GREETING)
        c.expect(harness.PROMPT)
        c.expect_silence(1.3)  # more than one sweep of the server's 1 s timer
        c.register("patient", greeting=False)

    def test_idle_timeout(self):
        srv = self.server("--idle-timeout", "1")
        idle, busy = srv.users("idle", "busy")
        t0 = time.monotonic()
        # busy keeps sending (empty lines count as input and are otherwise ignored).
        deadline = t0 + 8
        kicked = None
        while kicked is None:
            self.assertLess(time.monotonic(), deadline, "idle was never disconnected")
            busy.send("")
            try:
                kicked = busy.readline(0.2)
            except harness.ClientEOF:
                raise
            except AssertionError:
                pass
        self.assertEqual(kicked, "-- idle quit (idle timeout)")
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        self.assertEqual(idle.readline(), "! Idle for too long; disconnecting.")
        self.assertEqual(idle.expect_eof(), [])
        # busy outlives another full period as long as it keeps sending.
        until = time.monotonic() + 1.2
        while time.monotonic() < until:
            busy.send("")
            busy.expect_silence(0.2)
        self.assertEqual(busy.sync(), [])


if __name__ == "__main__":
    harness.main()
