#!/usr/bin/env python3
"""charla in Spanish: the language taken from the environment as gettext takes it (LANGUAGE, then
LC_ALL, LC_MESSAGES, LANG; LANGUAGE ignored in the C locale) or from --lang; Spanish --help,
usage and connection errors, name prompt and /stats; `/lang es` sent to the server after the
welcome (seen by a scripted server, over TCP and over UDP), and an older server's unknown-command
error for it hidden; in a terminal (tmux), Spanish text measured right on the edit row even when
the es_ES.UTF-8 locale is not installed. Against charlad too when --charlad is given."""

import os
import re
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# test_client_tty reads the command line (--charla, --charlad) when imported; its ARGS are ours.
import test_client_tty as tty  # noqa: E402
import test_client_common as common  # noqa: E402

ARGS = tty.ARGS
HOST = common.HOST
ES = {"LANG": "es_ES.UTF-8"}
UNKNOWN_LANG = "! Unknown command: /lang. Type /help for the list."
PROMPT = "* What is your name? (1-32 characters; no spaces, no ':')"


def run(*args, env=None, stdin=b""):
    """Runs charla to its end; returns (exit code, stdout, stderr) as text."""
    p = common.charla(ARGS.charla, *args, env=env)
    try:
        p.stdin.write(stdin)
        p.stdin.close()
        code = common.finish(p)
        p.out.wait_eof()
        p.err.wait_eof()
        return code, p.out.data.decode(), p.err.data.decode()
    finally:
        common.reap(p)


class Language(unittest.TestCase):
    """Which language: no server needed."""

    def help_starts(self, env, *args):
        code, out, _ = run("--help", *args, env=env)
        self.assertEqual(code, 0)
        return out.split("\n", 1)[0]

    def test_spanish_help_from_lang(self):
        code, out, _ = run("--help", env=ES)
        self.assertEqual(code, 0)
        self.assertIn("Uso: charla [-u] [-n NOMBRE] [--lang IDIOMA] [SERVIDOR [PUERTO]]", out)
        self.assertIn("(por defecto localhost, puerto 7777)", out)
        self.assertIn("--lang IDIOMA    habla IDIOMA: en (inglés) o es (español)", out)
        self.assertIn("Estado de salida:", out)
        self.assertIn("  6  el servidor rechazó el nombre", out)

    def test_precedence(self):
        english, spanish = "Usage: charla", "Uso: charla"
        cases = [
            ({}, english),
            ({"LANG": "C"}, english),
            ({"LC_MESSAGES": "es_MX.UTF-8"}, spanish),
            ({"LANG": "es_ES.UTF-8", "LC_ALL": "en_US.UTF-8"}, english),
            ({"LANG": "en_US.UTF-8", "LC_ALL": "es_AR.UTF-8"}, spanish),
            ({"LANG": "en_US.UTF-8", "LANGUAGE": "fr:es:en"}, spanish),
            ({"LANG": "es_ES.UTF-8", "LANGUAGE": "en"}, english),
            # gettext ignores LANGUAGE when the locale is C.
            ({"LC_ALL": "C", "LANGUAGE": "es"}, english),
            ({"LANG": "de_DE.UTF-8"}, english),
        ]
        for env, want in cases:
            with self.subTest(env=env):
                self.assertTrue(self.help_starts(env).startswith(want))

    def test_lang_option_overrides(self):
        self.assertTrue(self.help_starts(ES, "--lang", "en").startswith("Usage: charla"))
        self.assertTrue(self.help_starts({"LC_ALL": "C"}, "--lang=es").startswith("Uso: charla"))
        code, _, err = run("--lang", "fr", env=ES)
        self.assertEqual(code, 2)
        self.assertEqual(err, "charla: idioma desconocido fr (charla habla en, es)\n")

    def test_spanish_usage_and_connection_errors(self):
        code, _, err = run("-x", env=ES)
        self.assertEqual((code, err), (2, "charla: opción desconocida -x (prueba --help)\n"))
        code, _, err = run("host", "0", env=ES)
        self.assertEqual((code, err), (2, "charla: puerto no válido 0 (de 1 a 65535)\n"))
        code, _, err = run("nadie.invalid", env=ES)
        self.assertEqual((code, err), (3, "charla: servidor desconocido nadie.invalid\n"))
        # A port nobody listens on: the reason is libuv's, in English.
        s = socket.socket()
        s.bind((HOST, 0))
        port = s.getsockname()[1]
        s.close()
        code, _, err = run(HOST, str(port), env=ES)
        self.assertEqual(code, 4)
        self.assertTrue(err.startswith(f"charla: no se puede conectar con {HOST}, puerto {port}: "),
                        err)


