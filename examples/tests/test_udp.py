"""Tests of examples/udp: the numbered-datagram sender and the receiver that reports losses.

    test_udp.py CASE SENDER RECEIVER

Loopback does not lose or reorder datagrams by itself, so the tests put a relay between the two
programs that drops, duplicates, delays and injects specific datagrams on purpose. The relay
handles one datagram at a time, so what it forwards arrives at the receiver in the order it was
forwarded, and the receiver's counts can be checked exactly.
"""
import select
import socket
import threading

from exlib import TIMEOUT, Proc, check, run_cases, start_server


class Relay:
    """Receives the sender's datagrams on its own port and forwards them to the receiver.

    drop: data numbers never forwarded; dup: numbers forwarded twice; hold: {n: m} keeps data n
    back until data m has been forwarded (so n arrives after m); drop_end: no end marker is
    forwarded; inject: datagrams sent to the receiver before the first one is forwarded."""

    def __init__(self, family, host, target_port, drop=(), dup=(), hold=None, drop_end=False,
                 inject=()):
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.target = (host, target_port)
        self.drop, self.dup, self.hold = set(drop), set(dup), dict(hold or {})
        self.drop_end, self.inject = drop_end, list(inject)
        self.held = {}
        self.forwarded = []  # what went out, in order, for error messages
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _send(self, data):
        self.sock.sendto(data, self.target)
        self.forwarded.append(data.decode("ascii", "replace"))

    def _run(self):
        while not self.stopping.is_set():
            ready, _, _ = select.select([self.sock], [], [], 0.05)
            if not ready:
                continue
            data = self.sock.recv(2048)
            for extra in self.inject:
                self._send(extra)
            self.inject = []
            kind, _, number = data.decode("ascii").partition(" ")
            if kind == "end":
                if not self.drop_end:
                    self._send(data)
                continue
            seq = int(number)
            if seq in self.drop:
                continue
            if seq in self.hold:
                self.held[self.hold[seq]] = data
                continue
            self._send(data)
            if seq in self.dup:
                self._send(data)
            if seq in self.held:
                self._send(self.held.pop(seq))

    def stop(self):
        self.stopping.set()
        self.thread.join(TIMEOUT)
        self.sock.close()


def report(receiver):
    """The receiver's report: its five lines after "listening on", once it exits by itself."""
    check(receiver.wait() == 0, "receiver failed; %s" % receiver.describe())
    lines = receiver.seen[1:]
    check(len(lines) == 5, "the report should have 5 lines: %r" % lines)
    return lines


def case_relay(binaries, cleanup):
    sender_bin, receiver_bin = binaries
    receiver, port = start_server([receiver_bin, "127.0.0.1", 0])
    cleanup.append(receiver.kill)
    relay = Relay(socket.AF_INET, "127.0.0.1", port, drop=(3, 7), dup=(5,),
                  hold={10: 11, 15: 18}, inject=(b"hola", b"data 0", b"data 99999999"))
    cleanup.append(relay.stop)

    sender = Proc([sender_bin, "127.0.0.1", relay.port, 20])
    cleanup.append(sender.kill)
    check(sender.wait() == 0, "sender failed; %s" % sender.describe())
    check(sender.seen == ["sent 20 datagrams and 3 end markers"], repr(sender.seen))

    # Arrival order: 1 2 4 5 5 6 8 9 11 10 12 13 14 16 17 18 15 19 20, then 3 end markers.
    lines = report(receiver)
    expected = [
        "received 19 data datagrams (18 different), 3 end markers, 3 invalid",
        "expected 20 (from the end marker)",
        "lost 2: 3 7",
        "duplicated 1: 5",
        "reordered 2: 10 15",
    ]
    check(lines == expected, "report %r, expected %r; relay sent %r" % (lines, expected,
                                                                      relay.forwarded))


def case_no_end(binaries, cleanup):
    """Without an end marker the receiver stops after its idle timeout, and cannot know that the
    last datagrams were lost: that is the lesson. The timeout (2 s of silence) is far longer than
    the gaps between datagrams even on a loaded machine, so it only ends the run at the end."""
    sender_bin, receiver_bin = binaries
    receiver, port = start_server([receiver_bin, "-t", "2000", "127.0.0.1", 0])
    cleanup.append(receiver.kill)
    relay = Relay(socket.AF_INET, "127.0.0.1", port, drop=(4, 19, 20), drop_end=True)
    cleanup.append(relay.stop)
    sender = Proc([sender_bin, "127.0.0.1", relay.port, 20])
    cleanup.append(sender.kill)
    check(sender.wait() == 0, "sender failed; %s" % sender.describe())

    lines = report(receiver)
    check(lines[0] == "received 17 data datagrams (17 different), 0 end markers, 0 invalid",
          repr(lines))
    check(lines[1].startswith("expected 18 (the highest number seen"), repr(lines))
    check(lines[2:] == ["lost 1: 4", "duplicated 0", "reordered 0"], repr(lines))


def case_ipv6(binaries, cleanup):
    """Straight from sender to receiver over ::1, which loses nothing."""
    sender_bin, receiver_bin = binaries
    receiver, port = start_server([receiver_bin, "::1", 0])
    cleanup.append(receiver.kill)
    check(receiver.seen[0] == "listening on ::1 port %d" % port, repr(receiver.seen))
    sender = Proc([sender_bin, "::1", port, 50])
    cleanup.append(sender.kill)
    check(sender.wait() == 0, "sender failed; %s" % sender.describe())
    lines = report(receiver)
    check(lines == ["received 50 data datagrams (50 different), 3 end markers, 0 invalid",
                    "expected 50 (from the end marker)",
                    "lost 0", "duplicated 0", "reordered 0"], repr(lines))


def case_refused(binaries, cleanup):
    """UDP never says that nobody is listening, but the kernel does (an ICMP "port unreachable"
    reported on the next send of a connected socket), and the sender explains it."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # now nothing listens on that port
    sender = Proc([binaries[0], "127.0.0.1", port, 1000])
    cleanup.append(sender.kill)
    check(sender.wait() == 1, "the sender should fail; %s" % sender.describe())
    check("nobody is listening" in "".join(sender.err), sender.describe())


if __name__ == "__main__":
    run_cases({"relay": case_relay, "no_end": case_no_end, "ipv6": case_ipv6,
               "refused": case_refused})
