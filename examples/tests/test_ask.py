"""Tests of examples/ask: the client for charlad's ask port, against a real charlad whose
assistant talks to the fake OpenAI-compatible server of tests/fakes (loopback only).

    test_ask.py CASE CLIENT CHARLAD FAKES_DIR
"""
import re
import subprocess
import sys
import time

from exlib import TIMEOUT, Proc, check, run_cases


def start(binaries, cleanup):
    """Starts the fake API and charlad with an ask port on 127.0.0.1; returns the port."""
    client_bin, charlad_bin, fakes_dir = binaries
    sys.path.insert(0, fakes_dir)
    from fake import FakeOpenAI
    fake = FakeOpenAI()
    cleanup.append(fake.stop)
    # charlad logs to stderr; Proc collects it in .err.
    server = Proc([charlad_bin, "--listen", "127.0.0.1:0", "--ask-port", "127.0.0.1:0",
                   "--ai-url", fake.url, "--ai-rate", "0", "--no-store"])
    cleanup.append(server.stop)
    deadline = time.monotonic() + TIMEOUT
    while True:
        m = re.search(r"ask port open on 127\.0\.0\.1:(\d+) ", "".join(server.err))
        if m:
            return client_bin, int(m.group(1)), server
        check(time.monotonic() < deadline and server.p.poll() is None,
              "charlad did not open its ask port; %s" % server.describe())
        time.sleep(0.05)


def case_one_question(binaries, cleanup):
    """A question on the command line: its answer, whole, and the client exits 0."""
    client_bin, port, server = start(binaries, cleanup)
    client = Proc([client_bin, "127.0.0.1", port, "¿Qué es un socket?"])
    cleanup.append(client.kill)
    check(client.wait() == 0, "client failed; %s" % client.describe())
    check(client.seen == ["You said: ¿Qué es un socket?"], client.describe())
    server.stop()  # still running, and no sanitizer report


def case_long_answers(binaries, cleanup):
    """Several questions typed, each answer read to its end however many reads it takes: a
    300-line answer (far more than one recv(1024)) does not leak into the next answer."""
    client_bin, port, server = start(binaries, cleanup)
    client = Proc([client_bin, "127.0.0.1", port], stdin=subprocess.PIPE)
    cleanup.append(client.kill)
    client.write("[[lines 300]]\n".encode())
    for i in range(1, 301):
        check(client.next_line() == "line %d" % i, client.describe())
    client.write("[[split 3]] [[say ñandú 漢字 🎉]]\nsalir\n".encode())
    check(client.next_line() == "ñandú 漢字 🎉", client.describe())
    check(client.wait() == 0, "client failed; %s" % client.describe())
    check(len(client.seen) == 301, "extra output: %r" % client.seen[300:])
    server.stop()


def case_refused(binaries, cleanup):
    """No server: a clear message and a failure status, not a hang."""
    client_bin, charlad_bin, fakes_dir = binaries
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = Proc([client_bin, "127.0.0.1", port, "hola"])
    cleanup.append(client.kill)
    check(client.wait() == 1, "expected status 1; %s" % client.describe())
    check("cannot connect" in "".join(client.err), client.describe())


if __name__ == "__main__":
    run_cases({"one_question": case_one_question, "long_answers": case_long_answers,
               "refused": case_refused})
