"""Helpers for the charla client's integration tests (standard library only).

- FakeServer: a small multi-user server that speaks docs/protocol.md well enough for the client
  tests, so that they do not depend on charlad being finished.
- ScriptedServer: accepts one connection and lets a test play the server line by line, for the
  cases a real server would not produce on demand (a hostile line, a server that ignores /quit).
- RealServer: runs charlad on an ephemeral loopback port.
- RawUser: a netcat-like user on a plain socket.
- Lines: collects the lines of a stream in a thread so that a test can wait for one, with a
  deadline, instead of sleeping.

Every wait has a deadline; nothing here listens beyond 127.0.0.1.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

TIMEOUT = float(os.environ.get("CHARLA_TEST_TIMEOUT", "15"))
HOST = "127.0.0.1"


def parse_args():
    """Reads --charla and --charlad from the command line; leaves the rest to unittest."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--charla", required=True)
    parser.add_argument("--charlad")
    args, rest = parser.parse_known_args()
    sys.argv[1:] = rest
    return args


class Lines:
    """Reads a binary stream (a pipe or a socket file) to its end in a thread, keeping lines."""

    def __init__(self, stream):
        self.stream = stream
        self.lines = []
        self.data = b""
        self.cond = threading.Condition()
        self.eof = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        partial = b""
        while True:
            try:
                chunk = self.stream.read1(65536) if hasattr(self.stream, "read1") else self.stream.read(65536)
            except (OSError, ValueError):
                chunk = b""
            with self.cond:
                if not chunk:
                    if partial:
                        self.lines.append(partial.decode("utf-8", "replace"))
                    self.eof = True
                    self.cond.notify_all()
                    return
                self.data += chunk
                partial += chunk
                *done, partial = partial.split(b"\n")
                self.lines.extend(x.decode("utf-8", "replace") for x in done)
                self.cond.notify_all()

    def wait(self, pattern, timeout=TIMEOUT, start=0):
        """Returns the first line from `start` on matching the regex `pattern`; fails at the deadline."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines[start:]:
                    if regex.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    raise AssertionError(f"no line matching {pattern!r}; got {self.lines!r}")
                self.cond.wait(left)

    def wait_eof(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.eof:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"stream still open; got {self.lines!r}")
                self.cond.wait(left)
        self.thread.join(timeout)

    def count(self):
        with self.cond:
            return len(self.lines)


class RawUser:
    """A user on a raw socket, as with netcat."""

    def __init__(self, port, name=None):
        self.sock = socket.create_connection((HOST, port), timeout=TIMEOUT)
        self.sock.settimeout(None)
        self.file = self.sock.makefile("rb", buffering=0)
        self.lines = Lines(self.file)
        if name:
            self.lines.wait(r"^\* What is your name\?")
            self.send(name)
            self.lines.wait(r"^\* Welcome, ")

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.lines.wait_eof()
        self.file.close()


class FakeServer:
    """A threaded stand-in for charlad that implements the parts of docs/protocol.md the client
    relies on: greeting, names, rooms, say, /me, /msg, /nick, /join, /part, /who (with the bot
    line charlad is about to add), /help, /quit, salir, the line limit and control-character
    replacement."""

    MAX_LINE = 4096
    WHO_LINE_MAX = 400
    # The assistant, as charlad is about to list it after the members in a /who reply.
    BOT_LINE = '* Bot: gpt (the assistant; ask it with "gpt: question")'
    HELP = [
        "* Commands:",
        "*   /help            this list",
        "*   /nick NEW        change your name",
        "*   /join ROOM       join a room (creating it) and make it current",
        "*   /who [ROOM]      list who is in a room (default: the current one)",
        "*   /msg NAME TEXT   send TEXT to NAME only",
        "*   /quit [REASON]   leave the chat (typing salir does too)",
        "* Anything else you type is said in your current room. Start a line with // to say a "
        "line starting with /.",
    ]

    def __init__(self):
        self.lock = threading.Lock()
        self.users = {}  # folded name -> session
        self.ops = {}    # folded room name -> the session that created it (its operator)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((HOST, 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.sessions = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            if self.closed:
                # Stopped while this thread waited in accept(): the connection is a later
                # test's, which a later server on the same port number is there to take.
                sock.close()
                return
            session = _Session(self, sock)
            with self.lock:
                self.sessions.append(session)
            threading.Thread(target=session.run, daemon=True).start()

    def stop(self):
        self.closed = True
        # close() alone does not wake a thread blocked in accept(), which goes on listening on
        # the port, and could take a later test's connection once the port number is reused;
        # shutdown() stops the listening socket and wakes it.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            sessions = list(self.sessions)
        for s in sessions:
            s.close()

    # Called with self.lock held.
    def members(self, room):
        return [u for u in self.users.values() if room.lower() in u.rooms_folded()]


class _Session:
    def __init__(self, server, sock):
        self.server = server
        self.sock = sock
        self.name = None
        self.rooms = []
        self.send_lock = threading.Lock()

    def rooms_folded(self):
        return [r.lower() for r in self.rooms]

    def send(self, line):
        with self.send_lock:
            try:
                self.sock.sendall(line.encode() + b"\n")
            except OSError:
                pass

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def others(self, room):
        return [u for u in self.server.members(room) if u is not self]

    def run(self):
        with self.server.lock:
            online = len(self.server.users)
        self.send(f"* charlad 0.0-fake on test. {online} people online.")
        self.send("* What is your name? (1-32 characters; no spaces, no ':')")
        reader = self.sock.makefile("rb")
        reason = "connection closed"
        try:
            reason = self.serve(reader)
        except OSError:
            reason = "connection reset"
        finally:
            reader.close()
            self.leave(reason)
            self.close()

    def serve(self, reader):
        """Handles lines until the client leaves; returns the reason others are told."""
        for raw in reader:
            if len(raw.rstrip(b"\r\n")) > FakeServer.MAX_LINE:
                self.send("! Line too long (max 4096 bytes); it was dropped.")
                continue
            line = raw.decode("utf-8", "replace").rstrip("\n").removesuffix("\r")
            line = re.sub(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]", "\ufffd", line)
            if not line:
                continue
            if line.strip().lower() == "salir" or line.lower().split(" ")[0] == "/quit":
                self.send("* Bye.")
                return line[6:] or "bye"
            if self.name is None:
                self.take_name(line)
            else:
                self.command(line)
        return "connection closed"

    def take_name(self, name):
        with self.server.lock:
            bad = not (1 <= len(name) <= 32) or re.search(r"[\s:,]", name) or name[0] in "#/@*!-["
            if bad:
                self.send("! Names are 1-32 characters, without spaces, ':' or ','.")
            elif name.lower() in self.server.users:
                self.send(f"! The name {name} is taken.")
            else:
                self.name = name
                self.rooms = ["#lobby"]
                others = self.others("#lobby")
                self.server.users[name.lower()] = self
                self.send(f"* Welcome, {name}! You are in #lobby with {len(others)} others. "
                          "Type /help for commands.")
                for u in others:
                    u.send(f"[#lobby] -- {name} joined")
                return
        self.send("* What is your name? (1-32 characters; no spaces, no ':')")

    def command(self, line):
        with self.server.lock:
            cur = self.rooms[-1] if self.rooms else None
            if line.startswith("//") or not line.startswith("/"):
                text = line[1:] if line.startswith("//") else line
                if cur is None:
                    self.send("! You are not in any room; /join one.")
                for u in self.others(cur) if cur else []:
                    u.send(f"[{cur}] {self.name}: {text}")
                return
            word, _, rest = line.partition(" ")
            word = word.lower()
            rest = rest.strip()
            if word == "/me" and rest and cur:
                for u in self.others(cur):
                    u.send(f"[{cur}] * {self.name} {rest}")
            elif word == "/msg" and " " in rest:
                to, text = rest.split(" ", 1)
                target = self.server.users.get(to.lower())
                if target:
                    target.send(f"[pm] {self.name}: {text}")
                else:
                    self.send(f"! No such user: {to}")
            elif word == "/join" and rest:
                room = rest if rest.startswith("#") else "#" + rest
                if room.lower() in self.rooms_folded():
                    self.rooms = [r for r in self.rooms if r.lower() != room.lower()]
                else:
                    members = self.server.members(room)
                    if not members and room.lower() != "#lobby":
                        self.server.ops[room.lower()] = self  # the creator runs the room
                    for u in members:
                        u.send(f"[{room}] -- {self.name} joined")
                self.rooms.append(room)
                self.send(f"* You joined {room} ({len(self.server.members(room))} members).")
            elif word == "/part":
                room = (rest if rest.startswith("#") else "#" + rest) if rest else cur
                if room is None or room.lower() not in self.rooms_folded():
                    self.send(f"! You are not in {room}.")
                    return
                self.rooms = [r for r in self.rooms if r.lower() != room.lower()]
                self.send(f"* You left {room}.")
                for u in self.server.members(room):
                    u.send(f"[{room}] -- {self.name} left")
                if cur and room.lower() == cur.lower() and self.rooms:
                    self.send(f"* Your current room is {self.rooms[-1]}.")
            elif word == "/who":
                room = (rest if rest.startswith("#") else "#" + rest) if rest else cur
                members = self.server.members(room) if room else []
                if not members:
                    self.send(f"! No such room: {room}" if rest else
                              "! You are not in any room; /join one.")
                    return
                line = f"* {room} ({len(members)}):"
                op = self.server.ops.get(room.lower())
                for name in [("@" if u is op else "") + u.name
                             for u in sorted(members, key=lambda u: u.name.lower())]:
                    if len(line) + 1 + len(name) > FakeServer.WHO_LINE_MAX:
                        self.send(line)
                        line = f"* {room} (continued):"
                    line += " " + name
                self.send(line)
                self.send(FakeServer.BOT_LINE)
            elif word == "/help":
                for line in FakeServer.HELP:
                    self.send(line)
            elif word == "/nick" and rest:
                old = self.name
                del self.server.users[old.lower()]
                self.name = rest
                self.server.users[rest.lower()] = self
                self.send(f"* You are now known as {rest}.")
                for u in self.server.users.values():
                    if u is not self:
                        u.send(f"-- {old} is now known as {rest}")
            else:
                self.send(f"! Unknown command: {word}. Type /help for the list.")

    def leave(self, reason):
        with self.server.lock:
            if self.name and self.server.users.get(self.name.lower()) is self:
                del self.server.users[self.name.lower()]
                for u in self.server.users.values():
                    u.send(f"-- {self.name} quit ({reason})")


class ScriptedServer:
    """Accepts one connection; the test plays the server with send() and the `lines` reader."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind((HOST, 0))
        self.listener.listen(1)
        self.listener.settimeout(TIMEOUT)
        self.port = self.listener.getsockname()[1]
        self.sock = None
        self.lines = None

    def accept(self, read=True):
        """Takes the connection; with read=False nothing reads it until the test does."""
        self.sock, _ = self.listener.accept()
        self.sock.settimeout(None)
        if read:
            self.file = self.sock.makefile("rb", buffering=0)
            self.lines = Lines(self.file)

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode() + b"\n")

    def close(self):
        if self.sock:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
            self.sock = None
            if self.lines:
                self.lines.wait_eof()
                self.file.close()
        self.listener.close()


