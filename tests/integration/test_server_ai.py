"""charlad integration: the AI assistant against the local OpenAI-compatible fake
(tests/fakes/openai_fake.py): addressing, private answers, streaming, limits, memory and every
error line. docs/protocol.md, "The assistant", is the contract.

Run: python3 test_server_ai.py /path/to/charlad
"""

import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fakes"))
import harness  # noqa: E402
from harness import esc, rx  # noqa: E402
from fake import FakeOpenAI  # noqa: E402

# The server must not pick up a developer's real settings.
for _k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHARLA_AI_MODEL"):
    os.environ.pop(_k, None)

KEY = "sk-test-SECRETKEY-0123456789abcdef"
QUEUED = rx(r"\[pm\] gpt: the assistant is busy; your question is number (\d+) in the queue")


def closed_port():
    """A loopback port with nothing listening (bound, then closed)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class AiCase(harness.TestCase):
    def fake(self, *flags):
        f = FakeOpenAI(*flags)
        self.addCleanup(f.stop)
        return f

    def ai_server(self, fake, *flags, key=None):
        """charlad against `fake`, with the key (if any) in OPENAI_API_KEY, as users set it."""
        if key:
            os.environ["OPENAI_API_KEY"] = key
        try:
            return self.server("--ai-url", fake.url, "--ai-rate", "0", *flags)
        finally:
            os.environ.pop("OPENAI_API_KEY", None)

    def answer(self, client, who, room="#lobby"):
        """The first line of an answer in a room (it names the asker)."""
        return client.wait_for(rx(r"\[%s\] gpt: %s: (.*)" % (esc(room), esc(who)))).group(1)


class Addressing(AiCase):
    def test_every_form_in_a_room_and_everyone_sees_the_answer(self):
        fake = self.fake()
        srv = self.ai_server(fake)
        ana, bob, zoe = srv.users("ana", "bob", "zoe")
        forms = [("gpt: [[say uno]]", "uno"), ("gpt, [[say dos]]", "dos"),
                 ("@GPT [[say tres]]", "tres"), ("  Gpt:[[say cuatro]]", "cuatro")]
        for line, word in forms:
            ana.send(line)
            for c in (bob, zoe):
                c.expect("[#lobby] ana: " + line)
                c.expect("[#lobby] gpt: ana: " + word)
            ana.expect("[#lobby] gpt: ana: " + word)
        # /ask is "gpt: QUESTION" said in the room.
        bob.send("/ask [[say cinco]]")
        ana.expect("[#lobby] bob: gpt: [[say cinco]]")
        for c in (ana, bob, zoe):
            c.wait_for("[#lobby] gpt: bob: cinco")
        # Lines that only mention it are not questions.
        ana.send("gptx: no")
        ana.send("I asked gpt: nothing")
        ana.send("@gptfoo hi")
        ana.sync()
        self.assertEqual(bob.sync()[-3:], ["[#lobby] ana: gptx: no",
                                           "[#lobby] ana: I asked gpt: nothing",
                                           "[#lobby] ana: @gptfoo hi"])
        self.assertEqual(fake.stats()["total"], 5)
        # The question is sent as "name: text".
        last = fake.chat_requests()[-1]["body"]["messages"][-1]
        self.assertEqual(last, {"role": "user", "content": "bob: [[say cinco]]"})
        # An empty question gets the usage, privately.
        zoe.sync()
        ana.send("gpt:")
        ana.wait_for(rx(r"\[pm\] gpt: ask me with .*/forget.*"))
        self.assertEqual(zoe.sync(), ["[#lobby] ana: gpt:"])

    def test_answer_in_another_room_stays_there(self):
        fake = self.fake()
        srv = self.ai_server(fake)
        ana, bob = srv.users("ana", "bob")
        ana.send("/join #dev")
        ana.wait_for(rx(r"\* You joined #dev .*"))
        ana.send("gpt: [[say en dev]]")
        ana.expect("[#dev] gpt: ana: en dev")
        self.assertEqual([l for l in bob.sync() if "gpt" in l], [])

    def test_private_answer_reaches_only_the_asker(self):
        fake = self.fake()
        srv = self.ai_server(fake)
        ana, bob = srv.users("ana", "bob")
        ana.send("/msg gpt [[say secreto\\nde ana]]")
        ana.expect("[pm] gpt: secreto")
        ana.expect("[pm] gpt: de ana")
        self.assertEqual(bob.sync(), [])
        ana.send("/msg GPT /help")
        ana.expect(rx(r"\[pm\] gpt: ask me with .*"))

    def test_no_assistant_with_no_ai(self):
        srv = self.server("--no-ai")
        ana, = srv.users("ana")
        ana.send("/ask hola")
        ana.expect("! There is no assistant on this server.")
        ana.send("/msg gpt hola")
        ana.expect(rx(r"! .*gpt.*"))

    def test_unconfigured_assistant_says_how_to_configure_it(self):
        srv = self.server()
        ana, bob = srv.users("ana", "bob")
        ana.send("gpt: hola")
        bob.expect("[#lobby] ana: gpt: hola")
        # Only the asker is told, privately, and the safe ways to give a key come first.
        line = ana.wait_for(rx(r"\[pm\] gpt: (.*)")).group(1)
        self.assertIn("not configured", line)
        self.assertIn("OPENAI_API_KEY", line)
        self.assertIn("--ai-key-file", line)
        self.assertNotIn("--ai-key ", line + " ")  # the flag that shows the key in `ps`
        self.assertLess(line.index("OPENAI_API_KEY"), line.index("Ollama"))
        ana.send("/msg gpt hola")
        self.assertIn("not configured", ana.wait_for(rx(r"\[pm\] gpt: (.*)")).group(1))
        # /forget has nothing to forget: the asker alone is told why.
        ana.send("/forget")
        self.assertIn("not configured", ana.wait_for(rx(r"\[pm\] gpt: (.*)")).group(1))
        self.assertEqual(bob.sync(), [])

    def test_the_assistant_is_shown_and_its_name_explained(self):
        srv = self.server()
        ana, bob = srv.users("ana", "bob")
        ana.send("/who")
        ana.expect("* #lobby (2): ana bob")
        ana.expect('* Bot: gpt (the assistant; ask it with "gpt: question")')
        ana.send("/nick GPT")
        ana.expect("! The name gpt is taken by the assistant; pick another.")
        c = srv.client(label="newcomer")
        c.expect(harness.GREETING)
        c.expect(harness.PROMPT)
        c.send("gpt")
        c.expect("! The name gpt is taken by the assistant; pick another.")
        c.expect(harness.PROMPT)
        self.assertIn("*   gpt: QUESTION    ask the assistant; everyone in the room sees the "
                      "answer", self.help_lines(ana))
        self.assertEqual(bob.sync(), [])
        # With another name, that name is shown; without an assistant, no bot at all.
        other = self.server("--ai-name", "profe")
        zoe, = other.users("zoe")
        zoe.send("/who")
        zoe.expect("* #lobby (1): zoe")
        zoe.expect('* Bot: profe (the assistant; ask it with "profe: question")')
        none = self.server("--no-ai")
        luis, = none.users("luis")
        luis.send("/who")
        luis.expect("* #lobby (1): luis")
        self.assertEqual(luis.sync(), [])
        self.assertEqual([l for l in self.help_lines(luis) if "QUESTION" in l], [])

    def help_lines(self, c):
        c.send("/help")
        lines = [c.expect("* Commands:")]
        while "//" not in lines[-1]:
            lines.append(c.readline())
        return lines


class Streaming(AiCase):
    def test_lines_arrive_while_the_answer_is_still_streaming_and_chat_flows(self):
        fake = self.fake()
        srv = self.ai_server(fake, "--ai-stall-timeout", "30")
        ana, bob = srv.users("ana", "bob")
        # [[stall]]: the fake sends two content pieces ("a", "\nb"), then nothing.
        ana.send("gpt: [[say a\\nb\\nc]] [[stall]]")
        bob.expect("[#lobby] ana: gpt: [[say a\\nb\\nc]] [[stall]]")
        bob.expect("[#lobby] gpt: ana: a")
        # The answer has not ended: the fake stalls (it marks that a moment after its last write,
        # so wait for the mark rather than read it once).
        fake.wait(stalled=1)
        # Others chat meanwhile, unaffected.
        for i in range(5):
            bob.send("hola %d" % i)
            ana.wait_for("[#lobby] bob: hola %d" % i)
        ana.send("/msg bob psst")
        bob.expect("[pm] ana: psst")
        self.assertEqual(fake.stats()["stalled"], 1)

    def test_split_chunks_with_non_ascii_are_reassembled_exactly(self):
        fake = self.fake()
        srv = self.ai_server(fake)
        ana, = srv.users("ana")
        text = "¿Qué tal? ñandú 漢字 🎉 — ok"
        ana.send("gpt: [[split 3]] [[say %s\\nsegunda línea ✓]]" % text)
        ana.expect("[#lobby] gpt: ana: " + text)
        ana.expect("[#lobby] gpt: segunda línea ✓")

    def test_long_lines_are_wrapped_and_the_answer_cap_cuts(self):
        fake = self.fake()
        srv = self.ai_server(fake, "--ai-max-answer", "600")
        ana, = srv.users("ana")
        ana.send("gpt: [[say %s]]" % " ".join(["palabra"] * 100))  # 799 bytes, one line
        first = self.answer(ana, "ana")
        lines = [first]
        while True:
            line = ana.readline()
            m = re.fullmatch(r"\[#lobby\] gpt: (.*)", line)
            self.assertTrue(m, line)
            if "the rest is cut" in m.group(1):
                self.assertEqual(m.group(1),
                                 "the answer is longer than 600 bytes; the rest is cut")
                break
            lines.append(m.group(1))
        # Wrapped at a space within 400 bytes, then cut at the cap.
        self.assertEqual(len(lines), 2, lines)
        self.assertLessEqual(len(lines[0]), 400)
        self.assertGreater(len(lines[0]), 390)
        self.assertTrue(all(w == "palabra" for w in lines[0].split(" ")), lines)
        self.assertLessEqual(sum(len(l.encode()) + 1 for l in lines), 600)
        self.assertTrue("palabra".startswith(lines[1].split(" ")[-1]), lines)
        # The request was stopped rather than read to its end.
        fake.idle()


class Limits(AiCase):
    def test_ten_questions_with_two_in_flight(self):
        fake = self.fake()
        srv = self.ai_server(fake, "--ai-inflight", "2", "--ai-queue", "20")
        users = srv.users(*["u%d" % i for i in range(10)])
        for i, c in enumerate(users):
            c.send("/msg gpt q%d [[hold]]" % i)
        fake.wait(held=2)
        running = {r["body"]["messages"][-1]["content"].split(":")[0]
                   for r in fake.chat_requests()}
        self.assertEqual(len(running), 2)
        places = sorted(int(c.wait_for(QUEUED).group(1)) for c in users if c.label not in running)
        self.assertEqual(places, list(range(1, 9)))
        for batch in range(5):
            fake.wait(held=2)
            self.assertEqual(fake.release(), 2)
        for i, c in enumerate(users):
            c.wait_for("[pm] gpt: You said: u%d: q%d" % (i, i))
        stats = fake.wait(completed=10)
        self.assertEqual(stats["max_in_flight"], 2)
        self.assertEqual(stats["total"], 10)

    def test_queue_full_is_refused(self):
        fake = self.fake()
        srv = self.ai_server(fake, "--ai-inflight", "1", "--ai-queue", "1")
        ana, bob, zoe = srv.users("ana", "bob", "zoe")
        ana.send("/msg gpt a [[hold]]")
        fake.wait(held=1)
        bob.send("/msg gpt b [[hold]]")
        bob.expect(QUEUED)
        zoe.send("/msg gpt c")
        zoe.expect("[pm] gpt: the assistant has too many questions waiting; ask again in a moment")
        fake.release()
        ana.expect("[pm] gpt: You said: ana: a")
        fake.wait(held=1)
        fake.release()
        bob.expect("[pm] gpt: You said: bob: b")

    def test_queued_askers_are_told_as_the_queue_moves(self):
        fake = self.fake()
        srv = self.ai_server(fake, "--ai-inflight", "1", "--ai-queue", "5")
        ana, bob, zoe, eve = srv.users("ana", "bob", "zoe", "eve")
        ana.send("/msg gpt a [[hold]]")
        fake.wait(held=1)
        for c, place in ((bob, 1), (zoe, 2), (eve, 3)):
            c.send("/msg gpt %s [[hold]]" % c.label)
            self.assertEqual(int(c.expect(QUEUED).group(1)), place)
        # Ana's answer ends, Bob's starts: Zoe and Eve move up.
        fake.release()
        ana.expect("[pm] gpt: You said: ana: a")
        zoe.expect("[pm] gpt: your question is now number 1 in the queue")
        eve.expect("[pm] gpt: your question is now number 2 in the queue")
        # A queued asker who leaves moves only those behind it.
        zoe.close()
        eve.expect("-- zoe quit (connection closed)")
        eve.expect("[pm] gpt: your question is now number 1 in the queue")
        self.assertEqual(bob.sync(), ["-- zoe quit (connection closed)"])  # running: not moved
        fake.wait(held=1)
        fake.release()
        bob.expect("[pm] gpt: You said: bob: bob")
        fake.wait(held=1)
        fake.release()
        eve.expect("[pm] gpt: You said: eve: eve")

    def test_answers_in_one_room_never_interleave(self):
        fake = self.fake()
        srv = self.ai_server(fake, "--ai-inflight", "4")
        ana, bob, zoe = srv.users("ana", "bob", "zoe")
        ana.send("gpt: [[lines 4]] [[slow 150]]")
        zoe.expect("[#lobby] ana: gpt: [[lines 4]] [[slow 150]]")
        zoe.expect("[#lobby] gpt: ana: line 1")
        # Bob asks while Ana's answer is still streaming; his answer is ready at once, and
        # waits for hers to end.
        bob.send("gpt: [[say rápido]]")
        zoe.expect("[#lobby] bob: gpt: [[say rápido]]")
        for i in (2, 3, 4):
            zoe.expect("[#lobby] gpt: line %d" % i)
        zoe.expect("[#lobby] gpt: bob: rápido")
        # Answers in another room are not held up by this one.
        zoe.send("/join #dev")
        zoe.wait_for(rx(r"\* You joined #dev .*"))
        ana.send("gpt: [[lines 3]] [[slow 300]]")
        ana.wait_for("[#lobby] gpt: ana: line 1")
        zoe.send("gpt: [[say en dev]]")
        zoe.wait_for("[#dev] gpt: zoe: en dev")
        ana.wait_for("[#lobby] gpt: line 3")
        stats = fake.wait(completed=4)
        self.assertEqual(stats["max_in_flight"], 2)

    def test_per_user_rate_limit(self):
        fake = self.fake()
        srv = self.server("--ai-url", fake.url, "--ai-rate", "2/min")
        ana, bob = srv.users("ana", "bob")
        for i in range(2):
            ana.send("/msg gpt q%d" % i)
            ana.expect("[pm] gpt: You said: ana: q%d" % i)
        ana.send("/msg gpt q2")
        ana.expect(rx(r"\[pm\] gpt: you are asking the assistant too often; ask again in "
                      r"(\d+) s"))
        # Renaming does not reset it.
        ana.send("/nick ana2")
        ana.wait_for("* You are now known as ana2.")
        ana.send("gpt: q3")
        ana.wait_for(rx(r"\[pm\] gpt: you are asking the assistant too often.*"))
        bob.send("/msg gpt hola")
        bob.wait_for("[pm] gpt: You said: bob: hola")
        self.assertEqual(fake.stats()["total"], 3)

    def test_question_too_long(self):
        fake = self.fake()
        srv = self.ai_server(fake, "--ai-max-question", "50")
        ana, bob = srv.users("ana", "bob")
        ana.send("gpt: " + "x" * 51)
        ana.expect("[pm] gpt: your question is too long for the assistant (at most 50 bytes)")
        ana.send("gpt: " + "y" * 50)
        ana.wait_for("[#lobby] gpt: ana: You said: ana: " + "y" * 50)
        self.assertEqual(fake.stats()["total"], 1)

    def test_asker_quits_and_its_private_request_is_cancelled(self):
        fake = self.fake()
        srv = self.ai_server(fake)
        ana, bob = srv.users("ana", "bob")
        ana.send("/msg gpt adiós [[hold]]")
        bob.send("gpt: sigue [[hold]]")
        fake.wait(held=2)
        ana.send("/quit")
        ana.expect_eof()
        # The fake sees the connection of ana's request closed; bob's room request goes on.
        fake.wait(client_gone=1)
        self.assertEqual(fake.stats()["held"], 1)
        fake.release()
        bob.wait_for("[#lobby] gpt: bob: You said: bob: sigue")

    def test_cap_key_reaches_the_request(self):
        fake = self.fake("--reject-max-tokens")
        srv = self.ai_server(fake, "--ai-cap-key", "max_completion_tokens",
                             "--ai-max-tokens", "77", "--ai-model", "gpt-5-mini")
        ana, = srv.users("ana")
        ana.send("gpt: hola")
        self.assertEqual(self.answer(ana, "ana"), "You said: ana: hola")
        body = fake.chat_requests()[-1]["body"]
        self.assertEqual(body["max_completion_tokens"], 77)
        self.assertNotIn("max_tokens", body)
        self.assertEqual(body["model"], "gpt-5-mini")
        self.assertTrue(body["stream"])

    def test_default_cap_key_is_max_tokens_and_a_rejection_says_what_to_do(self):
        fake = self.fake("--reject-max-tokens")
        srv = self.ai_server(fake)
        ana, = srv.users("ana")
        ana.send("gpt: hola")
        line = self.answer(ana, "ana")
        self.assertIn("max_completion_tokens", line)
        self.assertIn("--ai-cap-key", line)
        self.assertEqual(fake.chat_requests()[-1]["body"]["max_tokens"], 1024)


class Memory(AiCase):
    def history(self, client, who="ana"):
        n = int(re.fullmatch(r"messages: (\d+)", self.answer(client, who)).group(1))
        users = []
        while True:
            line = client.readline()
            m = re.fullmatch(r"\[#lobby\] gpt: (user: .*)", line)
            if not m:
                self.assertEqual(line, "")
            users.append(m.group(1))
            if m.group(1).endswith("[[history]]"):
                return n, users

    def test_memory_and_forget(self):
        fake = self.fake()
        srv = self.ai_server(fake)
        ana, bob = srv.users("ana", "bob")
        ana.send("gpt: uno")
        self.answer(ana, "ana")
        bob.send("gpt: dos")
        self.answer(ana, "bob")
        ana.send("gpt: [[history]]")
        n, users = self.history(ana)
        self.assertEqual(users, ["user: ana: uno", "user: bob: dos", "user: ana: [[history]]"])
        self.assertEqual(n, 6)  # system, 2 x (user, assistant), the question
        ana.send("/forget")
        ana.expect("[#lobby] gpt: I have forgotten this conversation")
        bob.wait_for("[#lobby] gpt: I have forgotten this conversation")
        ana.send("gpt: [[history]]")
        n, users = self.history(ana)
        self.assertEqual(users, ["user: ana: [[history]]"])
        self.assertEqual(n, 2)

    def test_forget_with_nothing_to_forget_is_private(self):
        fake = self.fake()
        srv = self.ai_server(fake)
        ana, bob = srv.users("ana", "bob")
        ana.send("/forget")
        ana.expect("[pm] gpt: I remember nothing of this conversation yet")
        ana.send("/msg gpt /forget")
        ana.expect("[pm] gpt: I remember nothing of this conversation yet")
        self.assertEqual(bob.sync(), [])
        self.assertEqual(fake.stats()["total"], 0)

    def test_budget_drops_the_oldest_and_private_memory_is_apart(self):
        fake = self.fake()
        srv = self.ai_server(fake, "--ai-memory", "60")
        ana, = srv.users("ana")
        for w in ("uno", "dos", "tres"):
            ana.send("gpt: %s" % w)
            self.answer(ana, "ana")
        ana.send("gpt: [[history]]")
        n, users = self.history(ana)
        # A question and its answer cost 26-28 bytes here (name, question, answer): 60 bytes
        # keep the last two; the oldest went first.
        self.assertEqual(users, ["user: ana: dos", "user: ana: tres", "user: ana: [[history]]"])
        self.assertEqual(n, 6)
        ana.send("/msg gpt [[history]]")
        ana.expect("[pm] gpt: messages: 2")
        ana.expect("[pm] gpt: user: ana: [[history]]")
        ana.send("/msg gpt /forget")
        ana.expect("[pm] gpt: I have forgotten this conversation")


class Errors(AiCase):
    def setUp(self):
        super().setUp()
        self.f = self.fake("--key", KEY)
        self.srv = self.ai_server(self.f, "--ai-stall-timeout", "1", "--ai-first-byte-timeout",
                                  "1", key=KEY)
        self.ana, self.bob = self.srv.users("ana", "bob")

    def ask(self, q):
        self.ana.send("gpt: " + q)
        return self.answer(self.bob, "ana")

    def test_401(self):
        self.assertEqual(self.ask("[[error 401]]"),
                         "the API key was rejected (401 invalid_api_key): check OPENAI_API_KEY or "
                         "--ai-key-file")

    def test_429_retried_after_retry_after_then_answered(self):
        self.ana.send("gpt: hola [[fail-first 1 429 retry-after=1]]")
        self.ana.wait_for("[pm] gpt: the API is rate limiting requests; retrying in 1 s")
        self.assertEqual(self.answer(self.bob, "ana"),
                         "You said: ana: hola")
        self.assertEqual(self.f.stats()["total"], 2)

    def test_429_insufficient_quota_is_final(self):
        line = self.ask("[[error 429 insufficient_quota]]")
        self.assertTrue(line.startswith("the API account has no quota left (429 "
                                        "insufficient_quota)"), line)
        self.assertEqual(self.f.stats()["total"], 1)

    def test_500_retried_then_reported(self):
        line = self.ask("[[error 500]]")
        self.assertEqual(line, "the API failed (500 server_error): The server had an error while processing "
                               "your request. Sorry about that!")
        self.assertEqual(self.f.stats()["total"], 3)

    def test_500_once_then_answered(self):
        self.assertEqual(self.ask("hola [[fail-first 1 500]]"), "You said: ana: hola")

    def test_error_inside_a_200_stream(self):
        first = self.ask("[[say a\\nb c d e]] [[stream-error]]")
        self.assertEqual(first, "a")
        self.bob.expect("[#lobby] gpt: b")  # what came before the error is shown
        line = self.bob.readline()
        self.assertIn("the API failed", line)
        self.assertIn("The server had an error while processing your request.", line)

    def test_garbage(self):
        self.ana.send("gpt: [[say uno dos tres cuatro]] [[garbage]]")
        line = self.bob.wait_for(rx(r"\[#lobby\] gpt: (ana: )?(.*)"))
        while "cannot read" not in line.group(2):
            line = self.bob.wait_for(rx(r"\[#lobby\] gpt: (ana: )?(.*)"))
        self.assertIn("the API sent an answer I cannot read", line.group(2))

    def test_html_instead_of_a_stream(self):
        self.assertIn("cannot read (not an event stream)", self.ask("[[garbage html]]"))

    def test_dropped_stream(self):
        self.ana.send("gpt: [[say a\\nb c]] [[drop]]")
        self.assertEqual(self.answer(self.bob, "ana"), "a")
        self.bob.expect(rx(r"\[#lobby\] gpt: (b c|b)"))
        self.bob.wait_for("[#lobby] gpt: the connection to the API broke in the middle of the "
                          "answer; it is incomplete")

    def test_stall_timeout(self):
        self.ana.send("gpt: [[say a\\nb c]] [[stall]]")
        self.assertEqual(self.answer(self.bob, "ana"), "a")
        self.bob.wait_for("[#lobby] gpt: the model stopped answering for 1 s; the answer is "
                          "cut short")
        self.f.wait(client_gone=1)

    def test_first_byte_timeout(self):
        self.assertEqual(self.ask("[[first-byte-delay 4000]]"),
                         "the model did not start answering within 1 s (a local model may "
                         "still be loading); ask again later")

    def test_key_is_sent_and_never_shown(self):
        self.ask("[[error 401]]")
        self.ask("hola")
        self.ana.send("/msg gpt [[error 401]]")
        self.ana.wait_for(rx(r"\[pm\] gpt: the API key was rejected.*"))
        self.assertEqual(self.f.chat_requests()[-1]["headers"]["authorization"], "Bearer " + KEY)
        self.srv.stop()
        for text in [self.srv.log_text(), self.ana.raw.decode(), self.bob.raw.decode()]:
            self.assertNotIn(KEY, text)
            self.assertNotIn(KEY[8:], text)


class Network(AiCase):
    def test_network_down(self):
        srv = self.server("--ai-url", "http://127.0.0.1:%d/v1" % closed_port(), "--ai-rate", "0")
        ana, = srv.users("ana")
        ana.send("gpt: hola")
        line = self.answer(ana, "ana")
        self.assertTrue(line.startswith("cannot reach the API ("), line)

    def test_key_file_and_shutdown_tells_who_waits(self):
        fake = self.fake("--key", KEY)
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "charla-key-%d" % os.getpid())
        with open(path, "w") as f:
            f.write(KEY + "\n")
        self.addCleanup(os.unlink, path)
        srv = self.server("--ai-url", fake.url, "--ai-key-file", path)
        ana, = srv.users("ana")
        ana.send("gpt: hola")
        self.assertEqual(self.answer(ana, "ana"), "You said: ana: hola")
        ana.send("/msg gpt espera [[hold]]")
        fake.wait(held=1)
        srv.terminate()
        ana.wait_for("[pm] gpt: the server is stopping; your question was dropped")
        srv.stop()
        fake.wait(client_gone=1)

    def test_bad_flags(self):
        for args in (["--ai-cap-key", "tokens"], ["--ai-rate", "5/h"], ["--ai-url", "ftp://x"],
                     ["--ask-port", "nope"], ["--no-ai", "--ask-port", "0"]):
            p = harness.run_charlad(*args)
            self.assertEqual(p.returncode, 2, args)
            self.assertTrue(p.stderr.startswith("charlad: "), p.stderr)
        p = harness.run_charlad("--help")
        for flag in ("--ai-url", "--ai-key-file", "--ai-cap-key", "--ask-port", "--no-ai",
                     "--ai-first-byte-timeout", "--ai-memory", "--ai-rate"):
            self.assertIn(flag, p.stdout)


if __name__ == "__main__":
    harness.main()
