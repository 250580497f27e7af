#!/usr/bin/env python3
"""charla in a terminal, driven through tmux (send-keys to type, capture-pane to read the screen):
incoming lines appear above the line being typed and leave it intact, history, UTF-8 editing,
colours, the room in the prompt, leaving with Ctrl-D/Ctrl-C and the terminal restored after.
Run against a fake server always, and against charlad when --charlad is given."""

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_client_common as common  # noqa: E402

ARGS = common.parse_args()
HOST = common.HOST
COLS, ROWS = 80, 24
PALETTE = ["31", "32", "33", "35", "36", "91", "92", "93", "95", "96", "38;5;208", "38;5;141"]


def colour_of(name):
    """The client's colour choice for a name (FNV-1a of the lower-cased name, modulo 12)."""
    h = 2166136261
    for b in name.lower().encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return PALETTE[h % len(PALETTE)]


class Tmux:
    """One tmux server on a private socket, with one pane running charla. After charla exits the
    pane prints its exit code and the terminal's icanon and echo settings, then waits."""

    def __init__(self, charla_args, env=None, output_filter=None):
        self.dir = tempfile.mkdtemp(prefix="charla-tty-")
        self.base = ["tmux", "-S", os.path.join(self.dir, "sock"), "-f", "/dev/null"]
        environment = {"LC_ALL": "C.UTF-8", "TERM": "screen", **(env or {})}
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if name in os.environ:
                environment[name] = os.environ[name]
        command = (" ".join(f"{k}={shlex.quote(v)}" for k, v in environment.items())
                   + " " + " ".join(shlex.quote(a) for a in [ARGS.charla, *charla_args])
                   + (f" | {output_filter}" if output_filter else "")
                   + "; echo exit=$?; stty -a | tr ' ;' '\\n\\n' | grep -x -e '-\\?icanon' -e '-\\?echo'"
                   + "; exec cat")
        subprocess.run([*self.base, "new-session", "-d", "-x", str(COLS), "-y", str(ROWS),
                        "-s", "t", "env -u NO_COLOR sh -c " + shlex.quote(command)],
                       check=True, timeout=common.TIMEOUT)

    def capture(self):
        """From now on, copies every byte the pane's program writes (bells included) to a file;
        returns a function that waits until the file contains `text` and returns its bytes."""
        path = os.path.join(self.dir, "output")
        open(path, "wb").close()
        self.tmux("pipe-pane", "-t", "t", "-o", "cat >> " + shlex.quote(path))

        def until(text, timeout=common.TIMEOUT):
            deadline = time.monotonic() + timeout
            while True:
                with open(path, "rb") as f:
                    data = f.read()
                if text.encode() in data:
                    return data
                if time.monotonic() > deadline:
                    raise AssertionError(f"the pane never wrote {text!r}: {data!r}")
                time.sleep(0.02)
        return until

    def tmux(self, *args):
        return subprocess.run([*self.base, *args], check=True, capture_output=True, text=True,
                              timeout=common.TIMEOUT).stdout

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "t", *keys)

    def type(self, text):
        self.tmux("send-keys", "-t", "t", "-l", text)

    def rows(self, escapes=False, history=False):
        out = self.tmux("capture-pane", "-p", *(["-e"] if escapes else []),
                        *(["-S", "-200"] if history else []), "-t", "t")
        return [r.rstrip() for r in out.split("\n")]

    def cursor(self):
        x, y = self.tmux("display", "-p", "-t", "t", "#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    def wait(self, check, what, timeout=common.TIMEOUT):
        """Polls the screen until check(rows) is true; fails with the screen at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            rows = self.rows()
            if check(rows):
                return rows
            if time.monotonic() > deadline:
                raise AssertionError(f"screen never showed {what}:\n" + "\n".join(rows))
            time.sleep(0.02)

    def wait_row(self, pattern, timeout=common.TIMEOUT):
        regex = re.compile(pattern)
        rows = self.wait(lambda rows: any(regex.search(r) for r in rows), repr(pattern), timeout)
        return next(i for i, r in enumerate(rows) if regex.search(r))

    def charla_pid(self):
        """The pid of charla, the child of the pane's shell."""
        shell = self.tmux("display", "-p", "-t", "t", "#{pane_pid}").strip()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == shell and os.readlink(f"/proc/{entry}/exe") == os.path.realpath(ARGS.charla):
                return int(entry)
        raise AssertionError("charla is not running in the pane")

    def last_row(self, rows):
        return max(i for i, r in enumerate(rows) if r)

    def close(self):
        subprocess.run([*self.base, "kill-server"], capture_output=True, timeout=common.TIMEOUT)
        shutil.rmtree(self.dir, ignore_errors=True)


class TerminalTests:
    def setUp(self):
        self.server = self.start_server()
        self.luis = common.RawUser(self.server.port, "luis")
        self.term = Tmux(["-n", "ana", HOST, str(self.server.port)])
        self.addCleanup(self.cleanup)
        self.term.wait_row(r"^\* Welcome, ana!")
        self.term.wait_row(r"^#lobby>$")

    def cleanup(self):
        self.term.close()
        self.luis.close()
        self.server.stop()

    def edit_row_is(self, text):
        """Waits until the last row written (the edit row) reads `text`, trailing spaces aside."""
        def check(rows):
            last = self.term.last_row(rows)
            return rows[last] == text
        rows = self.term.wait(check, f"edit row {text!r}")
        return rows, self.term.last_row(rows)

    def expect_cursor(self, col, row):
        deadline = time.monotonic() + common.TIMEOUT
        while self.term.cursor() != (col, row):
            if time.monotonic() > deadline:
                self.fail(f"cursor at {self.term.cursor()}, expected {(col, row)}")
            time.sleep(0.02)

    def test_incoming_line_appears_above_the_partial_line(self):
        self.term.type("hola a tod")
        self.edit_row_is("#lobby> hola a tod")
        self.luis.send("buenas, ana")

        def ready(rows):
            last = self.term.last_row(rows)
            return rows[last] == "#lobby> hola a tod" and rows[last - 1] == "[#lobby] luis: buenas, ana"
        rows = self.term.wait(ready, "the message above the intact edit row")
        last = self.term.last_row(rows)
        self.expect_cursor(len("#lobby> hola a tod"), last)
        self.assertEqual(sum("hola a tod" in r for r in rows), 1)
        # The line goes on where it was and is sent whole; the client echoes it itself.
        mark = self.luis.lines.count()
        self.term.type("os")
        self.term.keys("Enter")
        self.luis.lines.wait(r"^\[#lobby\] ana: hola a todos$", start=mark)
        self.term.wait_row(r"^\[#lobby\] ana: hola a todos$")
        self.edit_row_is("#lobby>")

    def test_a_long_line_scrolls_and_survives_incoming_lines(self):
        text = "".join(f"w{i:03d}" for i in range(40))
        self.term.type(text)
        # One row, scrolled: a marker where the start is hidden, the tail of the text, the
        # cursor in the next-to-last column.
        width = COLS - 1 - len("#lobby> ")
        rows, last = self.edit_row_is("#lobby> <" + text[-(width - 2):])
        self.expect_cursor(COLS - 2, last)
        self.luis.send("interrupting")
        rows = self.term.wait(lambda rows: rows[self.term.last_row(rows) - 1] ==
                              "[#lobby] luis: interrupting", "the message above the long line")
        # No piece of the long line was left behind above the message.
        self.assertEqual(sum(text[-20:] in r for r in rows), 1)
        self.assertFalse(any(text[:20] in r for r in rows))
        mark = self.luis.lines.count()
        self.term.keys("Enter")
        self.luis.lines.wait(rf"^\[#lobby\] ana: {text}$", start=mark)

    def test_markers_show_where_a_long_line_is_hidden(self):
        text = "".join(f"w{i:03d}" for i in range(40))
        width = COLS - 1 - len("#lobby> ")
        self.term.type(text)
        self.edit_row_is("#lobby> <" + text[-(width - 2):])
        # Moved back into the line: hidden on both sides, the cursor before the right marker.
        self.term.keys(*["Left"] * 20)
        cur = len(text) - 20
        rows, last = self.edit_row_is("#lobby> <" + text[cur - (width - 3):cur + 1] + ">")
        self.expect_cursor(COLS - 3, last)
        self.term.keys("Home")
        rows, last = self.edit_row_is("#lobby> " + text[:width - 1] + ">")
        self.expect_cursor(len("#lobby> "), last)
        self.term.keys("End")
        self.edit_row_is("#lobby> <" + text[-(width - 2):])
        # A line that fits has no marker.
        self.term.keys("C-c")
        self.term.type("x" * (width - 1))
        self.edit_row_is("#lobby> " + "x" * (width - 1))

    def user(self, name):
        u = common.RawUser(self.server.port, name)
        self.addCleanup(u.close)
        return u

    def synced(self, term=None):
        """Waits until the server has answered everything the client sent so far (its own /who
        after the welcome included): a command sent now is answered after those."""
        term = term or self.term
        self.__dict__["syncs"] = self.__dict__.get("syncs", 0) + 1
        word = f"/sync{self.syncs}"
        term.type(word)
        term.keys("Enter")
        term.wait_row(rf"^! Unknown command: {word}\.")

    def test_tab_completes_a_member_and_addresses_them(self):
        # luis was in the room before ana: only the client's own /who can have told it so.
        self.synced()
        self.term.type("lu")
        self.term.keys("Tab")
        rows, last = self.edit_row_is("#lobby> luis:")
        self.expect_cursor(len("#lobby> luis: "), last)
        mark = self.luis.lines.count()
        self.term.type("hola")
        self.term.keys("Enter")
        self.luis.lines.wait(r"^\[#lobby\] ana: luis: hola$", start=mark)
        # That /who and its reply stayed out of sight.
        self.assertFalse(any(r.startswith("* #lobby (") for r in self.term.rows()))
        self.assertFalse(any("Unknown command: /who" in r for r in self.term.rows()))
        # Later in the line a name gets a space; case does not matter; '@' stays.
        self.term.type("hola @LU")
        self.term.keys("Tab")
        self.edit_row_is("#lobby> hola @luis")
        self.expect_cursor(len("#lobby> hola @luis "), self.term.last_row(self.term.rows()))

    def test_tab_twice_lists_the_choices(self):
        self.user("bea")
        self.term.wait_row(r"^\[#lobby\] -- bea joined$")
        self.user("benito")
        self.term.wait_row(r"^\[#lobby\] -- benito joined$")
        self.term.type("hola b")
        self.term.keys("Tab")
        self.edit_row_is("#lobby> hola be")
        self.term.keys("Tab")
        self.term.wait_row(r"^\*  bea  benito$")
        self.edit_row_is("#lobby> hola be")
        self.term.type("n")
        self.term.keys("Tab")
        self.edit_row_is("#lobby> hola benito")
        mark = self.luis.lines.count()
        self.term.keys("Enter")
        self.luis.lines.wait(r"^\[#lobby\] ana: hola benito $", start=mark)

    def test_tab_follows_quits_renames_and_rooms(self):
        lucas = self.user("lucas")
        self.term.wait_row(r"^\[#lobby\] -- lucas joined$")
        self.term.type("lu")
        self.term.keys("Tab")
        self.edit_row_is("#lobby> lu")
        lucas.send("/quit")
        self.term.wait_row(r"^-- lucas quit")
        self.term.keys("Tab")
        self.edit_row_is("#lobby> luis:")
        self.term.keys("C-u")
        self.luis.send("/nick luisito")
        self.term.wait_row(r"^-- luis is now known as luisito$")
        self.term.type("lu")
        self.term.keys("Tab")
        self.edit_row_is("#lobby> luisito:")
        self.term.keys("C-u")
        # In another room, its own members: luis is not in #dev.
        self.term.type("/join #dev")
        self.term.keys("Enter")
        self.edit_row_is("#dev>")
        self.synced()
        self.term.type("lu")
        self.term.keys("Tab")
        self.edit_row_is("#dev> lu")
        self.luis.send("/join #dev")
        self.term.wait_row(r"^\[#dev\] -- luisito joined$")
        self.term.keys("Tab")
        self.edit_row_is("#dev> luisito:")
        # A /who the user types is shown.
        self.term.keys("C-u")
        self.term.type("/who")
        self.term.keys("Enter")
        self.term.wait_row(r"^\* #dev \(2\): @ana luisito$")

    def test_tab_completes_commands(self):
        self.term.type("/jo")
        self.term.keys("Tab")
        self.edit_row_is("#lobby> /join")
        self.term.keys("C-u")
        self.term.type("/st")
        self.term.keys("Tab")
        self.edit_row_is("#lobby> /stats")
        self.term.keys("C-u")
        self.term.type("/m")
        self.term.keys("Tab", "Tab")
        self.term.wait_row(r"^\*  /me  /msg$")

    def test_a_mention_is_highlighted_and_rings_once(self):
        output = self.term.capture()
        self.luis.send("mariana y anabel")
        self.term.wait_row(r"^\[#lobby\] luis: mariana y anabel$")
        self.luis.send("hola @Ana, ANA: ¿vienes?")
        self.term.wait_row(r"^\[#lobby\] luis: hola @Ana, ANA: ¿vienes\?$")
        self.luis.send("/me saluda a ana")
        self.term.wait_row(r"^\[#lobby\] \* luis saluda a ana$")
        self.luis.send("sync one")
        data = output("sync one")
        self.assertEqual(data.count(b"\a"), 2)
        rows = self.term.rows(escapes=True)
        mention = next(r for r in rows if "¿vienes?" in r)
        self.assertIn("\x1b[7mhola @Ana, ANA: ¿vienes?", mention)
        plain = next(r for r in rows if "anabel" in r)
        self.assertNotIn("\x1b[7m", plain)
        # Your own lines are not mentions.
        self.term.type("ana says hola")
        self.term.keys("Enter")
        self.term.wait_row(r"^\[#lobby\] ana: ana says hola$")
        self.luis.send("sync two")
        self.assertEqual(output("sync two").count(b"\a"), 2)

    def test_a_private_message_rings_once_per_run(self):
        output = self.term.capture()
        self.luis.send("/msg ana psst")
        self.luis.send("/msg ana are you there?")
        self.term.wait_row(r"^\[pm\] luis: are you there\?$")
        self.luis.send("sync one")
        self.assertEqual(output("sync one").count(b"\a"), 1)
        self.luis.send("/msg ana again")
        self.term.wait_row(r"^\[pm\] luis: again$")
        self.luis.send("sync two")
        self.assertEqual(output("sync two").count(b"\a"), 2)

    def test_no_bell_turns_the_bell_off(self):
        term = self.other_terminal("bea", args=["--no-bell"])
        term.wait_row(r"^#lobby>$")
        output = term.capture()
        self.luis.send("bea: hola")
        self.luis.send("/msg bea psst")
        term.wait_row(r"^\[pm\] luis: psst$")
        self.luis.send("sync")
        self.assertNotIn(b"\a", output("sync"))
        self.assertTrue(any("\x1b[7mbea: hola" in r for r in term.rows(escapes=True)))

    def test_help_adds_the_clients_own_section(self):
        self.term.type("/help")
        self.term.keys("Enter")
        self.term.wait_row(r"^\*   Ctrl-L ")
        rows = self.term.rows(history=True)
        head = rows.index("* Commands:")
        tail = next(i for i, r in enumerate(rows) if r.startswith("* Anything else you type"))
        own = rows.index("* charla, this client:")
        self.assertLess(head, tail)
        # Right after the server's last line (which wraps on 80 columns).
        self.assertTrue(rows[tail].startswith("* Anything else") and 0 < own - tail <= 2)
        self.assertTrue("".join(rows[tail:own]).endswith("starting with /."))
        section = rows[own:]
        for key in ("/stats", "Tab", "Up, Down", "Ctrl-C", "Ctrl-D", "Ctrl-L"):
            self.assertTrue(any(r.startswith(f"*   {key} ") for r in section), key)
        # How to ask the assistant, when the server has one (its /help lists /ask): once, from
        # the server when it says it, else from charla.
        has_assistant = any(r.startswith("*   /ask ") for r in rows[head:tail])
        asks = [r for r in rows[head:] if r.startswith("*   gpt: QUESTION ")]
        self.assertEqual(len(asks), 1 if has_assistant else 0)

    def test_history_recall_with_the_up_arrow(self):
        mark = self.luis.lines.count()
        for line in ("primero", "segundo"):
            self.term.type(line)
            self.term.keys("Enter")
            self.luis.lines.wait(rf"^\[#lobby\] ana: {line}$", start=mark)
        self.term.type("borrador")
        self.term.keys("Up")
        self.edit_row_is("#lobby> segundo")
        self.term.keys("Up")
        self.edit_row_is("#lobby> primero")
        self.term.keys("Down", "Down")
        self.edit_row_is("#lobby> borrador")
        self.term.keys("C-u", "Up", "Up")
        self.edit_row_is("#lobby> primero")
        mark = self.luis.lines.count()
        self.term.keys("Enter")
        self.luis.lines.wait(r"^\[#lobby\] ana: primero$", start=mark)

    def test_editing_keys_work_by_character(self):
        self.term.type("cañon")
        self.term.keys("Left", "Left", "BSpace")
        self.edit_row_is("#lobby> caon")
        self.expect_cursor(len("#lobby> ca"), self.term.last_row(self.term.rows()))
        self.term.type("ñ")
        self.term.keys("Home")
        self.term.type("¡")
        self.term.keys("End")
        self.term.type("! y más cosas")
        self.term.keys("C-w")
        self.edit_row_is("#lobby> ¡cañon! y más")
        self.term.keys("C-a", "DC")  # Delete
        self.term.keys("C-e", "Left", "Left", "Left", "Left", "C-k", "BSpace")
        self.edit_row_is("#lobby> cañon! y")
        self.term.keys("C-a", "C-d", "C-d")  # Ctrl-D on a non-empty line deletes forward
        self.edit_row_is("#lobby> ñon! y")
        mark = self.luis.lines.count()
        self.term.keys("Enter")
        self.luis.lines.wait(r"^\[#lobby\] ana: ñon! y$", start=mark)
        self.term.type("basura")
        self.term.keys("C-u")
        self.term.type("limpio")
        self.term.keys("Enter")
        self.luis.lines.wait(r"^\[#lobby\] ana: limpio$", start=mark)

    def test_colours_and_styles(self):
        self.luis.send("hola")
        self.term.wait_row(r"^\[#lobby\] luis: hola$")
        self.term.type("hola luis")
        self.term.keys("Enter")
        self.term.wait_row(r"^\[#lobby\] ana: hola luis$")
        self.term.type("/nosuchcommand")
        self.term.keys("Enter")
        self.term.wait_row(r"^! Unknown command")
        rows = self.term.rows(escapes=True)
        theirs = next(r for r in rows if "luis\x1b" in r and ": hola" in r)
        self.assertIn(f"\x1b[{colour_of('luis')}mluis", theirs)
        mine = next(r for r in rows if "ana\x1b" in r and ": hola luis" in r)
        self.assertIn("\x1b[1mana", mine)
        self.assertIn("\x1b[34m", mine)  # the room tag
        error = next(r for r in rows if "! Unknown command" in r)
        before = error[:error.index("! Unknown")]
        self.assertRegex(before, r"\x1b\[(\d+;)*31(;\d+)*m")
        self.assertRegex(before, r"\x1b\[(\d+;)*1(;\d+)*m")

    def test_prompt_follows_the_current_room(self):
        self.term.type("/join #dev")
        self.term.keys("Enter")
        self.term.wait_row(r"^\* You joined #dev")
        self.edit_row_is("#dev>")
        self.term.type("/me saluda")
        self.term.keys("Enter")
        self.term.wait_row(r"^\[#dev\] \* ana saluda$")
        self.term.type("/part")
        self.term.keys("Enter")
        self.term.wait_row(r"^\* You left #dev\.$")
        self.edit_row_is("#lobby>")

    def test_ctrl_d_on_an_empty_line_leaves_and_restores_the_terminal(self):
        mark = self.luis.lines.count()
        self.term.keys("C-d")
        self.term.wait_row(r"^exit=0$")
        self.term.wait_row(r"^icanon$")
        self.term.wait_row(r"^echo$")
        self.luis.lines.wait(r"^-- ana quit", start=mark)

    def test_ctrl_c_throws_a_typed_line_away_and_leaves_on_an_empty_one(self):
        self.term.type("half a line")
        self.term.keys("C-c")
        self.edit_row_is("#lobby>")
        mark = self.luis.lines.count()
        self.term.type("hola")
        self.term.keys("Enter")
        self.luis.lines.wait(r"^\[#lobby\] ana: hola$", start=mark)
        # A line recalled from the history is thrown away too, and the history stays.
        self.term.keys("Up")
        self.edit_row_is("#lobby> hola")
        self.term.keys("C-c")
        self.edit_row_is("#lobby>")
        self.term.keys("Up")
        self.edit_row_is("#lobby> hola")
        self.term.keys("C-c", "C-c")
        self.term.wait_row(r"^exit=0$")
        self.term.wait_row(r"^icanon$")
        self.luis.lines.wait(r"^-- ana quit", start=mark)
        self.assertFalse(any("half a line" in line for line in self.luis.lines.lines))

    def test_typed_quit_leaves(self):
        self.term.type("/quit")
        self.term.keys("Enter")
        self.term.wait_row(r"^\* Bye\.$")
        self.term.wait_row(r"^exit=0$")

    def test_lost_connection_restores_the_terminal_before_the_message(self):
        self.server.stop()
        row = self.term.wait_row(r"^charla: lost connection to ")
        self.term.wait_row(r"^exit=5$")
        self.term.wait_row(r"^icanon$")
        self.term.wait_row(r"^echo$")
        # The message starts at the left margin: the edit row was erased first.
        self.assertFalse(self.term.rows()[row].startswith("#lobby>"))

    def test_window_resize_redraws_the_edit_row(self):
        text = "0123456789" * 6
        self.term.type(text)
        self.edit_row_is("#lobby> " + text)
        self.term.tmux("resize-window", "-t", "t", "-x", "40")
        self.edit_row_is("#lobby> <" + text[-(40 - 3 - len("#lobby> ")):])

    def test_too_long_a_line_is_refused_with_a_notice(self):
        self.term.type("x" * 4000)
        self.term.type("y" * 200)
        self.term.wait_row(r"^! Line too long: the server takes at most 4096 bytes\.$")
        self.term.type("z" * 10)
        self.term.keys("Left")
        self.edit_row_is("#lobby> <" + "y" * 69)  # scrolled: 68 before the cursor, 1 under it
        # Said once per line, however many more keys are refused.
        self.assertEqual(sum("Line too long" in r for r in self.term.rows()), 1)
        mark = self.luis.lines.count()
        self.term.keys("Enter")
        line = self.luis.lines.wait(r"^\[#lobby\] ana: x+y+$", start=mark)
        self.assertEqual(len(line), len("[#lobby] ana: ") + 4096)


    def other_terminal(self, name, args=(), port=None, **kw):
        term = Tmux([*args, "-n", name, HOST, str(port or self.server.port)], **kw)
        self.addCleanup(term.close)
        return term

    def test_the_prompt_answered_by_the_name_option_is_not_shown(self):
        self.assertFalse(any("What is your name" in r for r in self.term.rows()))

    def test_a_taken_name_asks_for_another(self):
        term = self.other_terminal("luis")
        error = term.wait_row(r"^! The name luis is taken")
        prompt = term.wait_row(r"^\* What is your name\?")
        # Only the prompt for the user, after the refusal: the first was the client's to answer.
        self.assertGreater(prompt, error)
        self.assertEqual(sum("What is your name" in r for r in term.rows()), 1)
        term.type("lucas")
        term.keys("Enter")
        term.wait_row(r"^\* Welcome, lucas!")
        term.wait_row(r"^#lobby>$")

    def test_ctrl_l_clears_the_screen_and_redraws_the_line(self):
        self.term.type("still here")
        self.term.keys("C-l")
        self.term.wait(lambda rows: rows[0] == "#lobby> still here" and not any(rows[1:]),
                       "only the edit row, at the top")

    def test_an_abort_still_restores_the_terminal(self):
        # abort() is how the client dies when memory runs out (xmalloc).
        os.kill(self.term.charla_pid(), signal.SIGABRT)
        self.term.wait_row(r"^exit=134$")
        self.term.wait_row(r"^icanon$")
        self.term.wait_row(r"^echo$")

    def test_no_color_turns_styles_off(self):
        term = self.other_terminal("bea", env={"NO_COLOR": "1"})
        term.wait_row(r"^#lobby>$")
        self.luis.send("sin colores")
        term.wait_row(r"^\[#lobby\] luis: sin colores$")
        self.assertFalse(any("\x1b" in r for r in term.rows(escapes=True)))

    def test_terminal_input_with_output_to_a_pipe_reads_lines(self):
        # Standard output is not a terminal: no editor, no echo, no colour; the terminal's own
        # line editing (cooked mode) delivers whole lines.
        term = self.other_terminal("cris", output_filter="cat")
        term.wait_row(r"^\* Welcome, cris!")
        mark = self.luis.lines.count()
        term.type("por la tuberia")
        term.keys("Enter")
        self.luis.lines.wait(r"^\[#lobby\] cris: por la tuberia$", start=mark)
        self.luis.send("recibido")
        term.wait_row(r"^\[#lobby\] luis: recibido$")
        self.assertFalse(any("\x1b" in r for r in term.rows(escapes=True)))
        self.assertFalse(any(r.startswith("[#lobby] cris:") for r in term.rows()))


class FakeServerTerminal(TerminalTests, unittest.TestCase):
    def start_server(self):
        return common.FakeServer()

    def test_tab_completes_the_bots_the_server_lists(self):
        # The fake lists its assistant after the members, as charlad is about to; the client
        # hides that line with the rest of its own /who reply.
        self.synced()
        self.term.type("gp")
        self.term.keys("Tab")
        self.edit_row_is("#lobby> gpt:")
        self.assertFalse(any(r.startswith("* Bot:") for r in self.term.rows()))


if ARGS.charlad:
    class RealServerTerminal(TerminalTests, unittest.TestCase):
        def start_server(self):
            return common.RealServer(ARGS.charlad)

        def test_tab_over_udp(self):
            log = r"receiving datagrams on 127\.0\.0\.1:(\d+) \(udp\)"
            port = re.search(log, self.server.log.wait(log)).group(1)
            term = self.other_terminal("bea", args=["--udp"], port=port)
            term.wait_row(r"^\* Welcome, bea!")
            self.synced(term)
            term.type("lu")
            term.keys("Tab")
            term.wait(lambda rows: rows[self.term.last_row(rows)] == "#lobby> luis:",
                      "the name completed")
            self.assertFalse(any(r.startswith("* #lobby (") for r in term.rows()))


if __name__ == "__main__":
    common.main()
