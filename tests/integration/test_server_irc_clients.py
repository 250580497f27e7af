"""charlad integration: real IRC clients (WeeChat and irssi, the Debian packages) chat with a
netcat user, as a new user would try them (issue: "irssi and WeeChat connect, join #lobby, chat
with a netcat user, change nick, get ops, set a topic").

Run: python3 test_server_irc_clients.py /path/to/charlad

Each test starts charlad with --irc-listen 127.0.0.1:0 --no-ai --irc-ping 1, a harness netcat
user "ana", and one real client in a throwaway directory: its configuration, logs and sockets
live there, and it runs with HOME pointing there too, so no user configuration is read or
written; LC_ALL=C.UTF-8, as the logs are read in English. The scenario, checked from both sides:

    the client joins #lobby            ana sees "[#lobby] -- NICK joined"; the client's
                                       queries after a join (MODE, WHO, bans) are answered
    it types a line in #lobby          ana sees "[#lobby] NICK: text"
    ana types a line                   it appears in the client's #lobby log
    /nick NEW                          ana sees "-- NICK is now known as NEW"
    /join #aula (a new room)           the client's own names say it is the room's only op
    ana types /join #aula; /op ana     ana sees "[#aula] -- NEW made ana an operator"
    /topic TEXT                        ana sees "[#aula] -- NEW set the topic: TEXT"
    (silent for a second)              charlad PINGs it (--irc-ping 1); it answers PONG
    /quit REASON                       ana sees "-- NEW quit (Quit: REASON)"; the client exits

and, at the end, the client's raw protocol log has no error numeric (4xx or 5xx) from charlad:
nothing it sent went unanswered as unknown (421) or was refused.

How each client is driven
-------------------------
WeeChat: weechat-headless (no terminal at all) with --dir in the temporary directory and only the
irc, fifo and logger plugins. --run-command sets it up like a user would with /set and
/server add, and connects (the server's autojoin is #lobby). After that, commands go through
the FIFO plugin's pipe (weechat_fifo_PID in that directory), as lines "BUFFER *TEXT": TEXT is
typed in BUFFER, a command if it starts with '/'. The pipe is opened once and kept open: a
writer that closes it makes the plugin reopen it, and a line written in that window is lost.
What the user sees is read back from the logger plugin's files (flushed at once:
logger.file.flush_delay 0); the raw buffer (/server raw) is logged too, for the protocol check.
WeeChat's anti-flood delay (2 s between commands in 3.8) is turned off.

irssi: its only front end (fe-text) needs a terminal, so it runs in a detached tmux session on a
private socket in the temporary directory (tmux -S SOCKET -f /dev/null: no tmux configuration
either), with --home there. Its config file is written first: a chatnet, a server with
autoconnect and #lobby with autojoin (what /network add, /server add -auto and /channel add
-auto would save), autolog into the directory, its command queue off (cmd_queue_speed) so that
commands are not spaced 2.2 s apart, and paste detection off so that typed lines are never held
as a paste. The chatnet's autosendcmd opens a raw log as soon as the client is registered
(irssi first writes the lines it kept from before, registration included). Keys are typed with
tmux send-keys (text, then Enter), each line into the window it is meant for (/window goto
first), exactly as a user types. What the user sees is read back from irssi's autolog files,
not from the screen: a log line does not depend on the window's size, wrapping or scrolling,
and it is written as the line is printed (capture-pane is only shown when a wait fails). A Perl
script could run the commands too, but irssi would still need the terminal, and typing is what
a user does.

Both join #lobby by autojoin, as configured: the join, seen by netcat, is the marker that the
client is registered and ready for typed commands (a /join typed earlier would be refused by the
client itself, "not connected"); #aula is joined by a typed /join.

Observing a client's files is polling with a deadline (what an external program writes cannot
be waited on otherwise); the netcat side waits on lines with deadlines, never on sleeps. Every
process started here (charlad, weechat-headless, the tmux server and irssi under it) is stopped
by a cleanup, also when the test fails.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SERVER_NAME = "charla.test"
NETWORK = "charla"  # the client-side name of the connection (WeeChat server, irssi chatnet)
POLL = 0.02         # seconds between two looks at a client's files
# An error numeric from charlad in a raw log line: ":charla.test 421 nick CMD :Unknown command".
ERROR_NUMERIC = re.compile(r":%s ([45]\d\d .*)" % re.escape(SERVER_NAME))
# The error every client gets at registration here: charlad runs without --motd.
NO_MOTD = r"422 \S+ :MOTD File is missing"


def client_env(tmp):
    """The environment of a client: its own HOME, English texts, and no outer tmux."""
    env = dict(os.environ, HOME=tmp, LANG="C.UTF-8", LC_ALL="C.UTF-8")
    for var in ("TMUX", "TMUX_PANE", "WEECHAT_HOME"):
        env.pop(var, None)
    return env


def _tail(path, n=15):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        return "    (%s)" % e
    return "\n".join("    " + l for l in lines[-n:]) or "    (empty)"


def wait_file(path, pattern, what, timeout=harness.TIMEOUT, also=()):
    """Polls `path` until the regex `pattern` is found in it (re.M); returns the match.
    On the deadline fails with the file's tail and those of `also` (other files to show)."""
    rx = re.compile(pattern, re.M)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                m = rx.search(f.read())
            if m:
                return m
        except FileNotFoundError:
            pass
        if time.monotonic() >= deadline:
            shown = "".join("\n  %s:\n%s" % (p, _tail(p)) for p in (path,) + tuple(also))
            raise AssertionError("%s: /%s/ not in %s within %.1f s%s"
                                 % (what, pattern, os.path.basename(path), timeout, shown))
        time.sleep(POLL)


