"""charlad integration: the ask port (--ask-port), the classroom GPT client's protocol, against
the local OpenAI-compatible fake. docs/protocol.md, "The ask port", is the contract.

The classroom client connects, sendall()s each question WITHOUT a newline, reads the answer with
one recv(1024) and stops at "salir". Each answer comes back whole, in one write, ending with LF.

Run: python3 test_server_ask.py /path/to/charlad
"""

import os
import re
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fakes"))
import harness  # noqa: E402
from harness import rx  # noqa: E402
from fake import FakeOpenAI  # noqa: E402

for _k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHARLA_AI_MODEL"):
    os.environ.pop(_k, None)

TIMEOUT = harness.TIMEOUT


class AskClient:
    """A raw socket, like the classroom client."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""

    def ask(self, text, newline=False):
        self.sock.sendall(text.encode() + (b"\n" if newline else b""))

    def answer(self, timeout=TIMEOUT):
        """An answer: its lines, each with its LF, without the empty line that ends every answer
        on the ask port; and the pieces as received."""
        deadline = time.monotonic() + timeout
        pieces = []
        while not self.buf.endswith(b"\n\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no whole answer within %.1f s: %r" % (timeout, self.buf))
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("connection closed; got %r" % self.buf)
            pieces.append(chunk)
            self.buf += chunk
        out, self.buf = self.buf[:-1], b""
        return out.decode("utf-8"), pieces

    def expect_eof(self, timeout=TIMEOUT):
        self.sock.settimeout(timeout)
        data = self.sock.recv(65536)
        if data:
            raise AssertionError("expected EOF, got %r" % data)

    def close(self):
        self.sock.close()


class Ask(harness.TestCase):
    def setup_server(self, *flags, fake_flags=()):
        fake = FakeOpenAI(*fake_flags)
        self.addCleanup(fake.stop)
        srv = self.server("--ai-url", fake.url, "--ai-rate", "0", "--ask-port", "127.0.0.1:0",
                          *flags)
        port = int(re.search(r"ask port open on 127\.0\.0\.1:(\d+) ",
                             srv.wait_log("ask port open on 127.0.0.1:")).group(1))
        return fake, srv, port

    def client(self, port):
        c = AskClient(port)
        self.addCleanup(c.close)
        return c

    def test_bare_question_without_newline(self):
        fake, srv, port = self.setup_server()
        c = self.client(port)
        c.ask("¿Qué es un socket?")
        text, pieces = c.answer()
        self.assertEqual(text, "You said: ¿Qué es un socket?\n")
        # Like the classroom client: one recv of 1024 bytes holds the whole answer.
        c.ask("hola")
        c.sock.settimeout(TIMEOUT)
        self.assertEqual(c.sock.recv(1024), b"You said: hola\n\n")
        # No name is sent to the model for the ask port.
        self.assertEqual(fake.chat_requests()[-1]["body"]["messages"][-1]["content"], "hola")

    def test_question_with_newline_and_salir(self):
        fake, srv, port = self.setup_server()
        c = self.client(port)
        c.ask("uno", newline=True)
        self.assertEqual(c.answer()[0], "You said: uno\n")
        c.ask("dos\r\n")
        self.assertEqual(c.answer()[0], "You said: dos\n")
        # "salir" is answered with a goodbye, an answer like any other, then the end.
        c.ask("  SALIR ")
        self.assertEqual(c.answer()[0], "Bye.\n")
        c.expect_eof()
        d = self.client(port)
        d.ask("salir", newline=True)
        self.assertEqual(d.answer()[0], "Bye.\n")
        d.expect_eof()
        self.assertEqual(fake.stats()["total"], 2)

    def test_long_answer_arrives_whole(self):
        fake, srv, port = self.setup_server()
        c = self.client(port)
        c.ask("[[lines 300]]")
        text, pieces = c.answer()
        self.assertGreater(len(text), 1024)
        self.assertEqual(text, "".join("line %d\n" % i for i in range(1, 301)))
        # Split at awkward bytes (inside UTF-8 characters), reassembled exactly.
        c.ask("[[split 5]] [[say ¿Qué tal? ñandú 漢字 🎉]]")
        self.assertEqual(c.answer()[0], "¿Qué tal? ñandú 漢字 🎉\n")
        # Multi-line answers keep their lines; paragraph breaks are dropped, since an empty line
        # ends the answer.
        c.ask("[[say uno\\n\\n\\ndos]]")
        self.assertEqual(c.answer()[0], "uno\ndos\n")

    def test_two_clients_at_once_and_memory_per_connection(self):
        fake, srv, port = self.setup_server()
        a, b = self.client(port), self.client(port)
        a.ask("primero")
        self.assertEqual(a.answer()[0], "You said: primero\n")
        a.ask("de a [[hold]]")
        b.ask("de b [[hold]]")
        fake.wait(held=2)
        self.assertEqual(fake.release(), 2)
        self.assertEqual(a.answer()[0], "You said: de a\n")
        self.assertEqual(b.answer()[0], "You said: de b\n")
        a.ask("[[history]]")
        self.assertEqual(a.answer()[0], "messages: 6\nuser: primero\nuser: de a [[hold]]\n"
                                        "user: [[history]]\n")
        b.ask("[[history]]")
        self.assertEqual(b.answer()[0], "messages: 4\nuser: de b [[hold]]\nuser: [[history]]\n")

    def test_one_question_at_a_time(self):
        fake, srv, port = self.setup_server()
        c = self.client(port)
        c.ask("uno [[hold]]", newline=True)
        fake.wait(held=1)
        c.ask("dos", newline=True)  # waits for the first answer
        self.assertEqual(fake.stats()["total"], 1)
        fake.release()
        self.assertEqual(c.answer()[0], "You said: uno\n")
        self.assertEqual(c.answer()[0], "You said: dos\n")

    def test_errors_are_one_line(self):
        fake, srv, port = self.setup_server("--ai-max-question", "100", "--max-line", "200")
        c = self.client(port)
        c.ask("x" * 101)
        self.assertEqual(c.answer()[0],
                         "your question is too long for the assistant (at most 100 bytes)\n")
        c.ask("y" * 300, newline=True)
        self.assertEqual(c.answer()[0],
                         "your question is too long for the assistant (at most 100 bytes)\n")
        c.ask("z" * 300)  # past the line limit, ended by the pause
        self.assertEqual(c.answer()[0],
                         "your question is too long for the assistant (at most 100 bytes)\n")
        c.ask("[[error 500]]")
        self.assertEqual(c.answer()[0], "the API failed (500 server_error): The server had an "
                                        "error while processing your request. Sorry about that!\n")
        c.ask("ok")
        self.assertEqual(c.answer()[0], "You said: ok\n")

    def test_closing_cancels_the_request(self):
        fake, srv, port = self.setup_server()
        c = self.client(port)
        c.ask("espera [[hold]]")
        fake.wait(held=1)
        c.close()
        fake.wait(client_gone=1, held_le=0)

    def test_shutdown_answers_who_waits(self):
        fake, srv, port = self.setup_server()
        c = self.client(port)
        c.ask("espera [[hold]]")
        fake.wait(held=1)
        srv.terminate()
        self.assertEqual(c.answer()[0], "the server is stopping; your question was dropped\n")
        c.expect_eof()
        srv.stop()


if __name__ == "__main__":
    harness.main()
