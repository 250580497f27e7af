#!/usr/bin/env python3
"""tests/i18n/check_catalogue.py: every user-facing string of charlad and charla is in Spanish.

Usage: check_catalogue.py XGETTEXT MSGFMT SOURCE_DIR PO_FILE -- XGETTEXT_FLAGS... -- FILES...

Extracts the marked strings of FILES (relative to SOURCE_DIR) with xgettext, using the build's own
keywords (cmake/i18n.cmake passes them), and fails, naming each string and where it is used, when
po/es.po lacks one, leaves it untranslated (any plural form empty) or marks it fuzzy; when msgfmt
--check refuses the catalogue (a translation whose printf conversions differ from its msgid's, a
bad header); or when the header's plural rule is not the one src/base/catalog.c applies. Standard
library only.
"""

import os
import re
import subprocess
import sys
import tempfile

PLURAL_RULE = "nplurals=2; plural=(n != 1);"


def parse_po(text):
    """The entries of a PO file: dicts with msgid, msgid_plural, msgstr (a list), flags, refs,
    obsolete. Enough of the format for what msgmerge and xgettext write."""
    entries, cur, field = [], None, None

    def unquote(s):
        s = s.strip()
        assert s.startswith('"') and s.endswith('"'), s
        return bytes(s[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")

    def flush():
        if cur is not None and "msgid" in cur:
            entries.append(cur)

    for raw in text.splitlines():
        line = raw.rstrip("\n")
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].lstrip()
        if not line.strip():
            flush()
            cur, field = None, None
            continue
        if cur is None:
            cur = {"msgstr": [], "flags": set(), "refs": [], "obsolete": obsolete}
        if line.startswith("#,"):
            cur["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#:"):
            cur["refs"].extend(line[2:].split())
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural "):
            field = "msgid_plural"
            cur[field] = unquote(line[len("msgid_plural "):])
        elif line.startswith("msgid "):
            field = "msgid"
            cur[field] = unquote(line[len("msgid "):])
        elif line.startswith("msgstr["):
            m = re.match(r"msgstr\[(\d+)\] (.*)", line)
            cur["msgstr"].append(unquote(m.group(2)))
            field = ("msgstr", int(m.group(1)))
        elif line.startswith("msgstr "):
            cur["msgstr"] = [unquote(line[len("msgstr "):])]
            field = ("msgstr", 0)
        elif line.startswith('"'):
            if isinstance(field, tuple):
                cur["msgstr"][field[1]] += unquote(line)
            else:
                cur[field] += unquote(line)
    flush()
    return entries


def main(argv):
    xgettext, msgfmt, src, po = argv[:4]
    rest = argv[4:]
    assert rest and rest[0] == "--", "usage: see the docstring"
    cut = rest.index("--", 1)
    flags, files = rest[1:cut], rest[cut + 1:]
    problems = []

    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "charla.pot")
        r = subprocess.run([xgettext, *flags, "--output=" + pot, *files], cwd=src,
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stderr)
            return 1
        wanted = [e for e in parse_po(open(pot, encoding="utf-8").read()) if e["msgid"]]
        r = subprocess.run([msgfmt, "--check", "--output-file=" + os.path.join(tmp, "es.mo"), po],
                           capture_output=True, text=True)
        if r.returncode != 0:
            problems.append("msgfmt --check refuses %s:\n%s" % (po, r.stderr))

    have = {e["msgid"]: e for e in parse_po(open(po, encoding="utf-8").read())
            if not e["obsolete"]}
    header = have.get("", {}).get("msgstr", [""])[0]
    m = re.search(r"^Plural-Forms:\s*(.*)$", header, re.M)
    if not m or m.group(1).strip() != PLURAL_RULE:
        problems.append("%s: the header must say Plural-Forms: %s (src/base/catalog.c applies "
                        "that rule)" % (po, PLURAL_RULE))
    for e in wanted:
        where = " ".join(e["refs"][:3]) or "?"
        t = have.get(e["msgid"])
        if t is None:
            problems.append("missing from %s: %r (%s); run `cmake --build build --target pot`"
                            % (po, e["msgid"], where))
        elif "fuzzy" in t["flags"]:
            problems.append("fuzzy in %s: %r (%s)" % (po, e["msgid"], where))
        elif not t["msgstr"] or any(not s for s in t["msgstr"]):
            problems.append("untranslated in %s: %r (%s)" % (po, e["msgid"], where))
        elif ("msgid_plural" in e) != ("msgid_plural" in t):
            problems.append("plural form differs in %s: %r (%s)" % (po, e["msgid"], where))
    for p in problems:
        print(p)
    print("%d strings to translate, %d problem(s)" % (len(wanted), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
