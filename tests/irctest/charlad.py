"""irctest controller for charlad's IRC face.

tests/irctest/run copies this file into an extracted irctest tree as
irctest/controllers/charlad.py and passes --controller irctest.controllers.charlad to pytest; it
is not importable from this repository on its own (it imports irctest).

For each test case irctest calls run() with the address its clients will connect to; the
controller writes an oper file and a MOTD into a fresh temporary directory and starts charlad
with the IRC face on that port. irctest then waits for the port (wait_for_port in
basecontrollers.py: it connects, sends "QUIT :chkport" before registering, and reads until it
sees "chkport" or "ERROR", or the connection closes), and kill() stops charlad with SIGTERM and
removes the directory.

The binary is $CHARLAD (set by the runner), else a charlad on $PATH. When $CHARLAD_IRCTEST_LOG
names a directory, charlad's standard error goes to a file there per run (the runner looks in it
for sanitizer reports), except with IRCTEST_DEBUG_LOGS=1, which shows it among the test's output.

The WebSocket tests get charlad's web face on the port they ask for (--http-listen; IRC over
WebSocket is served at / as well as /ws for clients, like irctest's, that take a host and port).

Accounts are charlad's own (src/bridge/accounts): the NickServ bot and SASL PLAIN are built in, so
"services" need no second process; registerUser registers over the wire (PRIVMSG NickServ
:REGISTER, as irctest does for Atheme), with the registration rate off (--register-rate 0: tests
register several accounts from 127.0.0.1). SASL EXTERNAL needs TLS client certificates, which the
tests do not use. Not implemented by charlad, and so skipped rather than failed: TLS.
"""

import atexit
import errno
import os
from pathlib import Path
import shutil
import socket
import subprocess
import time
from typing import IO, Any, Dict, List, Optional, Set, Type

from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController

# irctest's tests expect this name in PONG, numerics' prefixes, WHOIS, LINKS, TIME and INFO.
SERVER_NAME = "My.Little.Server"
SERVER_INFO = "test server"  # what irctest's LINKS test expects of every server's line

# The operator the tests log in as (OPER operuser operpassword), in charlad's --oper-file format.
OPER_FILE = """\
# irctest's operator: NAME ARGON2ID-HASH (of operpassword, at libsodium's least cost)
operuser $argon2id$v=19$m=8,t=1,p=1$ZK2IcoK7PYy/wXc/Z+Q7Ng$WUrA2MNFnWScr8pT9aQf0098aGzeRO4mYA4k0TUtkD4
"""

MOTD = """\
charlad under irctest.
"""


def _charlad_path() -> str:
    path = os.environ.get("CHARLAD") or shutil.which("charlad")
    if not path:
        raise RuntimeError("set CHARLAD to the charlad binary (tests/irctest/run does)")
    return path


