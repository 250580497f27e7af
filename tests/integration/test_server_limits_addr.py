"""charlad integration: connection limits per address (docs/protocol.md, "Limits").

--max-per-ip, --max-per-ip24, --max-per-ip64, --connect-rate and --limit-exempt, counted over the
line, IRC and HTTP ports together. Sources 127.0.0.x are distinct loopback addresses (Linux routes
all of 127.0.0.0/8 to lo). Run: python3 test_server_limits_addr.py /path/to/charlad
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import rx  # noqa: E402

PER_IP = "! Too many connections from your address (at most %d)."
PER_NET = "! Too many connections from your network (at most %d)."
RATE = ("! Too many connections from your address at once (at most %d a second); "
        "try again later.")
# No limit but the one a test sets (the defaults would apply otherwise).
NONE = ("--max-per-ip", "0", "--max-per-ip24", "0", "--max-per-ip64", "0", "--connect-rate", "0")


def flags(**kw):
    out = list(NONE)
    for name, value in kw.items():
        flag = "--" + name.replace("_", "-")
        out[out.index(flag) + 1] = str(value)
    return out


class Raw:
    """A TCP connection from a chosen source address, read line by line."""

    def __init__(self, port, src="127.0.0.1", host="127.0.0.1"):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(harness.TIMEOUT)
        self.sock.bind((src, 0))
        self.sock.connect((host, port))
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        """The next line (CR/LF removed), or None at the end of the stream."""
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(4096)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8")

    def greeted(self):
        line = self.line()
        assert line and harness.GREETING.fullmatch(line), line
        return self

    def refused(self, text):
        line = self.line()
        assert line == text, "expected %r, got %r" % (text, line)
        assert self.line() is None, "more after the refusal"

    def close(self):
        self.sock.close()


class PerAddress(harness.TestCase):
    def test_fourth_line_connection_refused_other_address_served(self):
        srv = self.server(*flags(max_per_ip=3))
        conns = [Raw(srv.port).greeted() for _ in range(3)]
        Raw(srv.port).refused(PER_IP % 3)
        # Another address is not affected; the first three still work.
        other = Raw(srv.port, src="127.0.0.2").greeted()
        conns[0].send(b"alice\n")
        while "alice" not in conns[0].line():
            pass
        other.close()
        for c in conns:
            c.close()

    def test_count_shared_across_faces_and_released_on_close(self):
        srv = self.server("-v", "--irc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0",
                          *flags(max_per_ip=3))
        a, b = Raw(srv.port).greeted(), Raw(srv.port).greeted()
        irc1 = Raw(srv.irc_port)
        irc1.send(b"NICK bob\r\nUSER bob 0 * :Bob\r\n")
        self.assertIn(" 001 bob ", irc1.line())
        irc2 = Raw(srv.irc_port)
        line = irc2.line()
        self.assertRegex(line, r"^ERROR :Closing Link: 127\.0\.0\.1 "
                               r"\(Too many connections from your address\)$")
        self.assertIsNone(irc2.line())
        # HTTP counts too: 429, with Retry-After, before the request is even read.
        web = Raw(srv.http_port)
        web.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(web.line(), "HTTP/1.1 429 Too Many Requests")
        self.assertEqual(web.line(), "Retry-After: 10")
        # Closing one lets a new one in (its close is logged before the next accept is read).
        a.close()
        srv.wait_log(rx(r"127\.0\.0\.1:\d+: connection closed"))
        Raw(srv.port).greeted().close()
        b.close()
        irc1.close()

    def test_ipv4_slash_24(self):
        srv = self.server(*flags(max_per_ip24=3))
        conns = [Raw(srv.port, src="127.0.0.%d" % i).greeted() for i in (1, 2, 3)]
        Raw(srv.port, src="127.0.0.4").refused(PER_NET % 3)
        Raw(srv.port, src="127.0.1.1").greeted().close()  # another /24
        for c in conns:
            c.close()

    def test_ipv6_slash_64(self):
        try:
            probe = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            probe.bind(("::1", 0))
            probe.close()
        except OSError:
            self.skipTest("no IPv6 loopback")
        srv = self.server(*flags(max_per_ip64=2), ipv6=True)
        conns = [Raw(srv.port6, src="::1", host="::1").greeted() for _ in range(2)]
        Raw(srv.port6, src="::1", host="::1").refused(PER_NET % 2)
        Raw(srv.port, src="127.0.0.1").greeted().close()  # IPv4 is not that /64
        for c in conns:
            c.close()

    def test_connect_rate(self):
        # 1 a second in bursts of 2: of ten connections opened at once, the first two are
        # served and the rest (all but those a token that came meanwhile lets in) refused.
        srv = self.server(*flags(connect_rate=1))
        conns = [Raw(srv.port, src="127.0.0.9") for _ in range(10)]
        conns[0].greeted()
        conns[1].greeted()
        firsts = [c.line() for c in conns[2:]]
        self.assertIn(RATE % 1, firsts)
        served = [f for f in firsts if f != RATE % 1]
        self.assertLessEqual(len(served), 3, firsts)  # a token a second at most
        Raw(srv.port, src="127.0.0.10").greeted().close()  # another address has its own
        for c in conns:
            c.close()

    def test_exempt(self):
        srv = self.server(*flags(max_per_ip=1, connect_rate=1),
                          "--limit-exempt", "10.0.0.0/8,127.0.0.0/24")
        conns = [Raw(srv.port, src="127.0.0.3").greeted() for _ in range(5)]
        kept = Raw(srv.port, src="127.0.1.3").greeted()
        Raw(srv.port, src="127.0.1.3").refused(PER_IP % 1)
        kept.close()
        for c in conns:
            c.close()

    def test_defaults_refuse_the_seventeenth(self):
        # The defaults (16 per address) with no exemption: loopback is not spared.
        srv = self.server("--connect-rate", "0")
        conns = [Raw(srv.port, src="127.0.0.7").greeted() for _ in range(16)]
        Raw(srv.port, src="127.0.0.7").refused(PER_IP % 16)
        for c in conns:
            c.close()

    def test_bad_exempt_rejected(self):
        p = harness.run_charlad("--limit-exempt", "127.0.0.0/99", "--check-config")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("127.0.0.0/99", p.stderr)


if __name__ == "__main__":
    harness.main()
