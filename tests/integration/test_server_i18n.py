"""charlad integration: each client in its language (docs/protocol.md, "Languages"; docs/irc.md,
LANGUAGE). English and Spanish readers of one room see one event each in their own words; the
greeting offers Spanish; /lang and --lang choose; UDP and IRC likewise; the assistant is asked to
answer in the asker's language.

Run: python3 test_server_i18n.py /path/to/charlad
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakes"))
import harness  # noqa: E402
from harness import rx  # noqa: E402
from irc_helpers import IrcCase  # noqa: E402
from udp_helpers import Peer  # noqa: E402

PROMPT_ES = "* ¿Cómo te llamas? (1-32 caracteres; sin espacios ni ':')"
NOW_ES = "* Tu idioma ahora es español."


def welcome_es(name, others):
    return ("* ¡Hola, %s! Estás en #lobby con %d %s más. Escribe /help para ver los comandos."
            % (name, others, "persona" if others == 1 else "personas"))


def sync_es(c):
    """harness.Client.sync for a client spoken to in Spanish: the lines before the answer to an
    unknown command."""
    c.send("/marca")
    lines = []
    while True:
        line = c.readline()
        if line == "! Comando desconocido: /marca. Escribe /help para ver la lista.":
            return lines
        lines.append(line)


class Line(harness.TestCase):
    def spanish(self, srv, name, others):
        """A client that picks Spanish before giving its name."""
        c = srv.client(label=name)
        c.expect(harness.GREETING)
        c.expect(harness.PROMPT)
        c.send("/lang es")
        c.expect(NOW_ES)
        c.expect(PROMPT_ES)        # asked again, in Spanish
        c.send(name)
        c.expect(welcome_es(name, others))
        return c

    def test_greeting_offers_spanish_and_lang_es_speaks_it(self):
        srv = self.server()
        ana = self.spanish(srv, "ana", 0)
        ana.send("/help")
        ana.expect("* Comandos:")
        helps = sync_es(ana)
        self.assertIn("*   /join SALA       entra en una sala (la crea si no existe) y la hace actual",
                      helps)
        self.assertIn("*   /lang [CÓDIGO]   muestra o cambia tu idioma: en (English), es (español)",
                      helps)
        self.assertEqual(helps[-1], "* Todo lo demás que escribas se dice en tu sala actual. "
                                    "Empieza una línea con // para decir una línea que empiece por /.")
        ana.send("/join")
        ana.expect("! Uso: /join SALA")
        ana.send("/part #nada")
        ana.expect("! No existe la sala: #nada")
        ana.send("/join #dev")
        ana.expect("* Has entrado en #dev (1 miembro).")
        ana.send("/rooms")
        ana.expect("* 2 salas:")

    def test_one_event_each_in_its_language(self):
        srv = self.server()
        ana = self.spanish(srv, "ana", 0)
        bob = srv.client("bob")
        ana.expect("[#lobby] -- bob ha entrado")
        carl = srv.client("carl")
        ana.expect("[#lobby] -- carl ha entrado")
        bob.expect("[#lobby] -- carl joined")
        carl.send("/nick carlos")
        carl.expect("* You are now known as carlos.")
        ana.expect("-- carl ahora se llama carlos")
        bob.expect("-- carl is now known as carlos")
        # A message has no words: both read the same bytes.
        carl.send("hola a todos")
        ana.expect("[#lobby] carlos: hola a todos")
        bob.expect("[#lobby] carlos: hola a todos")
        carl.send("/quit me voy")
        ana.expect("-- carlos ha salido del chat (me voy)")
        bob.expect("-- carlos quit (me voy)")
        # Back to English, and the other way round.
        ana.send("/lang en")
        ana.expect("* Your language is now English.")
        bob.send("/lang es")
        bob.expect(NOW_ES)
        dan = srv.client("dan")
        ana.expect("[#lobby] -- dan joined")
        bob.expect("[#lobby] -- dan ha entrado")

    def test_lang_shows_and_refuses_what_it_does_not_speak(self):
        srv = self.server()
        ana = srv.client("ana")
        ana.send("/lang")
        ana.expect("* Your language is English (en). The languages are en, es; "
                   "/lang CODE changes it.")
        ana.send("/lang xx")
        ana.expect("! Unknown language: xx. The languages are en, es.")
        ana.send("/lang ES")           # a language tag, in any case
        ana.expect(NOW_ES)
        ana.send("/lang fr")
        ana.expect("! Idioma desconocido: fr. Los idiomas son en, es.")
        ana.send("/lang")
        ana.expect("* Tu idioma es español (es). Los idiomas son en, es; /lang CÓDIGO lo cambia.")

    def test_lang_es_is_the_default_for_new_clients(self):
        srv = self.server("--lang", "es")
        c = srv.client(label="ana")
        c.expect(rx(r"\* charlad \S+ en .+\. 0 personas conectadas\. To speak English, "
                    r"type /lang en\."))
        c.expect(PROMPT_ES)
        c.send("ana")
        c.expect(welcome_es("ana", 0))
        c.send("/lang en")
        c.expect("* Your language is now English.")
        bob = srv.client(label="bob")
        bob.expect(rx(r"\* charlad \S+ en .+\. 1 persona conectada\. To speak English, "
                      r"type /lang en\."))

    def test_bad_flag(self):
        p = harness.run_charlad("--lang", "fr")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--lang", p.stderr)


def udp_port(srv):
    line = srv.wait_log(rx(r"receiving datagrams on 127\.0\.0\.1:(\d+) \(udp\)"))
    return int(re.search(r":(\d+) \(udp\)", line).group(1))


class Udp(harness.TestCase):
    def test_udp_lang(self):
        srv = self.server()
        p = Peer(udp_port(srv), label="ana")
        self.addCleanup(p.close)
        p.register("ana")
        p.send("/lang es")
        self.assertEqual(p.readline(), NOW_ES)
        p.send("/nope")
        self.assertEqual(p.readline(), "! Comando desconocido: /nope. Escribe /help para ver la lista.")
        bob = srv.client("bob")
        p.wait_for(r"\[#lobby\] -- bob ha entrado")
        bob.send("/lang")
        bob.expect(rx(r"\* Your language is English .*"))


class Irc(IrcCase):
    def test_language_es_while_an_english_client_shares_the_channel(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        self.assertEqual(ana.isupport.get("LANGUAGE"), "1,en,es")
        ana.send("LANGUAGE es")
        ana.expect("NOTICE", params=["ana", "Tu idioma ahora es español."])
        self.joined(ana, "#x")
        self.joined(bob, "#x", ana)
        for c, text in ((ana, "entra en canales (si los creas, eres su operador); JOIN 0 sale de "
                              "todos"),
                        (bob, "join channels (creating them: you are the operator); JOIN 0 "
                              "leaves all")):
            c.send("HELP JOIN")
            c.expect("704")
            c.expect("705", params=[c.nick, "JOIN", text])
            c.expect("706")
        # Numerics stay English for every client (clients and scripts read them).
        ana.send("PART #nada")
        ana.expect("403", params=["ana", "#nada", "No such channel"])
        # A message is the same line for both languages.
        nc = srv.client("carla")
        nc.send("/join #x")
        ana.expect("JOIN", lambda m: m.nick == "carla")
        bob.expect("JOIN", lambda m: m.nick == "carla")
        nc.send("hola")
        self.assertEqual(ana.expect("PRIVMSG").raw, bob.expect("PRIVMSG").raw)
        # LANG is an alias; an unknown language is refused in the client's language.
        bob.send("LANG xx")
        bob.expect("NOTICE", params=["bob", "Unknown language: xx. The languages are en, es."])
        ana.send("LANGUAGE xx")
        ana.expect("NOTICE", params=["ana", "Idioma desconocido: xx. Los idiomas son en, es."])
        bob.send("LANGUAGE")
        bob.expect("NOTICE", params=["bob", "Your language is English (en). The languages are "
                                            "en, es; LANGUAGE <code> changes it."])
        ana.send("LANG en")
        ana.expect("NOTICE", params=["ana", "Your language is now English."])

    def test_queue_notice_in_the_default_language(self):
        srv = self.irc_server("--max-clients", "1", "--max-queue", "2", "--lang", "es")
        self.irc(srv, "ana")
        q = self.irc(srv, label="q")
        q.expect("NOTICE", params=["*", "El servidor está lleno; eres el número 1 de la cola."])


class Assistant(harness.TestCase):
    def test_the_request_asks_for_the_askers_language(self):
        from fake import FakeOpenAI
        for k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHARLA_AI_MODEL"):
            os.environ.pop(k, None)
        fake = FakeOpenAI()
        self.addCleanup(fake.stop)
        srv = self.server("--ai-url", fake.url, "--ai-rate", "0")
        ana, bob = srv.users("ana", "bob")
        ana.send("/lang es")
        ana.expect(NOW_ES)
        ana.send("/who")
        ana.expect("* #lobby (2): ana bob")
        ana.expect('* Bot: gpt (el asistente; pregúntale con "gpt: pregunta")')
        for who, c, words in (("ana", ana, "Answer in Spanish."), ("bob", bob, "Answer in English.")):
            c.send("gpt: [[say vale]]")
            c.wait_for("[#lobby] gpt: %s: vale" % who)
            system = fake.chat_requests()[-1]["body"]["messages"][0]
            self.assertEqual(system["role"], "system")
            self.assertTrue(system["content"].endswith(" " + words), system)
        # The assistant's notes are in the asker's language too.
        ana.send("gpt:")
        ana.wait_for(rx(r'\[pm\] gpt: pregúntame con "gpt: pregunta", .*'))
        bob.send("gpt:")
        bob.wait_for(rx(r'\[pm\] gpt: ask me with "gpt: question", .*'))


if __name__ == "__main__":
    harness.main()