class AskTheServer(unittest.TestCase):
    """/lang on the wire, with a scripted server that plays an old one."""

    def setUp(self):
        self.server = common.ScriptedServer()
        self.addCleanup(self.server.close)

    def start(self, env, *args):
        p = common.charla(ARGS.charla, *args, HOST, str(self.server.port), env=env)
        self.addCleanup(common.reap, p)
        self.server.accept()
        self.server.send("* charlad 0.1.0 on test. 0 people online.")
        self.server.send(PROMPT)
        return p

    def test_spanish_client_asks_and_hides_an_old_servers_error(self):
        p = self.start(ES)
        # The server still speaks English before the name: charla shows its prompt in Spanish.
        p.out.wait(r"^\* ¿Cómo te llamas\? \(de 1 a 32 caracteres; sin espacios ni ':'\)$")
        p.stdin.write("ana\nhola\n".encode())
        p.stdin.flush()
        self.server.lines.wait(r"^ana$")
        self.server.send("* Welcome, ana! You are in #lobby with 0 others. Type /help for commands.")
        # Sent right after the welcome, before the script's next line.
        self.server.lines.wait(r"^/lang es$")
        self.server.send(UNKNOWN_LANG)
        self.server.lines.wait(r"^hola$")
        self.assertEqual(self.server.lines.lines[1:3], ["/lang es", "hola"])
        self.server.send("[#lobby] luis: ¡hola, ana!")
        p.out.wait(r"^\[#lobby\] luis: ¡hola, ana!$")
        p.stdin.close()
        self.server.lines.wait_eof()
        self.server.close()
        self.assertEqual(common.finish(p), 0)
        p.out.wait_eof()
        self.assertNotIn(b"Unknown command", p.out.data)
        self.assertNotIn(b"What is your name", p.out.data)
        self.assertEqual(p.err.data, b"")

    def test_an_answer_from_a_server_with_lang_is_shown(self):
        p = self.start({"LANG": "en_US.UTF-8"}, "--lang", "es", "-n", "ana")
        self.server.lines.wait(r"^ana$")
        self.server.send("* Welcome, ana! You are in #lobby with 0 others. Type /help for commands.")
        self.server.lines.wait(r"^/lang es$")
        self.server.send("* Hablaré contigo en español.")
        p.out.wait(r"^\* Hablaré contigo en español\.$")
        # The user's own /lang later, and its error, are the user's: shown.
        p.stdin.write(b"/lang xx\n")
        p.stdin.flush()
        self.server.lines.wait(r"^/lang xx$")
        self.server.send("! Unknown command: /lang. Type /help for the list.")
        p.out.wait(r"^! Unknown command: /lang\.")

    def test_english_client_does_not_ask(self):
        p = self.start({"LANG": "es_ES.UTF-8"}, "--lang", "en")
        p.out.wait(r"^\* What is your name\?")
        p.stdin.write(b"ana\nhi\n")
        p.stdin.flush()
        self.server.lines.wait(r"^ana$")
        self.server.send("* Welcome, ana! You are in #lobby with 0 others. Type /help for commands.")
        self.server.lines.wait(r"^hi$")
        self.assertEqual(self.server.lines.lines[:2], ["ana", "hi"])


