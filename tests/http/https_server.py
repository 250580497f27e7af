#!/usr/bin/env python3
"""A tiny HTTPS echo server for tests/unit/test_http.c (standard library only).

It listens on 127.0.0.1 with an ephemeral port, prints the port on one line, and answers every
POST with its body (Content-Type: application/json). Its certificate (test_cert.pem, beside this
file) is self-signed for 127.0.0.1 and localhost, valid 2000-2100; the test passes it to the client
as its CA file, and checks that without it the connection is refused as untrusted.

It stops by itself: when its standard input closes (the test closes it, or the test dies) or after
60 seconds, whichever comes first.
"""
import http.server
import os
import ssl
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that rejects our certificate is part of the test, not an error to print.
        pass


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(HERE, "test_cert.pem"), os.path.join(HERE, "test_key.pem"))
    srv = Server(("127.0.0.1", 0), Echo)
    # The handshake happens in the handler's thread, so a client that never finishes one
    # cannot stall the accept loop.
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    print(srv.server_address[1], flush=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    threading.Timer(60, os._exit, (0,)).start()
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
