"""charlad integration: the admission queue of --max-clients and --max-queue (docs/protocol.md).

Run: python3 test_server_queue.py /path/to/charlad
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import rx  # noqa: E402

FULL = "* The server is full. You are number %d in the queue."
MOVED = "* You are number %d in the queue."
QUEUE_FULL = "! The server is full and so is its queue; try again later."


def queued(srv, label, place):
    """Connects a client that must be told it waits at `place`. Waiting for that line before
    the next connect makes the arrival order certain."""
    c = srv.client(label=label)
    c.expect(FULL % place)
    return c


class Queue(harness.TestCase):
    def test_admitted_in_order_with_places(self):
        srv = self.server("--max-clients", "2")
        ana, bob = srv.users("ana", "bob")
        c3, c4, c5 = (queued(srv, "c%d" % i, i - 2) for i in (3, 4, 5))
        for c in (c3, c4, c5):
            c.expect_silence(0.2)
        # Lines typed while waiting are kept and read after admission.
        c3.send_raw(b"carol\nhola from the queue\n")
        c5.send("eve")
        bob.send("waiting room is full")
        ana.expect("[#lobby] bob: waiting room is full")
        self.assertEqual(bob.sync(), [])
        ana.send("/quit making room")
        ana.expect("* Bye.")
        ana.expect_eof()
        c3.expect(rx(r"\* charlad \S+ on .+\. 1 person online\. " + harness.esc(harness.OFFER_ES)))
        c3.expect(harness.PROMPT)
        c3.expect("* Welcome, carol! You are in #lobby with 1 other. Type /help for commands.")
        bob.expect("-- ana quit (making room)")
        bob.expect("[#lobby] -- carol joined")
        bob.expect("[#lobby] carol: hola from the queue")
        c4.expect(MOVED % 1)
        c5.expect(MOVED % 2)
        # A client leaving the queue moves those behind it only.
        c4.close()
        c5.expect(MOVED % 1)
        self.assertEqual(c3.sync(), [])
        # A client that was never admitted is no news for anyone.
        self.assertEqual(bob.sync(), [])
        # When a named client leaves, the next waiting one comes in with its queued name.
        bob.close()
        c5.expect(rx(r"\* charlad \S+ on .+\. 1 person online\. " + harness.esc(harness.OFFER_ES)))
        c5.expect(harness.PROMPT)
        c5.expect("* Welcome, eve! You are in #lobby with 1 other. Type /help for commands.")
        c3.expect("-- bob quit (connection closed)")
        c3.expect("[#lobby] -- eve joined")
        c5.send("hi carol")
        c3.expect("[#lobby] eve: hi carol")

    def test_unnamed_clients_hold_slots(self):
        # A slot is taken at admission, not at naming: a client still choosing its name counts.
        srv = self.server("--max-clients", "1")
        first = srv.client(label="first")
        first.expect(harness.GREETING)
        first.expect(harness.PROMPT)
        second = queued(srv, "second", 1)
        first.send("salir")  # leaves before naming
        first.expect("* Bye.")
        first.expect_eof()
        second.expect(rx(r"\* charlad \S+ on .+\. 0 people online\. " + harness.esc(harness.OFFER_ES)))
        second.expect(harness.PROMPT)
        second.register("second", greeting=False)

    def test_greeting_counts_everyone_online_named_or_not(self):
        srv = self.server("--max-clients", "2")
        (ana,) = srv.users("ana")
        naming = srv.client(label="naming")  # admitted, still choosing a name: online too
        naming.expect(harness.GREETING)
        naming.expect(harness.PROMPT)
        w = queued(srv, "w", 1)
        ana.send("/quit")
        ana.expect("* Bye.")
        w.expect(rx(r"\* charlad \S+ on .+\. 1 person online\. " + harness.esc(harness.OFFER_ES)))
        w.expect(harness.PROMPT)
        naming.register("zoe", greeting=False)
        w.register("wes", greeting=False)
        later = srv.client(label="later")
        self.assertEqual(later.expect(rx(r"\* The server is full\. .*|\* charlad .*")).group(0),
                         FULL % 1)

    def test_commands_while_queued_run_after_admission(self):
        srv = self.server("--max-clients", "1")
        (ana,) = srv.users("ana")
        w = queued(srv, "w", 1)
        w.send_raw(b"wes\n/join #back\nin the back room\n/quit done waiting\n")
        w.expect_silence(0.2)  # nothing is read while waiting
        ana.send("/join #back")
        ana.expect("* You joined #back (1 member).")
        ana.send("/part #lobby")
        ana.expect("* You left #lobby.")
        ana.send("/nick anna")  # renaming does not free a slot
        ana.expect("* You are now known as anna.")
        w.expect_silence(0.2)
        ana.close()
        w.expect(harness.GREETING)
        w.expect(harness.PROMPT)
        w.expect("* Welcome, wes! You are in #lobby with 0 others. Type /help for commands.")
        w.expect("* You joined #back (1 member).")
        w.expect("* Bye.")
        self.assertEqual(w.expect_eof(), [])

    def test_much_typed_while_queued(self):
        # More than the server keeps while a client waits: the rest stays in the socket (the
        # server stops reading) and nothing is lost or reordered after admission.
        srv = self.server("--max-clients", "2", "--max-line", "100")
        ana, bob = srv.users("ana", "bob")
        w = queued(srv, "w", 1)
        lines = ["queued line %04d %s" % (k, "q" * 40) for k in range(3000)]
        w.send_raw(("wes\n" + "\n".join(lines) + "\n").encode())
        w.expect_silence(0.2)
        bob.close()
        w.expect(harness.GREETING)
        w.expect(harness.PROMPT)
        w.expect(rx(r"\* Welcome, wes! .*"))
        ana.expect("-- bob quit (connection closed)")
        ana.expect("[#lobby] -- wes joined")
        for line in lines:
            ana.expect("[#lobby] wes: " + line)
        self.assertEqual(ana.sync(), [])
        self.assertEqual(w.sync(), [])

    def test_queue_overflow(self):
        srv = self.server("--max-clients", "1", "--max-queue", "2")
        (ana,) = srv.users("ana")
        w1 = queued(srv, "w1", 1)
        w2 = queued(srv, "w2", 2)
        over = srv.client(label="over")
        over.expect(QUEUE_FULL)
        self.assertEqual(over.expect_eof(), [])
        # The queue itself is unharmed: the overflowing client took no place in it.
        w1.close()
        w2.expect(MOVED % 1)
        w3 = queued(srv, "w3", 2)
        ana.send("/quit")
        ana.expect("* Bye.")
        w2.expect(harness.GREETING)
        w3.expect(MOVED % 1)
        w2.expect(harness.PROMPT)
        w2.register("w2", greeting=False)

    def test_zero_queue(self):
        srv = self.server("--max-clients", "1", "--max-queue", "0")
        srv.users("ana")
        over = srv.client(label="over")
        over.expect(QUEUE_FULL)
        self.assertEqual(over.expect_eof(), [])

    def test_queued_client_vanishing_with_reset(self):
        srv = self.server("--max-clients", "1")
        (ana,) = srv.users("ana")
        w1 = queued(srv, "w1", 1)
        w2 = queued(srv, "w2", 2)
        w3 = queued(srv, "w3", 3)
        w1.send_raw(b"half a na")
        w1.reset()
        w2.expect(MOVED % 1)
        w3.expect(MOVED % 2)
        w2.reset()
        w3.expect(MOVED % 1)
        ana.close()
        w3.expect(harness.GREETING)
        w3.expect(harness.PROMPT)
        w3.register("w3", greeting=False)
        w3.send("/who")
        w3.expect("* #lobby (1): w3")

    def test_many_waiting(self):
        srv = self.server("--max-clients", "3")
        admitted = srv.users("a", "b", "c")
        waiting = [queued(srv, "w%d" % i, i + 1) for i in range(20)]
        for i, w in enumerate(waiting):
            w.send("w%d" % i)
        # Free the slots one by one; each time the head of the queue comes in, named.
        for k in range(20):
            out = admitted.pop(0)
            out.send("/quit")
            out.wait_for("* Bye.")  # after the news of earlier quits and joins
            self.assertEqual(out.expect_eof(), [])
            w = waiting[k]
            w.expect(harness.GREETING)
            w.expect(harness.PROMPT)
            w.expect(rx(r"\* Welcome, w%d! .*" % k))
            for j, rest in enumerate(waiting[k + 1:]):
                rest.expect(MOVED % (j + 1))
            admitted.append(w)


if __name__ == "__main__":
    harness.main()