class CharladController(BaseServerController, DirectoryBasedController):
    software_name = "charlad"
    supported_sasl_mechanisms: Set[str] = {"PLAIN"}
    supports_sts = False
    nickserv = "NickServ"  # charlad's accounts bot (src/bridge/accounts/nickserv.c)
    extban_mute_char = None

    # The controllers of this process whose charlad may still run. irctest stops a server in the
    # test's tearDown, which unittest skips when setUp raises after starting it (bot_mode.py's
    # setUp skips when ISUPPORT has no BOT): such a charlad would run on, unseen, until the end.
    # Tests run one at a time in each worker, so any other live controller here is one of
    # those: the next run() stops it, and the last one is stopped when the worker exits.
    _live: Set["CharladController"] = set()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._log: Optional[IO[bytes]] = None

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str],
        websocket_port: Optional[int],
    ) -> None:
        if ssl:
            raise NotImplementedByController("TLS")
        assert self.proc is None
        _stop_leftovers()
        self.port = port
        self.hostname = hostname
        self.create_config()
        assert self.directory is not None
        with self.open_file("opers.txt", "w") as fd:
            fd.write(OPER_FILE)
        with self.open_file("motd.txt", "w") as fd:
            fd.write(MOTD)
        # An empty config file: the machine's /etc/charla/charlad.conf stays out of the tests.
        conf = self.directory / "charlad.conf"
        conf.touch(mode=0o600)

        # irctest picks its port by binding the wildcard address, and its clients connect to
        # that address (0.0.0.0), which Linux delivers to loopback: listen on loopback only,
        # so that no test server is reachable from the network.
        listen = _listen_addr(hostname, port)

        argv = [
            _charlad_path(),
            "--listen", "127.0.0.1:0",  # the line face, which no test uses
            "--udp", "off",
            "--no-ai",  # no assistant in NAMES, WHO or LUSERS
            "--irc-listen", listen,
            "--server-name", SERVER_NAME,
            "--server-info", SERVER_INFO,
            "--oper-file", str(self.directory / "opers.txt"),
            "--motd", str(self.directory / "motd.txt"),
            "--config", str(conf),
            # History in this test's own directory: nothing of another test's is replayed.
            "--data-dir", str(self.directory / "data"),
            # Private conversations too: CHATHISTORY's DM tests read them back.
            "--store-private",
            # Several connections a test from 127.0.0.1, in quick succession: spare loopback
            # from the limits per address (the defaults would throttle them).
            "--limit-exempt", "127.0.0.0/8,::1",
            # No shared message rate: the tests send bursts, as the other servers' configurations
            # for irctest allow (IRC's own pacing, --irc-flood, still applies).
            "--msg-rate", "0",
            # Tests register several accounts from 127.0.0.1 (registerUser).
            "--register-rate", "0",
            "-q",
        ]
        if password is not None:
            argv += ["--irc-password", password]
        if websocket_port is not None:
            argv += ["--http-listen", _listen_addr(websocket_hostname or "127.0.0.1",
                                                   websocket_port)]
        else:
            argv += ["--no-http"]

        env = dict(os.environ)
        faketime_cmd: List[str] = []
        if faketime and shutil.which("faketime"):
            faketime_cmd = ["faketime", "-f", faketime]
            self.faketime_enabled = True
            # libfaketime is preloaded ahead of the AddressSanitizer runtime, which a sanitized
            # build refuses by default; the order does not matter for what ASan checks here.
            asan = env.get("ASAN_OPTIONS", "")
            env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "verify_asan_link_order=0"

        kwargs: Dict[str, Any] = {"env": env}
        log_dir = os.environ.get("CHARLAD_IRCTEST_LOG")
        if log_dir and not self.debug_mode:
            self._log = open(Path(log_dir) / f"charlad-{port}.log", "ab")
            kwargs["stdout"] = subprocess.DEVNULL
            kwargs["stderr"] = self._log
        _wait_until_bindable(listen)
        self.proc = self.execute([*faketime_cmd, *argv], proc_name="charlad", **kwargs)
        CharladController._live.add(self)

    def wait_for_services(self) -> None:
        pass  # built in: up when charlad is

    def registerUser(self, case: Any, username: str, password: Optional[str] = None) -> None:
        """Registers an account over the wire, as a user would: NickServ REGISTER from a client
        named after it, then QUIT."""
        assert password
        client = case.addClient(show_io=False)
        case.sendLine(client, "NICK " + username)
        case.sendLine(client, "USER r e g :user")
        while case.getRegistrationMessage(client).command != "001":
            pass
        case.getMessages(client)
        case.sendLine(client, f"PRIVMSG {self.nickserv} :REGISTER {password}")
        while True:  # getMessage fails the test at its deadline
            msg = case.getMessage(client, synchronize=False)
            if msg.command == "NOTICE" and msg.prefix and msg.prefix.startswith(self.nickserv):
                assert "Account created" in msg.params[-1], msg
                break
        case.sendLine(client, "QUIT")
        case.removeClient(client)

    def kill(self) -> None:
        CharladController._live.discard(self)
        super().kill()
        self.directory = None  # removed: a second kill must not remove it again
        if self._log is not None:
            self._log.close()
            self._log = None


# irctest picks a port by binding port 0 and closing it (its workers share a list so that they do
# not pick the same one), but between that and charlad's bind, another test's client connection
# may take the port as its source port: charlad would then exit with "address already in use" and
# the test fail for nothing of its own. Until the port can be bound (as charlad binds it, with
# SO_REUSEADDR, as libuv does), the start waits, on a deadline: the client's connection ends with
# its test, and if the client closed first its socket keeps the port in TIME_WAIT for up to Linux's
# 60 s: the wait stays under the 60 s irctest's run gives a test (the part of a TIME_WAIT already
# spent when the port was picked makes up the rest, most of the time).
BIND_DEADLINE_S = 50.0
BIND_POLL_S = 0.05


def _wait_until_bindable(listen: str) -> None:
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    deadline = time.monotonic() + BIND_DEADLINE_S
    while True:
        s = None
        try:
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, int(port)))
            return
        except OSError as e:
            if e.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                return  # charlad will say why itself
        finally:
            if s is not None:
                s.close()
        time.sleep(BIND_POLL_S)  # another process's socket: only the clock tells when it goes


def _listen_addr(hostname: str, port: int) -> str:
    if hostname in ("", "0.0.0.0", "::"):
        hostname = "127.0.0.1"
    return f"[{hostname}]:{port}" if ":" in hostname else f"{hostname}:{port}"


def _stop_leftovers() -> None:
    for controller in list(CharladController._live):
        controller.kill()


atexit.register(_stop_leftovers)


def get_irctest_controller_class() -> Type[CharladController]:
    return CharladController