class RealServer:
    """charlad on 127.0.0.1 with an ephemeral port, read from its `listening on` log line."""

    def __init__(self, path, *extra):
        # An empty config file of its own: the machine's /etc/charla/charlad.conf stays out.
        self.confdir = tempfile.mkdtemp(prefix="charla-client-test-")
        conf = os.path.join(self.confdir, "charlad.conf")
        os.close(os.open(conf, os.O_WRONLY | os.O_CREAT, 0o600))
        # A data directory of its own too, and no history on join: the tests expect what
        # charlad said before history existed.
        self.proc = subprocess.Popen([path, "--listen", f"{HOST}:0", "--no-irc", "--no-http",
                                      "--config", conf, "--data-dir",
                                      os.path.join(self.confdir, "data"),
                                      "--history-on-join", "0", *extra],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.log = Lines(self.proc.stderr)
        line = self.log.wait(r"listening on (\S+):(\d+)")
        self.port = int(re.search(r"listening on (\S+):(\d+)", line).group(2))

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.wait_eof()
        self.proc.stderr.close()
        shutil.rmtree(self.confdir, ignore_errors=True)


def charla(path, *args, stdin=subprocess.PIPE, env=None):
    """Starts charla with piped stdout and stderr, each read by a Lines."""
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    # charla speaks the environment's language: the tests choose it (English unless they say).
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        e.pop(name, None)
    if env:
        e.update(env)
    proc = subprocess.Popen([path, *args], stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=e)
    proc.out = Lines(proc.stdout)
    proc.err = Lines(proc.stderr)
    return proc


def reap(proc):
    """Kills a process that is still running and closes its pipes (after a failed test)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream:
            try:
                stream.close()
            except OSError:
                pass


def finish(proc, timeout=TIMEOUT):
    """Waits for a process to exit by itself; kills it and fails at the deadline."""
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"{proc.args} did not exit within {timeout} s")


def main():
    unittest.main(verbosity=2)