def wait_until(cond, what, timeout=harness.TIMEOUT):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() >= deadline:
            raise AssertionError("%s: not within %.1f s" % (what, timeout))
        time.sleep(POLL)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is as good as gone (its parent, the tmux server, reaps it).
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class WeeChat:
    """weechat-headless, configured by --run-command, driven through its FIFO pipe."""

    label = "WeeChat"
    expected_errors = (NO_MOTD,)

    def __init__(self, test, tmp, port, nick):
        self.dir = os.path.join(tmp, "weechat")
        os.mkdir(self.dir)
        setup = [
            "/set logger.file.flush_delay 0",
            # 3.8 spaces commands 2 s apart; 4.x names the option anti_flood (in ms).
            "/set irc.server_default.anti_flood_prio_high 0",
            "/set irc.server_default.anti_flood_prio_low 0",
            "/server raw",
            "/command -buffer irc.irc_raw * /buffer delvar no_log",
            "/server add %s 127.0.0.1/%d -notls" % (NETWORK, port),
            "/set irc.server.%s.nicks %s" % (NETWORK, nick),
            "/set irc.server.%s.username weeuser" % NETWORK,
            '/set irc.server.%s.realname "Wee Chat"' % NETWORK,
            "/set irc.server.%s.autojoin #lobby" % NETWORK,
            "/connect %s" % NETWORK,
        ]
        self.out = open(os.path.join(tmp, "weechat.out"), "wb")
        self.proc = subprocess.Popen(
            ["weechat-headless", "--dir", self.dir, "--plugins", "irc,fifo,logger",
             "--run-command", ";".join(setup)],
            stdin=subprocess.DEVNULL, stdout=self.out, stderr=subprocess.STDOUT,
            env=client_env(tmp), start_new_session=True)
        self.fifo = None
        test.addCleanup(self.stop)
        path = os.path.join(self.dir, "weechat_fifo_%d" % self.proc.pid)

        def opened():
            try:
                self.fifo = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except (FileNotFoundError, OSError):
                if self.proc.poll() is not None:
                    raise AssertionError("weechat-headless exited (%s):\n%s" % (
                        self.proc.returncode, _tail(self.out.name)))
                return False
            return True
        wait_until(opened, "WeeChat's FIFO pipe %s" % path)

    def _send(self, buffer, text):
        os.write(self.fifo, ("%s *%s\n" % (buffer, text)).encode("utf-8"))

    def type(self, channel, text):
        """Types `text` (a line or a /command) in the channel's buffer."""
        self._send("irc.%s.%s" % (NETWORK, channel), text)

    def log(self, channel):
        return os.path.join(self.dir, "logs", "irc.%s.%s.weechatlog" % (NETWORK, channel))

    def raw_log(self):
        return os.path.join(self.dir, "logs", "irc.irc_raw.weechatlog")

    def server_log(self):
        return os.path.join(self.dir, "logs", "irc.server.%s.weechatlog" % NETWORK)

    def wait(self, channel, pattern, what):
        return wait_file(self.log(channel), pattern, "%s: %s" % (self.label, what),
                         also=(self.server_log(), self.raw_log()))

    def wait_sent(self, pattern, what):
        """Waits for a line the client sent (`pattern` matches all of it) in its raw log."""
        return wait_file(self.raw_log(), r"\t<-- %s\t%s$" % (NETWORK, pattern),
                         "%s: %s" % (self.label, what))

    # What the logs say, by event (WeeChat 3.8's English texts).
    def joined(self, nick, channel):
        return r"\t-->\t%s \(.*has joined %s$" % (re.escape(nick), re.escape(channel))

    def said(self, nick, text):
        return r"\t[@+ ]?%s\t%s$" % (re.escape(nick), re.escape(text))

    def renamed(self, new):
        return r"\tYou are now known as %s$" % re.escape(new)

    def synced(self, channel):
        # Printed from 329, the end of the reply to the MODE query WeeChat sends after a
        # join (with WHO %cuhsnfdar, answered before it).
        return r"\t--\tChannel created on "

    def sole_op(self, channel):
        return r"Channel %s: 1 nick \(1 op, 0 voices, 0 normals?\)" % re.escape(channel)

    def wait_gone(self):
        try:
            self.proc.wait(harness.TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError("WeeChat did not exit within %.1f s of /quit" % harness.TIMEOUT)

    def stop(self):
        if self.fifo is not None:
            os.close(self.fifo)
            self.fifo = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.out.close()


class Irssi:
    """irssi in a detached tmux session on a private socket, typed into with send-keys."""

    label = "irssi"
    # Before registering, irssi sends "JOIN :" to tell a server without CAP (which would answer
    # 451 at once, before any CAP reply) from one with it; 451 is the answer it expects.
    expected_errors = (NO_MOTD, r"451 \* :You have not registered")

    def __init__(self, test, tmp, port, nick):
        self.home = os.path.join(tmp, "irssi")
        self.env = client_env(tmp)
        os.mkdir(self.home)
        self.logs = os.path.join(self.home, "logs")
        self.raw = os.path.join(self.home, "raw.log")
        self.sock = os.path.join(tmp, "tmux.sock")
        self.pane_pid = self.server_pid = None
        with open(os.path.join(self.home, "config"), "w") as f:
            f.write(IRSSI_CONFIG % {
                "port": port, "net": NETWORK, "nick": nick, "raw": self.raw,
                "logs": os.path.join(self.logs, "$0.log")})
        test.addCleanup(self.stop)
        self._tmux("new-session", "-d", "-s", "irc", "-x", "160", "-y", "48",
                   "env", "TERM=screen", "irssi", "--home=" + self.home)
        out = self._tmux("display-message", "-p", "-t", "irc", "#{pid} #{pane_pid}")
        self.server_pid, self.pane_pid = (int(w) for w in out.split())

    def _tmux(self, *args, check=True):
        p = subprocess.run(["tmux", "-S", self.sock, "-f", "/dev/null"] + list(args),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10,
                           env=self.env)
        if check and p.returncode != 0:
            raise AssertionError("tmux %s failed (%d): %s" % (args[0], p.returncode,
                                                             p.stderr.strip()))
        return p.stdout

    def _keys(self, line):
        # tmux would take a ';' ending an argument for the end of its command.
        assert not line.endswith(";"), line
        self._tmux("send-keys", "-t", "irc", "-l", line)
        self._tmux("send-keys", "-t", "irc", "Enter")

    def type(self, channel, text):
        """Types `text` (a line or a /command) in the channel's window."""
        self._keys("/window goto %s" % channel)
        self._keys(text)

    def log(self, channel):
        return os.path.join(self.logs, "%s.log" % channel)

    def raw_log(self):
        return self.raw

    def screen(self):
        try:
            return self._tmux("capture-pane", "-p", "-t", "irc")
        except AssertionError as e:
            return str(e)

    def wait(self, channel, pattern, what):
        try:
            return wait_file(self.log(channel), pattern, "%s: %s" % (self.label, what),
                             also=(self.raw,))
        except AssertionError as e:
            raise AssertionError("%s\n  screen:\n%s" % (e, self.screen()))

    def wait_sent(self, pattern, what):
        """Waits for a line the client sent (`pattern` matches all of it) in its raw log."""
        return wait_file(self.raw, r"^<< %s$" % pattern, "%s: %s" % (self.label, what))

    # What the logs say, by event (irssi 1.4's default theme).
    def joined(self, nick, channel):
        return r" -!- %s \[.*\] has joined %s$" % (re.escape(nick), re.escape(channel))

    def said(self, nick, text):
        return r" <[@+ ]?%s> %s$" % (re.escape(nick), re.escape(text))

    def renamed(self, new):
        return r" -!- You're now known as %s$" % re.escape(new)

    def synced(self, channel):
        # irssi's channel sync: MODE #chan, WHO #chan %tcuhnfdar,743 and MODE #chan b, each
        # answered to its end (324, 315, 368).
        return r"Irssi: Join to %s was synced in \d+ secs$" % re.escape(channel)

    def sole_op(self, channel):
        return r"Irssi: %s: Total of 1 nicks \[1 ops, " % re.escape(channel)

    def wait_gone(self):
        wait_until(lambda: not pid_alive(self.pane_pid), "irssi exits after /quit")

    def stop(self):
        """Kills the tmux server (irssi gets SIGHUP), then makes sure both are gone."""
        self._tmux("kill-server", check=False)
        for pid in (self.pane_pid, self.server_pid):
            if pid is None:
                continue
            deadline = time.monotonic() + 5
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(POLL)
            if pid_alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


# The file a user would end up with after /network add, /server add -auto, /channel add -auto and
# the /set commands; paths are absolute, so nothing is looked for in the real home directory.
IRSSI_CONFIG = """\
servers = (
  { address = "127.0.0.1"; chatnet = "%(net)s"; port = "%(port)d"; use_tls = "no";
    tls_verify = "no"; autoconnect = "yes"; }
);
chatnets = {
  %(net)s = { type = "IRC"; autosendcmd = "/rawlog open %(raw)s"; };
};
channels = ( { name = "#lobby"; chatnet = "%(net)s"; autojoin = "yes"; } );
settings = {
  core = { real_name = "Irssi User"; user_name = "irsuser"; nick = "%(nick)s"; };
  "irc/core" = { cmd_queue_speed = "0msec"; cmds_max_at_once = "1000"; };
  "fe-text" = { paste_detect_time = "0msecs"; };
  "fe-common/core" = { autolog = "yes"; autolog_level = "all"; autolog_path = "%(logs)s"; };
};
"""


class RealClients(harness.TestCase):
    def scenario(self, client_class, nick, renamed):
        tmp = tempfile.mkdtemp(prefix="charla-irc-clients-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        srv = self.server("--irc-listen", "127.0.0.1:0", "--no-ai", "--server-name", SERVER_NAME,
                          "--irc-ping", "1")
        self.assertTrue(srv.irc_port, "no IRC port in charlad's log")
        ana = srv.client("ana")
        c = client_class(self, tmp, srv.irc_port, nick)

        # It connects and joins #lobby (autojoin); both sides see it.
        ana.expect("[#lobby] -- %s joined" % nick)
        c.wait("#lobby", c.joined(nick, "#lobby"), "its own join")
        c.wait("#lobby", c.synced("#lobby"), "#lobby synced")

        # A line typed in #lobby reaches netcat; a netcat line reaches the client.
        c.type("#lobby", "hola desde %s" % c.label)
        ana.expect("[#lobby] %s: hola desde %s" % (nick, c.label))
        ana.send("hola, soy ana")
        c.wait("#lobby", c.said("ana", "hola, soy ana"), "ana's line")

        # /nick is seen by netcat.
        c.type("#lobby", "/nick %s" % renamed)
        ana.expect("-- %s is now known as %s" % (nick, renamed))
        c.wait("#lobby", c.renamed(renamed), "its new nick")

        # It creates #aula and is its operator (its own NAMES say so)...
        c.type("#lobby", "/join #aula")
        c.wait("#aula", c.joined(renamed, "#aula"), "its join of #aula")
        c.wait("#aula", c.sole_op("#aula"), "itself the only op of #aula")
        c.wait("#aula", c.synced("#aula"), "#aula synced")
        ana.send("/join #aula")
        ana.expect("* You joined #aula (2 members).")
        c.wait("#aula", c.joined("ana", "#aula"), "ana's join of #aula")
        # ...which netcat sees when it uses the power.
        c.type("#aula", "/op ana")
        ana.expect("[#aula] -- %s made ana an operator" % renamed)

        # A topic (the room is +t: only an operator may set it).
        c.type("#aula", "/topic Hoy: clientes IRC de verdad")
        ana.expect("[#aula] -- %s set the topic: Hoy: clientes IRC de verdad" % renamed)

        # Silent for --irc-ping (1 s), it is pinged by charlad and answers.
        c.wait_sent(r"PONG :?%s" % re.escape(SERVER_NAME), "its answer to charlad's PING")

        # /quit: netcat sees it, and the client exits.
        c.type("#aula", "/quit hasta luego")
        ana.expect("-- %s quit (Quit: hasta luego)" % renamed)
        c.wait_gone()

        # Nothing the client sent was unknown to charlad (421) or refused.
        with open(c.raw_log(), encoding="utf-8", errors="replace") as f:
            raw = f.read()
        self.assertIn("PRIVMSG #lobby :hola desde %s" % c.label, raw,
                      "%s's raw log does not hold its own line" % c.label)
        errors = [m.group(1) for m in ERROR_NUMERIC.finditer(raw)
                  if not any(re.fullmatch(e, m.group(1)) for e in c.expected_errors)]
        self.assertEqual(errors, [], "%s got error numerics from charlad" % c.label)
        self.assertEqual(ana.sync(), [], "ana got more than the scenario's lines")

    def test_weechat(self):
        self.scenario(WeeChat, "wee", "wee2")

    def test_irssi(self):
        self.scenario(Irssi, "irs", "irs2")


if __name__ == "__main__":
    harness.main()