class UdpTap:
    """Forwards datagrams between one client and a server, keeping the client's texts (what
    follows the header, docs/protocol.md "UDP")."""

    def __init__(self, server_port):
        self.server = (HOST, server_port)
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind((HOST, 0))
        self.port = self.front.getsockname()[1]
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind((HOST, 0))
        self.client = None
        self.sent = []
        self.stopping = False
        threading.Thread(target=self._run, args=(self.front,), daemon=True).start()
        threading.Thread(target=self._run, args=(self.back,), daemon=True).start()

    def _run(self, sock):
        sock.settimeout(0.2)
        while not self.stopping:
            try:
                dg, addr = sock.recvfrom(65536)
            except (socket.timeout, OSError):
                continue
            if sock is self.front:
                self.client = addr
                self.sent.append(dg)
                self.back.sendto(dg, self.server)
            elif self.client:
                self.front.sendto(dg, self.client)

    def saw(self, pattern, timeout=common.TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(re.search(pattern, dg) for dg in list(self.sent)):
                return
            time.sleep(0.02)
        raise AssertionError(f"the client never sent {pattern!r}: {self.sent!r}")

    def close(self):
        self.stopping = True
        self.front.close()
        self.back.close()


class AgainstCharlad(unittest.TestCase):
    """The real charlad, which has /lang: charla's own /lang es is answered in Spanish, and what
    follows it comes in Spanish too."""

    def setUp(self):
        if not ARGS.charlad:
            self.skipTest("needs charlad: --charlad PATH")
        self.server = common.RealServer(ARGS.charlad, "-v")
        self.addCleanup(self.server.stop)

    def test_pipe_in_spanish(self):
        code, out, err = run(HOST, str(self.server.port), env=ES,
                             stdin="ana\nhola\n/stats\n/quit\n".encode())
        self.assertEqual((code, err), (0, ""))
        self.assertIn("* ¿Cómo te llamas?", out)
        self.assertIn("* Welcome, ana!", out)
        self.assertIn("* Tu idioma ahora es español.", out)
        self.assertIn("* Adiós.", out)
        self.assertRegex(out, r"\* TCP con 127\.0\.0\.1, puerto \d+: líneas enviadas \d+ ")
        self.assertNotIn("Unknown command", out)

    def test_udp_asks_and_goes_on(self):
        srv_port = int(re.search(r"receiving datagrams on 127\.0\.0\.1:(\d+) \(udp\)",
                                 self.server.log.wait(r"\(udp\)")).group(1))
        tap = UdpTap(srv_port)
        self.addCleanup(tap.close)
        luis = common.RawUser(self.server.port, "luis")
        self.addCleanup(luis.close)
        p = common.charla(ARGS.charla, "--udp", "-n", "ana", HOST, str(tap.port), env=ES)
        self.addCleanup(common.reap, p)
        p.out.wait(r"^\* Welcome, ana!")
        tap.saw(rb"/lang es\n")
        p.stdin.write("hola, ¿qué tal?\n/stats\n".encode())
        p.stdin.flush()
        luis.lines.wait(r"^\[#lobby\] ana: hola, ¿qué tal\?$")
        p.out.wait(r"^\* Datagramas numerados: recibidos \d+, perdidos 0")
        p.stdin.close()
        self.assertEqual(common.finish(p), 0)
        p.out.wait_eof()
        self.assertNotIn(b"Unknown command", p.out.data)


class Terminal(unittest.TestCase):
    """In tmux, with LANG=es_ES.UTF-8 and no such locale installed (charla falls back to
    C.UTF-8 for the widths of characters)."""

    def setUp(self):
        self.server = common.FakeServer()
        self.addCleanup(self.server.stop)

    def test_spanish_in_a_terminal(self):
        term = tty.Tmux([HOST, str(self.server.port)],
                        env={"LC_ALL": "", "LANGUAGE": "", "LANG": "es_ES.UTF-8"})
        self.addCleanup(term.close)
        term.wait_row(r"^\* ¿Cómo te llamas\? \(de 1 a 32 caracteres; sin espacios ni ':'\)$")
        term.type("ana")
        term.keys("Enter")
        term.wait_row(r"^\* Welcome, ana!")
        row = term.wait_row(r"^#lobby>$")
        # Ten accented or inverted characters, each one column: the cursor lands after them.
        text = "¿Qué tal, señor Muñoz? ¡Olé!"
        term.type(text)
        term.wait_row(r"^#lobby> ¿Qué tal, señor Muñoz\? ¡Olé!$")
        deadline = time.monotonic() + common.TIMEOUT
        while term.cursor() != (len("#lobby> ") + len(text), row):
            self.assertLess(time.monotonic(), deadline, f"cursor at {term.cursor()}")
            time.sleep(0.02)
        term.keys("C-u")
        term.type("/stats")
        term.keys("Enter")
        term.wait_row(r"^\* TCP con 127\.0\.0\.1, puerto \d+: líneas enviadas \d+ ")
        term.wait_row(r"^\* TCP es un flujo de bytes fiable y ordenado")
        # The old fake server's error for /lang never reached the screen.
        self.assertFalse(any("Unknown command" in r for r in term.rows(history=True)))
        term.type("/help")
        term.keys("Enter")
        term.wait_row(r"^\* charla, este cliente:$")
        term.wait_row(r"^\*   Arriba, Abajo    las líneas que escribiste antes$")


def last_row_is(term, text):
    """Waits until the edit row (the last non-empty row) is text."""
    term.wait(lambda rows: rows[term.last_row(rows)] == text, f"the edit row {text!r}")


class SpanishStableLines(unittest.TestCase):
    """charla with LANG=es_ES.UTF-8 asks charlad for Spanish (/lang es) and reads its stable lines
    in Spanish after that: the current room, its name, the members Tab completes, the end."""

    def setUp(self):
        if not ARGS.charlad:
            self.skipTest("needs charlad: --charlad PATH")

    def server(self, *extra):
        srv = common.RealServer(ARGS.charlad, *extra)
        self.addCleanup(srv.stop)
        return srv

    def user(self, srv, name, prompt=r"^\* What is your name\?", welcome=r"^\* Welcome, "):
        u = common.RawUser(srv.port)
        self.addCleanup(u.close)
        u.lines.wait(prompt)
        u.send(name)
        u.lines.wait(welcome)
        return u

    def test_pipe_with_a_spanish_server(self):
        # charlad --lang es: even the name prompt and the welcome are Spanish, and charla must
        # see the welcome to send what it was given.
        srv = self.server("--lang", "es")
        luis = self.user(srv, "luis", r"^\* ¿Cómo te llamas\?", r"^\* ¡Hola, luis!")
        code, out, err = run(HOST, str(srv.port), env=ES,
                             stdin="ana\nhola\n/quit\n".encode())
        self.assertEqual((code, err), (0, ""))
        luis.lines.wait(r"^\[#lobby\] ana: hola$")
        self.assertIn("* ¡Hola, ana! Estás en #lobby", out)
        self.assertIn("* Adiós.", out)

    def test_pipe_over_udp_ends_at_adios(self):
        srv = self.server("-v")
        port = re.search(r"receiving datagrams on 127\.0\.0\.1:(\d+) \(udp\)",
                         srv.log.wait(r"\(udp\)")).group(1)
        p = common.charla(ARGS.charla, "--udp", "-n", "ana", HOST, port, env=ES)
        self.addCleanup(common.reap, p)
        p.out.wait(r"^\* Tu idioma ahora es español\.$")
        p.stdin.write(b"/quit\n")
        p.stdin.flush()
        p.out.wait(r"^\* Adiós\.$")
        # Recognised, "Adiós." ends it at once: well before the grace charla gives a server
        # that never answers (QUIT_GRACE_MS, 2 s).
        self.assertEqual(common.finish(p, timeout=1.0), 0)

    def test_terminal(self):
        srv = self.server()
        luis = self.user(srv, "luis")
        term = tty.Tmux(["-n", "ana", HOST, str(srv.port)],
                        env={"LC_ALL": "", "LANGUAGE": "", "LANG": "es_ES.UTF-8"})
        self.addCleanup(term.close)
        term.wait_row(r"^\* Tu idioma ahora es español\.$")
        # /join: the Spanish reply makes #x the current room of the prompt.
        term.type("/join #x")
        term.keys("Enter")
        term.wait_row(r"^\* Has entrado en #x \(1 miembro\)\.$")
        last_row_is(term, "#x>")
        # A sync marker: the server has answered charla's own /who #x when this comes back.
        term.type("/sync1")
        term.keys("Enter")
        term.wait_row(r"^! Comando desconocido: /sync1\.")
        luis.send("/join #x")
        term.wait_row(r"^\[#x\] -- luis ha entrado$")
        term.type("lu")
        term.keys("Tab")
        last_row_is(term, "#x> luis:")
        term.keys("C-u")
        luis.send("/nick luisito")
        term.wait_row(r"^-- luis ahora se llama luisito$")
        term.type("lu")
        term.keys("Tab")
        last_row_is(term, "#x> luisito:")
        term.keys("C-u")
        luis.send("/part #x")
        term.wait_row(r"^\[#x\] -- luisito se ha ido")
        bea = self.user(srv, "bea")
        bea.send("/join #x")
        term.wait_row(r"^\[#x\] -- bea ha entrado$")
        term.type("b")
        term.keys("Tab")
        last_row_is(term, "#x> bea:")
        term.keys("C-u")
        bea.send("/quit")
        term.wait_row(r"^-- bea ha salido del chat")
        term.type("l b")
        term.keys("Tab")
        last_row_is(term, "#x> l b")
        term.keys("C-u")
        # /nick: what ana says is shown under her new name.
        term.type("/nick anita")
        term.keys("Enter")
        term.wait_row(r"^\* Ahora te llamas anita\.$")
        term.type("hola")
        term.keys("Enter")
        term.wait_row(r"^\[#x\] anita: hola$")
        term.type("/quit")
        term.keys("Enter")
        term.wait_row(r"^\* Adiós\.$")
        term.wait_row(r"^exit=0$")


class SpanishWhoReply(unittest.TestCase):
    """A /who reply in Spanish, long enough to go on in a `(continuación)` line, then the
    assistant: charla hides its own reply and completes every name in it."""

    def test_terminal(self):
        server = common.ScriptedServer()
        self.addCleanup(server.close)
        term = tty.Tmux(["-n", "ana", HOST, str(server.port)],
                        env={"LC_ALL": "", "LANGUAGE": "", "LANG": "es_ES.UTF-8"})
        self.addCleanup(term.close)
        server.accept()
        server.send("* charlad 0.1.0 on test. 1 person online.")
        server.send(PROMPT)
        server.lines.wait(r"^ana$")
        server.send("* Welcome, ana! You are in #lobby with 1 other. Type /help for commands.")
        server.lines.wait(r"^/lang es$")
        server.send("* Tu idioma ahora es español.")
        server.lines.wait(r"^/who #lobby$")
        server.send("* #lobby (3): ana luis")
        server.send("* #lobby (continuación): zoe")
        server.send('* Bot: gpt (el asistente; pregúntale con "gpt: pregunta")')
        server.send("* fin")
        term.wait_row(r"^\* fin$")
        self.assertFalse(any(r.startswith("* #lobby") or r.startswith("* Bot:")
                             for r in term.rows(history=True)))
        for typed, done in (("z", "zoe:"), ("gp", "gpt:"), ("lu", "luis:")):
            term.type(typed)
            term.keys("Tab")
            last_row_is(term, "#lobby> " + done)
            term.keys("C-u")


if __name__ == "__main__":
    common.main()
