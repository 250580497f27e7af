"""Tests of examples/threaded: the thread-per-client server (3 at once) and its client.

    test_threaded.py CASE SERVER CLIENT
"""
import select
import subprocess
import time

from exlib import TIMEOUT, LineSocket, Proc, check, run_cases, start_server

HOST = "127.0.0.1"


def ack(text):
    return 'your message "%s" has been received' % text


def start(binaries, cleanup, host=HOST):
    server, port = start_server([binaries[0], host, 0])
    cleanup.append(server.kill)
    return server, port


def connect(port, cleanup, host=HOST):
    conn = LineSocket(host, port)
    cleanup.append(conn.close)
    return conn


def admitted(conn):
    line = conn.line()
    check(line.startswith("welcome: you are client "), "expected a welcome, got %r" % line)


def say(conn, text):
    conn.send(text.encode() + b"\n")
    line = conn.line()
    check(line == ack(text), "expected the ack of %r, got %r" % (text, line[:200]))


def first_to_speak(a, b):
    """Waits until one of two connections has data; returns (the one that spoke, the other)."""
    ready, _, _ = select.select([a.sock, b.sock], [], [], TIMEOUT)
    check(ready, "neither waiting client was let in after a place was freed")
    return (a, b) if ready[0] is a.sock else (b, a)


def case_limit(binaries, cleanup):
    """At most 3 clients talk at once; a 4th is told to wait and gets neither welcome nor ack
    until one of the 3 leaves, and then exactly one waiting client is let in per place freed."""
    server, port = start(binaries, cleanup)
    talking = []
    for i in range(3):
        conn = connect(port, cleanup)
        admitted(conn)
        say(conn, "hola from %d" % (i + 1))
        talking.append(conn)

    waiting = []
    for name in ("four", "five"):
        conn = connect(port, cleanup)
        line = conn.line()
        check(line.startswith("wait: the server is full (3 clients)"), "expected wait: %r" % line)
        # Lines sent while waiting are kept by the kernel and answered after admission.
        conn.send(("I am %s\n" % name).encode())
        waiting.append(conn)
    for conn in waiting:
        conn.expect_silence("the server is full")

    # The three admitted clients are still served while two wait.
    for i, conn in enumerate(talking):
        say(conn, "still here %d" % (i + 1))

    # One place frees: exactly one of the two waiting clients gets it.
    talking[0].close()
    first, second = first_to_speak(*waiting)
    admitted(first)
    name = "four" if first is waiting[0] else "five"
    check(first.line() == ack("I am %s" % name), "the waiting line was not acknowledged")
    second.expect_silence("only one place was freed")

    # A client that leaves with "salir" frees its place too.
    talking[1].send(b"salir\n")
    check(talking[1].line() == "bye", "salir must be answered with bye")
    talking[1].expect_closed()
    admitted(second)
    other = "five" if name == "four" else "four"
    check(second.line() == ack("I am %s" % other), "the second waiting line was not acknowledged")

    # Everyone still connected can talk.
    for conn in (talking[2], first, second):
        say(conn, "all good")
    server.stop()
    check(any("waits for a free place" in line for line in server.seen), repr(server.seen))


def case_long_line(binaries, cleanup):
    """Through the client program: a line of the maximum length (65536 bytes, at least 16 reads
    of 4 KiB on each side) arrives whole, and so does the short line sent with it."""
    server, port = start(binaries, cleanup)
    client = Proc([binaries[1], HOST, port], stdin=subprocess.PIPE)
    cleanup.append(client.kill)
    client.expect(r"welcome: ")
    long_text = "".join(chr(ord("a") + i % 26) for i in range(65536))
    client.write((long_text + "\nshort\nsalir\n").encode())
    line = client.next_line()
    check(line == ack(long_text), "the long line came back changed: %d bytes, starts %r"
          % (len(line), line[:60]))
    check(client.next_line() == ack("short"), "the line after the long one")
    check(client.next_line() == "bye", "bye")
    check(client.wait() == 0, "client failed; %s" % client.describe())
    server.stop()
    check(any("65536 bytes: abcdefghij" in line for line in server.seen), repr(server.seen))


