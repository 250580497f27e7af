#!/usr/bin/env python3
"""charla in pipe mode (standard input not a terminal): scripted chat, -n, half-close at end of
input, /quit and salir, the line limit, and that network text is printed exactly, minus control
characters. Run against a fake server always, and against charlad when --charlad is given."""

import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_client_common as common  # noqa: E402

ARGS = common.parse_args()


class ChatTests:
    """Behaviour any server that follows docs/protocol.md must give; `start_server` picks one."""

    def setUp(self):
        self.server = self.start_server()
        self.users = []
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            common.reap(p)
        for u in self.users:
            u.close()
        self.server.stop()

    def user(self, name):
        u = common.RawUser(self.server.port, name)
        self.users.append(u)
        return u

    def charla(self, *args, **kw):
        p = common.charla(ARGS.charla, *args, HOST, str(self.server.port), **kw)
        self.procs.append(p)
        return p

    def test_chat_both_ways_then_quit(self):
        luis = self.user("luis")
        p = self.charla()
        p.out.wait(r"^\* What is your name\?")
        p.stdin.write(b"ana\n")
        p.stdin.flush()
        p.out.wait(r"^\* Welcome, ana! You are in #lobby")
        mark = luis.lines.count()
        p.stdin.write("hola luis, ¿qué tal?\n".encode())
        p.stdin.flush()
        luis.lines.wait(r"^\[#lobby\] ana: hola luis, ¿qué tal\?$", start=mark)
        luis.send("bien, ana")
        p.out.wait(r"^\[#lobby\] luis: bien, ana$")
        p.stdin.write(b"/quit\n")
        p.stdin.flush()
        self.assertEqual(common.finish(p), 0)
        p.out.wait_eof()
        self.assertIn("* Bye.", p.out.lines)
        luis.lines.wait(r"^-- ana quit")
        self.assertEqual(p.err.lines, [])

    def test_name_option_is_sent_first(self):
        luis = self.user("luis")
        mark = luis.lines.count()
        p = self.charla("-n", "bea", stdin=subprocess.PIPE)
        p.stdin.write(b"hola desde bea\n/quit\n")
        p.stdin.close()
        self.assertEqual(common.finish(p), 0)
        luis.lines.wait(r"^\[#lobby\] bea: hola desde bea$", start=mark)
        p.out.wait(r"^\* Welcome, bea!")

    def test_the_prompt_answered_by_the_name_option_is_not_printed(self):
        p = self.charla("-n", "bea")
        p.stdin.write(b"/quit\n")
        p.stdin.close()
        self.assertEqual(common.finish(p), 0)
        p.out.wait_eof()
        self.assertTrue(p.out.lines[0].startswith("* charlad "))
        self.assertTrue(p.out.lines[1].startswith("* Welcome, bea!"))
        self.assertFalse(any("What is your name" in line for line in p.out.lines))

    def refused(self, p, name):
        """Waits for charla to end because `name` was refused; returns its stdout lines."""
        self.assertEqual(common.finish(p), 6)
        p.err.wait_eof()
        self.assertEqual(len(p.err.lines), 1)
        self.assertRegex(p.err.lines[0],
                         rf"^charla: the server refused the name {name}: The name {name} is taken")
        p.out.wait_eof()
        self.assertFalse(any("Welcome" in line for line in p.out.lines))
        return p.out.lines

    def nobody_heard(self, listener, mark, word):
        """Checks that `listener` got no line with `word` since `mark` (after a sync line)."""
        other = self.user("sync")
        other.send("sync")
        listener.lines.wait(r"^\[#lobby\] sync: sync$", start=mark)
        self.assertFalse(any(word in line for line in listener.lines.lines[mark:]))

    def test_a_taken_name_option_ends_the_script_with_status_6(self):
        ana = self.user("ana")
        mark = ana.lines.count()
        p = self.charla("-n", "ana")
        try:
            p.stdin.write(b"hola\n/nick x\n")
            p.stdin.close()
        except BrokenPipeError:
            pass  # charla was told the name is taken and left before reading its script
        out = self.refused(p, "ana")
        # The greeting and the refusal; no prompt (it was ours to answer), and the script's
        # lines were never sent, neither as a name nor as chat.
        self.assertEqual(len(out), 2)
        self.assertTrue(out[1].startswith("! The name ana is taken"))
        self.nobody_heard(ana, mark, "hola")

    def test_a_taken_first_line_name_ends_the_script_with_status_6(self):
        ana = self.user("ana")
        mark = ana.lines.count()
        p = self.charla()
        p.stdin.write(b"ana\nhola\n")
        p.stdin.close()
        out = self.refused(p, "ana")
        self.assertTrue(any(line.startswith("* What is your name?") for line in out))
        self.nobody_heard(ana, mark, "hola")

    def test_a_command_before_the_name_is_not_taken_for_a_name(self):
        luis = self.user("luis")
        mark = luis.lines.count()
        p = self.charla()
        p.stdin.write(b"/join #dev\n/nosuch\nfede\nhola\n/quit\n")
        p.stdin.close()
        self.assertEqual(common.finish(p), 0)
        luis.lines.wait(r"^\[#lobby\] fede: hola$", start=mark)
        p.out.wait(r"^\* Welcome, fede!")
        self.assertEqual(p.err.lines, [])

    def test_the_next_line_waits_for_the_name_to_be_taken(self):
        luis = self.user("luis")
        mark = luis.lines.count()
        p = self.charla()
        p.stdin.write(b"eva\nprimero\nsegundo\n/quit\n")
        p.stdin.close()
        self.assertEqual(common.finish(p), 0)
        luis.lines.wait(r"^\[#lobby\] eva: segundo$", start=mark)
        said = [line for line in luis.lines.lines[mark:] if "eva" in line]
        self.assertEqual(said[:3], ["[#lobby] -- eva joined", "[#lobby] eva: primero",
                                    "[#lobby] eva: segundo"])

    def test_salir_leaves(self):
        p = self.charla("-n", "cris")
        p.out.wait(r"^\* Welcome, cris!")
        p.stdin.write(b"  SALIR \n")
        p.stdin.flush()
        self.assertEqual(common.finish(p), 0)
        self.assertIn("* Bye.", p.out.lines)

    def test_end_of_input_without_quit_half_closes(self):
        luis = self.user("luis")
        mark = luis.lines.count()
        p = self.charla()
        p.stdin.write(b"dani\nhola y adios\n")
        p.stdin.close()
        # The server only closes once it sees our end of input, and the client keeps reading
        # until then: it exits 0 with the server's replies printed.
        self.assertEqual(common.finish(p), 0)
        luis.lines.wait(r"^\[#lobby\] dani: hola y adios$", start=mark)
        luis.lines.wait(r"^-- dani quit", start=mark)
        p.out.wait(r"^\* Welcome, dani!")

    def test_last_line_without_newline_is_sent(self):
        luis = self.user("luis")
        mark = luis.lines.count()
        p = self.charla("-n", "eva")
        p.stdin.write(b"sin salto de linea")
        p.stdin.close()
        self.assertEqual(common.finish(p), 0)
        luis.lines.wait(r"^\[#lobby\] eva: sin salto de linea$", start=mark)

    def test_input_from_a_regular_file(self):
        luis = self.user("luis")
        mark = luis.lines.count()
        with tempfile.TemporaryFile() as f:
            f.write(b"fede\nfrom a file\n/quit\n")
            f.seek(0)
            p = self.charla(stdin=f)
            self.assertEqual(common.finish(p), 0)
        luis.lines.wait(r"^\[#lobby\] fede: from a file$", start=mark)

    def test_too_long_line_is_refused_locally(self):
        luis = self.user("luis")
        mark = luis.lines.count()
        p = self.charla("-n", "gus")
        p.stdin.write(b"x" * 5000 + b"\nshort one\n" + b"y" * 4096 + b"\r\n/quit\n")
        p.stdin.close()
        self.assertEqual(common.finish(p), 0)
        p.err.wait(r"^charla: line 1 is too long \(5000 bytes; the limit is 4096\); it was not sent$")
        luis.lines.wait(r"^\[#lobby\] gus: short one$", start=mark)
        # Exactly at the limit (the CR does not count) is sent; the server does not complain.
        luis.lines.wait(r"^\[#lobby\] gus: y{4096}$", start=mark)
        self.assertEqual(len(p.err.lines), 1)
        self.assertFalse(any("too long" in x for x in p.out.lines))

    def test_sigterm_leaves_with_quit(self):
        luis = self.user("luis")
        mark = luis.lines.count()
        p = self.charla("-n", "hugo")
        p.out.wait(r"^\* Welcome, hugo!")
        p.send_signal(signal.SIGTERM)
        self.assertEqual(common.finish(p), 0)
        luis.lines.wait(r"^-- hugo quit", start=mark)


