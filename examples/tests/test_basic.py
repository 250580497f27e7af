"""Tests of examples/basic: the one-shot TCP server and its client.

    test_basic.py CASE SERVER CLIENT
"""
from exlib import LineSocket, Proc, check, run_cases, start_server

REPLY = 'Hola, cliente! Mensaje recibido: "%s"'


def client_round_trip(host, binaries, cleanup):
    """The classroom exercise: start the server, run the client, check both sides."""
    server_bin, client_bin = binaries
    server, port = start_server([server_bin, host, 0])
    cleanup.append(server.kill)
    client = Proc([client_bin, host, port])
    cleanup.append(client.kill)

    check(client.next_line() == REPLY % "Hola, servidor!",
          "unexpected reply; %s" % client.describe())
    check(client.wait() == 0, "client failed; %s" % client.describe())
    check(client.seen == [REPLY % "Hola, servidor!"], "extra client output: %r" % client.seen)

    # The server answers one client and exits by itself, successfully.
    check(server.wait() == 0, "server failed; %s" % server.describe())
    check(server.seen[0] == "listening on %s port %d" % (host, port), repr(server.seen))
    check(server.seen[1].startswith("connection from %s port " % host), repr(server.seen))
    check(server.seen[2] == "received 15 bytes: Hola, servidor!", repr(server.seen))


def case_ipv4(binaries, cleanup):
    client_round_trip("127.0.0.1", binaries, cleanup)


def case_ipv6(binaries, cleanup):
    client_round_trip("::1", binaries, cleanup)


def case_framing(binaries, cleanup):
    """A message that arrives in pieces is still one message: the classroom server would have
    answered the first piece alone, since it took one recv() as the whole message."""
    server, port = start_server([binaries[0], "127.0.0.1", 0])
    cleanup.append(server.kill)
    conn = LineSocket("127.0.0.1", port)
    cleanup.append(conn.close)

    pieces = [b"Hola", b", ser", b"vidor", b"!\r", b"\n"]
    for piece in pieces[:-1]:
        conn.send(piece)
        # No newline yet, so the server must keep waiting for the rest and say nothing.
        conn.expect_silence("only %r of the message was sent" % piece)
    conn.send(pieces[-1])
    # The "\r" before the newline is part of the line ending (telnet sends it), not the message.
    check(conn.line() == REPLY % "Hola, servidor!", "reply to the pieced message")
    conn.expect_closed()
    check(server.wait() == 0, "server failed; %s" % server.describe())
    check("received 15 bytes: Hola, servidor!" in server.seen, repr(server.seen))


def case_too_long(binaries, cleanup):
    """The limit is exact: 65536 bytes before the newline pass whole, one more byte is refused."""
    server, port = start_server([binaries[0], "127.0.0.1", 0])
    cleanup.append(server.kill)
    conn = LineSocket("127.0.0.1", port)
    cleanup.append(conn.close)
    longest = b"a" * 65535 + b"z"
    conn.send(longest + b"\n")
    check(conn.line() == REPLY % longest.decode(), "the longest message did not come back whole")
    check(server.wait() == 0, "server failed; %s" % server.describe())

    server, port = start_server([binaries[0], "127.0.0.1", 0])
    cleanup.append(server.kill)
    conn = LineSocket("127.0.0.1", port)
    cleanup.append(conn.close)
    # Exactly one byte too many and no newline: the server must decide without waiting for one.
    conn.send(b"a" * 65537)
    check(conn.line() == "error: message longer than 65536 bytes", "too-long error")
    conn.expect_closed()
    check(server.wait() == 1, "a refused message must end the server with status 1")


if __name__ == "__main__":
    run_cases({"ipv4": case_ipv4, "ipv6": case_ipv6, "framing": case_framing,
               "too_long": case_too_long})