def case_pieces(binaries, cleanup):
    """A line split over many sends (with pauses) is one line; several lines in one send are
    several lines. Both break the classroom's "one recv() is one message"."""
    server, port = start(binaries, cleanup)
    conn = connect(port, cleanup)
    admitted(conn)

    conn.send(b"hola, ")
    conn.expect_silence("half a line was sent")
    conn.send(b"mundo\r")
    conn.expect_silence("the newline was not sent yet")
    conn.send(b"\n")
    check(conn.line() == ack("hola, mundo"), "the pieced line")

    # 60 000 bytes in 600 pieces of 100, with short pauses so they really arrive apart.
    text = ("0123456789" * 6000).encode()
    for i in range(0, len(text), 100):
        conn.send(text[i:i + 100])
        if i % 1000 == 0:
            time.sleep(0.002)
    conn.send(b"\n")
    check(conn.line() == ack(text.decode()), "the long pieced line came back changed")

    conn.send(b"uno\ndos\r\ntres\n")
    for word in ("uno", "dos", "tres"):
        check(conn.line() == ack(word), "three lines in one send: %s" % word)
    server.stop()


def case_too_long(binaries, cleanup):
    """A line over 64 KiB is dropped with one clear error, and the conversation carries on."""
    server, port = start(binaries, cleanup)
    conn = connect(port, cleanup)
    admitted(conn)
    conn.send(b"x" * 100000 + b"\nafter\n")
    check(conn.line() == "error: line longer than 65536 bytes; it was dropped", "the error")
    check(conn.line() == ack("after"), "the conversation must carry on after the error")

    # The limit is exact: 65536 bytes pass, 65537 do not.
    say(conn, "y" * 65536)
    conn.send(b"y" * 65537 + b"\n")
    check(conn.line() == "error: line longer than 65536 bytes; it was dropped", "one over")
    say(conn, "ok")
    server.stop()


def case_salir(binaries, cleanup):
    """The client sends each line it reads, prints each answer, and stops at "salir": lines after
    it are not sent, and it exits although its input is still open."""
    server, port = start(binaries, cleanup)
    client = Proc([binaries[1], HOST, port], stdin=subprocess.PIPE)
    cleanup.append(client.kill)
    client.expect(r"welcome: you are client 1; type salir to leave$")
    # One line at a time, waiting for each answer: the client must keep looping.
    for word in ("uno", "dos", "tres"):
        client.write((word + "\n").encode())
        check(client.next_line() == ack(word), "ack of %s; %s" % (word, client.describe()))
    client.write(b"cuatro\nsalir\ncinco\n")
    check(client.next_line() == ack("cuatro"), "ack of cuatro")
    check(client.next_line() == "bye", "bye after salir")
    # stdin stays open: only "salir" can have ended the client.
    check(client.wait() == 0, "client after salir; %s" % client.describe())
    check(not any("cinco" in line for line in client.seen), "a line after salir was sent")
    server.expect(r"client 1 said salir$")
    check(not any("cinco" in line for line in server.seen), "the server got a line after salir")
    server.stop()


def case_ipv6(binaries, cleanup):
    """The client over IPv6, leaving at the end of its input (no salir): it half-closes, the
    server sees the end of the stream, closes, and the client exits successfully."""
    server, port = start(binaries, cleanup, host="::1")
    check(server.seen[0] == "listening on ::1 port %d" % port, repr(server.seen))
    client = Proc([binaries[1], "::1", port], stdin=subprocess.PIPE)
    cleanup.append(client.kill)
    client.p.stdin.write(b"hola\nmundo")  # the unfinished last line is not sent
    client.p.stdin.close()
    check(client.wait() == 0, "client at end of input; %s" % client.describe())
    check(client.seen == ["welcome: you are client 1; type salir to leave", ack("hola")],
          "client output %r" % client.seen)
    check("the last line has no newline; it was not sent" in "".join(client.err),
          "the client must say that it did not send the unfinished line")
    server.expect(r"client 1 closed the connection$")
    server.stop()


if __name__ == "__main__":
    run_cases({"limit": case_limit, "long_line": case_long_line, "pieces": case_pieces,
               "too_long": case_too_long, "salir": case_salir, "ipv6": case_ipv6})