HOST = common.HOST


class FakeServerChat(ChatTests, unittest.TestCase):
    def start_server(self):
        return common.FakeServer()


if ARGS.charlad:
    class RealServerChat(ChatTests, unittest.TestCase):
        def start_server(self):
            return common.RealServer(ARGS.charlad)


class ScriptedTests(unittest.TestCase):
    """Cases where the test plays the server itself, line by line."""

    def setUp(self):
        self.server = common.ScriptedServer()
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            common.reap(p)
        self.server.close()

    def charla(self, *args, read=True, **kw):
        p = common.charla(ARGS.charla, *args, HOST, str(self.server.port), **kw)
        self.procs.append(p)
        self.server.accept(read)
        return p

    def welcome(self, name):
        """Takes the name, as a server does: a script's next line waits for this answer."""
        self.server.lines.wait(rf"^{name}$")
        self.server.send(f"* Welcome, {name}! You are in #lobby with 0 others.")

    def test_prints_exactly_what_arrives_without_echo_or_colour(self):
        p = self.charla("-n", "ana")
        self.server.lines.wait(r"^ana$")
        sent = ("* Welcome, ana! You are in #lobby with 1 others.\n"
                "[#lobby] luis: hola\ttab\n"
                "! No such user: zoe\n"
                "-- luis is now known as luisito\n"
                "[pm] * luisito winks\n")
        self.server.send(sent.encode())
        p.stdin.write(b"something I say\n")
        p.stdin.flush()
        self.server.lines.wait(r"^something I say$")
        self.server.close()
        self.assertEqual(common.finish(p), 5)
        p.out.wait_eof()
        self.assertEqual(p.out.data, sent.encode())

    def test_control_characters_from_the_network_are_replaced(self):
        p = self.charla()
        self.server.send(b"[#lobby] evil: \x1b]0;pwned\x07 \x1b[2J\x9b\xc2\x9b\x7f bad\xff end\r\n")
        self.server.send(b"* Bye.\n")
        p.stdin.write(b"/quit\n")
        p.stdin.flush()
        self.server.lines.wait(r"^/quit$")
        self.server.close()
        self.assertEqual(common.finish(p), 0)
        p.out.wait_eof()
        r = "\ufffd"
        self.assertEqual(p.out.lines[0], f"[#lobby] evil: {r}]0;pwned{r} {r}[2J{r}{r}{r} bad{r} end")
        for byte in set(range(0x20)) - {0x0A} | {0x7F}:
            self.assertNotIn(bytes([byte]), p.out.data)

    def test_quit_exits_after_a_grace_when_the_server_keeps_the_connection(self):
        p = self.charla("-n", "ana")
        p.stdin.write(b"/quit\n")
        p.stdin.flush()
        self.welcome("ana")
        self.server.lines.wait(r"^/quit$")
        started = time.monotonic()
        self.assertEqual(common.finish(p), 0)
        self.assertLess(time.monotonic() - started, 10)
        # The server never closed: the client did, when its grace ran out.
        self.server.lines.wait_eof()

    def test_keeps_printing_after_end_of_input_until_the_server_closes(self):
        p = self.charla()
        p.stdin.write(b"ana\nbye for now\n")
        p.stdin.close()
        self.welcome("ana")
        self.server.lines.wait(r"^bye for now$")
        # Our end of input reaches the server as end of stream (a half-close): the socket is
        # still open for what the server has left to say.
        self.server.lines.wait_eof()
        self.server.send("-- said after your end of input")
        self.server.close()
        self.assertEqual(common.finish(p), 0)
        p.out.wait(r"^-- said after your end of input$")

    def test_empty_and_blank_lines_are_not_sent(self):
        p = self.charla()
        p.stdin.write(b"ana\n\n   \r\nhola\n")
        p.stdin.close()
        self.welcome("ana")
        self.server.lines.wait_eof()
        self.server.close()
        self.assertEqual(common.finish(p), 0)
        self.assertEqual(self.server.lines.lines, ["ana", "hola"])

    def test_a_second_signal_leaves_at_once(self):
        p = self.charla("-n", "ana")
        # The name is sent once the session is set up, signal handlers included.
        self.server.lines.wait(r"^ana$")
        p.send_signal(signal.SIGTERM)
        self.server.lines.wait(r"^/quit$")
        # The server does not close; a second signal does not wait for the grace to run out.
        started = time.monotonic()
        p.send_signal(signal.SIGTERM)
        self.assertEqual(common.finish(p), 0)
        self.assertLess(time.monotonic() - started, 1.5)

    def test_a_line_without_end_from_the_server_is_still_shown(self):
        p = self.charla()
        p.stdin.write(b"/quit\n")
        p.stdin.flush()
        self.server.lines.wait(r"^/quit$")
        self.server.send(b"* Bye.")
        self.server.close()
        self.assertEqual(common.finish(p), 0)
        p.out.wait_eof()
        self.assertEqual(p.out.data, b"* Bye.\n")

    def test_an_endless_line_from_the_server_is_shown_in_pieces(self):
        p = self.charla()
        self.server.send(b"a" * 70000 + b"\n")
        self.server.close()
        self.assertEqual(common.finish(p), 5)
        p.out.wait_eof()
        self.assertEqual(p.out.data, b"a" * 65536 + b"\n" + b"a" * (70000 - 65536) + b"\n")

    def test_piped_input_waits_while_the_server_does_not_read(self):
        # The client reads its input only as fast as the server takes it, so a big input does
        # not pile up in its memory. What it may hold is its queue mark plus what the kernel
        # buffers (a few MiB on loopback), far less than what is offered here.
        offered = 48 << 20
        p = self.charla(read=False)
        # Whatever the first line is, it is the name: the server takes it without reading it.
        self.server.send("* Welcome, x! You are in #lobby with 0 others.")
        fd = p.stdin.fileno()
        os.set_blocking(fd, False)
        chunk = (b"x" * 99 + b"\n") * 655

        total = 0  # Written so far: the input is 100-byte lines, cut anywhere.

        def write_until(limit, stall):
            nonlocal total
            written = 0
            with selectors.DefaultSelector() as sel:
                sel.register(fd, selectors.EVENT_WRITE)
                while written < limit:
                    if not sel.select(timeout=stall):
                        break
                    at = total % len(chunk)
                    try:
                        n = os.write(fd, chunk[at:at + limit - written])
                    except BlockingIOError:
                        continue
                    written += n
                    total += n
            return written

        taken = write_until(offered, stall=3)
        self.assertLess(taken, 16 << 20)
        # Once the server reads, the input flows again, and every line arrives.
        received = []
        drain = threading.Thread(target=lambda: received.append(self.drain()), daemon=True)
        drain.start()
        more = write_until(8 << 20, stall=common.TIMEOUT)
        self.assertEqual(more, 8 << 20)
        p.stdin.close()
        drain.join(common.TIMEOUT)
        # A last line cut short is sent with the newline the client adds.
        self.assertEqual(received, [total + (1 if total % 100 else 0)])
        self.server.close()
        self.assertEqual(common.finish(p), 0)

    def drain(self):
        """Reads the server's socket to its end; returns the byte count."""
        total = 0
        while True:
            data = self.server.sock.recv(1 << 20)
            if not data:
                return total
            total += len(data)

if __name__ == "__main__":
    common.main()
