"""charlad's web face over HTTP: the page and its files (types, ETags, the security headers),
/stats.json, and every refusal of a request that is not one (400, 404, 405, 408, 414, 431, 505).
Real processes on loopback with ephemeral ports; raw sockets, so that malformed requests can be
sent as they are.

Run: python3 test_server_web.py /path/to/charlad
"""

import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class Response:
    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    def __repr__(self):
        return "<Response %d %s %r>" % (self.status, self.reason, self.headers)


class HttpConn:
    """A client connection that reads responses one at a time, keeping what follows one."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _more(self, deadline, what):
        self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = self.sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed %s: %r" % (what, self.buf))
        self.buf += chunk

    def response(self, head_only=False, timeout=harness.TIMEOUT):
        """The next response: its head, then Content-Length bytes of body (none for HEAD or
        304). AssertionError at the deadline or on a malformed response."""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            self._more(deadline, "before a whole response head")
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        version, status, reason = lines[0].split(" ", 2)
        assert version == "HTTP/1.1", lines[0]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            assert name and name == name.strip(), "bad header line %r" % line
            headers[name.lower()] = value.strip()
        n = 0 if head_only or status == "304" else int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            self._more(deadline, "inside a body")
        body, self.buf = self.buf[:n], self.buf[n:]
        return Response(int(status), reason, headers, body)


def read_response(sock, head_only=False, timeout=harness.TIMEOUT):
    return HttpConn(sock).response(head_only, timeout), b""


class WebCase(harness.TestCase):
    def web_server(self, *flags):
        srv = self.server("--http-listen", "127.0.0.1:0", *flags)
        assert srv.http_port, "no HTTP port in charlad's log:\n" + srv.log_text()
        return srv

    def connect(self, srv):
        s = socket.create_connection(("127.0.0.1", srv.http_port), timeout=harness.TIMEOUT)
        self.addCleanup(s.close)
        return s

    def request(self, srv, raw, head_only=False):
        s = self.connect(srv)
        s.sendall(raw)
        return read_response(s, head_only)[0]

    def get(self, srv, path, *headers):
        extra = "".join(h + "\r\n" for h in headers)
        raw = ("GET %s HTTP/1.1\r\nHost: localhost\r\n%s\r\n" % (path, extra)).encode()
        return self.request(srv, raw)

    def assert_closed(self, sock):
        """The server closes sock (EOF, or a reset) before the deadline."""
        sock.settimeout(harness.TIMEOUT)
        try:
            while sock.recv(65536):
                pass
        except ConnectionResetError:
            pass


class Files(WebCase):
    def test_the_page_with_its_type_etag_and_security_headers(self):
        srv = self.web_server()
        r = self.get(srv, "/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
        self.assertIn(b"<html", r.body.lower())
        self.assertEqual(int(r.headers["content-length"]), len(r.body))
        csp = r.headers["content-security-policy"]
        for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'",
                          "frame-ancestors 'none'"):
            self.assertIn(directive, csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(r.headers["x-content-type-options"], "nosniff")
        self.assertEqual(r.headers["cache-control"], "no-cache")
        etag = r.headers["etag"]
        self.assertRegex(etag, r'^"[0-9a-f]{16}"$')
        # The same file by its name; revalidation with the ETag is a 304 without a body.
        self.assertEqual(self.get(srv, "/index.html").body, r.body)
        r304 = self.get(srv, "/index.html", "If-None-Match: " + etag)
        self.assertEqual((r304.status, r304.body), (304, b""))
        self.assertEqual(self.get(srv, "/", 'If-None-Match: "other", ' + etag).status, 304)
        self.assertEqual(self.get(srv, "/", 'If-None-Match: "other"').status, 200)

    def test_head_is_the_headers_alone(self):
        srv = self.web_server()
        get = self.get(srv, "/")
        head = self.request(srv, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", head_only=True)
        self.assertEqual(head.status, 200)
        self.assertEqual(head.headers["content-length"], str(len(get.body)))
        self.assertEqual(head.body, b"")
        # An error answers a HEAD with headers alone too: a body would be read as the start of
        # the next response on this connection.
        s = self.connect(srv)
        conn = HttpConn(s)
        s.sendall(b"HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        r404 = conn.response(head_only=True)
        self.assertEqual((r404.status, r404.body), (404, b""))
        self.assertEqual(conn.response().status, 200)

    def test_unknown_and_unsafe_paths_are_404(self):
        srv = self.web_server()
        for path in ("/nope", "/../etc/passwd", "/%2e%2e/x", "/.hidden", "//index.html",
                     "/index.html%00", "/tests/x.js"):
            r = self.get(srv, path)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(r.headers["content-type"], "text/plain; charset=utf-8")

    def test_keep_alive_serves_requests_in_turn(self):
        srv = self.web_server()
        s = self.connect(srv)
        c = HttpConn(s)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        r1 = c.response()
        self.assertEqual(r1.status, 200)
        self.assertNotIn("connection", r1.headers)
        self.assertEqual(c.response().status, 404)
        s.sendall(b"HEAD /stats.json HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(c.response(head_only=True).status, 200)
        # HTTP/1.0 without keep-alive, and "Connection: close": answered, then closed.
        for raw in (b"GET / HTTP/1.0\r\n\r\n",
                    b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
            s = self.connect(srv)
            s.sendall(raw)
            r, _ = read_response(s)
            self.assertEqual((r.status, r.headers["connection"]), (200, "close"))
            self.assert_closed(s)


class Stats(WebCase):
    def test_counts_follow_the_chat(self):
        srv = self.web_server("--server-name", 'aula "3"')
        first = json.loads(self.get(srv, "/stats.json").body)
        self.assertEqual(first["server"], 'aula "3"')
        self.assertEqual((first["online"], first["rooms"], first["messages"]), (0, 0, 0))
        self.assertGreater(first["started"], 1_700_000_000)
        self.assertTrue(first["version"])
        ana, bob = srv.users("ana", "bob")
        ana.send("hola")
        bob.expect("[#lobby] ana: hola")
        bob.send("/msg ana psst")
        ana.expect("[pm] bob: psst")
        r = self.get(srv, "/stats.json")
        self.assertEqual(r.headers["content-type"], "application/json")
        self.assertEqual(r.headers["cache-control"], "no-store")
        now = json.loads(r.body)
        self.assertEqual((now["online"], now["rooms"], now["messages"]), (2, 1, 2))


class Refusals(WebCase):
    def refused(self, srv, raw, status):
        s = self.connect(srv)
        s.sendall(raw)
        r, _ = read_response(s)
        self.assertEqual(r.status, status, raw[:80])
        self.assertEqual(r.headers["connection"], "close")
        self.assert_closed(s)
        return r

    def test_each_malformed_request_gets_its_status_and_the_door(self):
        srv = self.web_server()
        self.refused(srv, b"GET / HTTP/1.1\r\n\r\n", 400)                      # no Host
        self.refused(srv, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)  # two
        self.refused(srv, b"GET / HTTP/1.1\nHost: a\n\n", 400)                  # bare LF
        self.refused(srv, b"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400)
        self.refused(srv, b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", 400)
        self.refused(srv, b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n"
                          b"Content-Length: 0\r\n\r\n", 400)
        self.refused(srv, b"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 400)
        self.refused(srv, b"GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        r = self.refused(srv, b"POST / HTTP/1.1\r\nHost: a\r\n\r\n", 405)
        self.assertEqual(r.headers["allow"], "GET, HEAD")
        self.refused(srv, b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414)
        self.refused(srv, b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"b" * 5000 + b"\r\n\r\n", 431)
        self.refused(srv, b"GET / HTTP/1.1\r\nHost: a\r\n" + b"X-A: b\r\n" * 100 + b"\r\n", 431)
        self.refused(srv, b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505)
        # Nobody else noticed: a fresh request is served.
        self.assertEqual(self.get(srv, "/").status, 200)

    def test_a_slow_head_is_cut_and_others_are_served_meanwhile(self):
        srv = self.web_server("--http-timeout", "1")
        slow = self.connect(srv)
        slow.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")      # never finished
        # Others are served while it dawdles.
        self.assertEqual(self.get(srv, "/").status, 200)
        r, _ = read_response(slow, timeout=harness.TIMEOUT)
        self.assertEqual(r.status, 408)
        self.assert_closed(slow)


if __name__ == "__main__":
    harness.main()
