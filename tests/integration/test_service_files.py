"""What `cmake --install` puts on a machine: the files, the systemd unit (systemd-analyze verify),
the man pages (mandoc -T lint, man -l, every option of --help documented) and the example config
(accepted by --check-config).

Run: python3 test_service_files.py BUILD_DIR CHARLAD CHARLA PREFIX SBINDIR BINDIR MANDIR SYSCONFDIR
     UNITDIR SYSUSERSDIR   (the last six absolute, as CMake configured them; tests/CMakeLists.txt)
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ARGS = {}
NAMES = ("build", "charlad", "charla", "prefix", "sbindir", "bindir", "mandir", "sysconfdir",
         "unitdir", "sysusersdir")


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stage = tempfile.mkdtemp(prefix="charla-stage-")
        env = dict(os.environ, DESTDIR=cls.stage)
        p = subprocess.run(["cmake", "--install", ARGS["build"]], env=env, capture_output=True,
                           text=True, timeout=120)
        if p.returncode != 0:
            raise AssertionError("cmake --install failed:\n" + p.stdout + p.stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.stage, ignore_errors=True)

    def staged(self, path):
        return self.stage + path

    def test_every_file_in_its_place(self):
        want = {
            ARGS["sbindir"] + "/charlad",
            ARGS["bindir"] + "/charla",
            ARGS["mandir"] + "/man8/charlad.8",
            ARGS["mandir"] + "/man1/charla.1",
            ARGS["sysconfdir"] + "/charla/charlad.conf",
            ARGS["unitdir"] + "/charlad.service",
            ARGS["sysusersdir"] + "/charla.conf",
        }
        got = set()
        for root, _dirs, files in os.walk(self.stage):
            for f in files:
                got.add(os.path.join(root, f)[len(self.stage):])
        self.assertEqual(got, want)
        for exe in ("sbindir", "bindir"):
            for f in os.listdir(self.staged(ARGS[exe])):
                self.assertTrue(os.access(self.staged(ARGS[exe] + "/" + f), os.X_OK))

    def test_unit_names_the_installed_paths(self):
        with open(self.staged(ARGS["unitdir"] + "/charlad.service"), encoding="utf-8") as f:
            unit = f.read()
        self.assertIn("ExecStart=%s/charlad --config %s/charla/charlad.conf\n"
                      % (ARGS["sbindir"], ARGS["sysconfdir"]), unit)
        for line in ("Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "User=charla",
                     "StateDirectory=charla", "ProtectSystem=strict",
                     "SystemCallFilter=@system-service",
                     "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"):
            self.assertIn(line + "\n", unit)

    @unittest.skipUnless(shutil.which("systemd-analyze"), "systemd-analyze not installed")
    def test_systemd_analyze_verify(self):
        # verify checks that ExecStart's program exists: the unit is verified as installed,
        # except that ExecStart names the staged charlad (the real path is not installed on the
        # machine that runs the tests). --man=no: the man pages are not installed either.
        with open(self.staged(ARGS["unitdir"] + "/charlad.service"), encoding="utf-8") as f:
            unit = f.read()
        unit = unit.replace("ExecStart=" + ARGS["sbindir"],
                            "ExecStart=" + self.staged(ARGS["sbindir"]))
        d = tempfile.mkdtemp(prefix="charla-unit-")
        self.addCleanup(shutil.rmtree, d)
        path = os.path.join(d, "charlad.service")
        with open(path, "w", encoding="utf-8") as f:
            f.write(unit)
        p = subprocess.run(["systemd-analyze", "verify", "--man=no", path], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))

    def test_example_config_is_accepted(self):
        conf = self.staged(ARGS["sysconfdir"] + "/charla/charlad.conf")
        p = subprocess.run([ARGS["charlad"], "--config", conf, "--check-config"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        self.assertEqual(p.stdout, "charlad: configuration OK (%s)\n" % conf)


class ManPages(unittest.TestCase):
    pages = {"charlad": "man8/charlad.8", "charla": "man1/charla.1"}

    def page(self, name):
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "man",
                           os.path.basename(self.pages[name]))
        return os.path.normpath(src)

    @unittest.skipUnless(shutil.which("mandoc"), "mandoc not installed (scripts/deps)")
    def test_mandoc_lint(self):
        for name in self.pages:
            p = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", self.page(name)],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""), name)

    @unittest.skipUnless(shutil.which("man"), "man not installed (scripts/deps)")
    def test_man_renders_without_warnings(self):
        env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MAN_KEEP_FORMATTING="0")
        for name in self.pages:
            p = subprocess.run(["man", "--warnings", "-l", self.page(name)], env=env,
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stderr, "", name)
            self.assertIn("EXIT STATUS", re.sub(".\b", "", p.stdout))  # overstrike bold

    def test_every_option_documented(self):
        for name in self.pages:
            help_text = subprocess.run([ARGS[name], "--help"], capture_output=True, text=True,
                                       timeout=30).stdout
            opts = set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", help_text))
            self.assertTrue(opts)
            with open(self.page(name), encoding="utf-8") as f:
                page = f.read()
            documented = set(re.findall(r"Fl \\-([a-z][a-z0-9\\-]*)", page))
            documented = {d.replace("\\-", "-") for d in documented}
            self.assertEqual(sorted(opts - documented), [], name)
            self.assertEqual(sorted(documented - opts), [], name)


if __name__ == "__main__":
    if len(sys.argv) < 1 + len(NAMES):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    ARGS.update(zip(NAMES, sys.argv[1:1 + len(NAMES)]))
    unittest.main(argv=[sys.argv[0]] + sys.argv[1 + len(NAMES):], verbosity=2)
