"""The Spanish documents against the English ones they translate: README.md and README.es.md,
docs/protocol.md and docs/protocolo.md. The wording differs, so what is compared is what a
translation keeps:

- the headings: as many at each level, in the same order (their sequence of levels);
- the fenced code blocks: as many, and in each pair of sections the same blocks (info string and
  number of lines; comments inside them may be translated, commands and output may not);
- the tables: in each pair of sections, as many, with as many rows;
- the long flags (--max-line), the commands (/join) and the figures (4096, 1.04, 2026-12-06)
  mentioned: the same sets on both sides (figures outside code: 1,166 and 1 166 are one figure);
- the links: each file links to its counterpart before its first ## heading; a Spanish document
  links to the Spanish versions, an English one to the English versions; links to local files
  resolve, and so do their anchors into these four documents.

Sections are paired by aligning the two heading sequences (same level, most alike content: the
code spans, flags, commands and figures in them), so that a section missing on one side is
named, with where its counterpart should go.

Run: python3 test_docs_parity.py [REPO_ROOT]  (ctest: docs_parity)
"""

import os
import re
import sys
import unittest
from collections import namedtuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
if len(sys.argv) > 1 and os.path.isdir(sys.argv[1]):
    ROOT = os.path.abspath(sys.argv.pop(1))

# (English, Spanish), paths relative to the repository's root.
PAIRS = [
    ("README.md", "README.es.md"),
    ("docs/protocol.md", "docs/protocolo.md"),
]
ENGLISH = {en for en, _ in PAIRS}
SPANISH = {es for _, es in PAIRS}
COUNTERPART = {**{en: es for en, es in PAIRS}, **{es: en for en, es in PAIRS}}

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
CODE_SPAN = re.compile(r"`([^`]+)`")
LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
COMMAND = re.compile(r"(?<![\w/.:~-])/[a-z]+(?![\w/.])")
# A figure: 19,900 or 19 900 (groups of three), 1.04, 4096; not the 4 of IPv4 or the 1 of a C11.
FIGURE = re.compile(r"(?<![\w.])\d{1,3}(?:[, ]\d{3})+(?![\d.,])|(?<![\w.])\d+(?:\.\d+)?")

Block = namedtuple("Block", "info lines line")


class Section:
    """A heading and what follows it up to the next heading (level 0: what comes before the
    first heading)."""

    def __init__(self, level, title, line):
        self.level, self.title, self.line = level, title, line
        self.prose = []   # lines outside code blocks, the heading's included
        self.code = []    # lines inside code blocks
        self.blocks = []  # Block per fenced code block
        self.tables = []  # rows (separator excluded) per table

    def name(self):
        if self.level == 0:
            return "the text before the first heading"
        return "%s %s (line %d)" % ("#" * self.level, self.title, self.line)

    def text(self):
        return "\n".join(self.prose)

    def flags(self):
        return set(FLAG.findall(self.text() + "\n" + "\n".join(self.code)))

    def commands(self):
        return set(COMMAND.findall(self.text() + "\n" + "\n".join(self.code)))

    def figures(self):
        text = CODE_SPAN.sub(" ", self.text())
        text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets: paths and anchors
        return {re.sub(r"[, ]", "", m) for m in FIGURE.findall(text)}

    def signature(self):
        spans = {s.strip() for s in CODE_SPAN.findall(self.text().replace("\n", " "))}
        return spans | self.flags() | self.commands() | {"#" + f for f in self.figures()}


class Doc:
    def __init__(self, rel):
        self.rel = rel
        self.path = os.path.join(ROOT, rel)
        with open(self.path, encoding="utf-8") as f:
            self.lines = f.read().split("\n")
        self.sections = [Section(0, "", 0)]
        self.links = []  # (line number, target, section)
        fence = None
        table = None
        for n, line in enumerate(self.lines, 1):
            sec = self.sections[-1]
            m = FENCE.match(line)
            if fence:
                if m and m.group(1)[0] == fence[0][0] and len(m.group(1)) >= len(fence[0]) \
                        and not m.group(2):
                    sec.blocks.append(Block(fence[1], n - fence[2] - 1, fence[2]))
                    fence = None
                else:
                    sec.code.append(line)
                continue
            if m:
                fence = (m.group(1), m.group(2), n)
                table = None
                continue
            h = HEADING.match(line)
            if h:
                sec = Section(len(h.group(1)), h.group(2), n)
                self.sections.append(sec)
            sec.prose.append(line)
            if line.lstrip().startswith("|"):
                if table is None:
                    sec.tables.append(0)
                    table = True
                if not TABLE_RULE.match(line):
                    sec.tables[-1] += 1
            else:
                table = None
            for t in LINK.findall(CODE_SPAN.sub("", line)):
                self.links.append((n, t, sec))
        if fence:
            raise ValueError("%s: the code block opened at line %d is never closed"
                             % (rel, fence[2]))

    def headed(self):
        return [s for s in self.sections if s.level > 0]

    def anchors(self):
        """GitHub's anchors for the headings: lower case, punctuation dropped, spaces to -,
        repeats numbered."""
        seen, out = {}, set()
        for s in self.headed():
            slug = re.sub(r"[^\w\- ]", "", s.title.lower()).replace(" ", "-")
            k = seen.get(slug, 0)
            seen[slug] = k + 1
            out.add(slug if k == 0 else "%s-%d" % (slug, k))
        return out


_docs = {}


def doc(rel):
    if rel not in _docs:
        _docs[rel] = Doc(rel)
    return _docs[rel]


def similarity(a, b):
    sa, sb = a.signature(), b.signature()
    if not sa and not sb:
        return 0.5
    return len(sa & sb) / len(sa | sb)


def align(en, es):
    """Pairs the sections of two documents: as many pairs of the same level as possible, in
    order, the most alike among equals. Returns (i, j) index pairs into the sections; i or j
    is None for a section without a counterpart."""
    a, b = en.sections, es.sections
    n, m = len(a), len(b)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best = max(score[i + 1][j], score[i][j + 1])
            if a[i].level == b[j].level:
                best = max(best, 10 + similarity(a[i], b[j]) + score[i + 1][j + 1])
            score[i][j] = best
    pairs, i, j = [], 0, 0
    while i < n or j < m:
        if i < n and j < m and a[i].level == b[j].level and \
                score[i][j] == 10 + similarity(a[i], b[j]) + score[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif i < n and (j == m or score[i][j] == score[i + 1][j]):
            pairs.append((i, None))
            i += 1
        else:
            pairs.append((None, j))
            j += 1
    return pairs


def where(pairs, k, side, other_doc):
    """Where the counterpart of pairs[k] (missing on the other side) belongs there."""
    other = 1 - side
    before = next((p[other] for p in reversed(pairs[:k]) if p[other] is not None), None)
    after = next((p[other] for p in pairs[k + 1:] if p[other] is not None), None)
    secs = other_doc.sections
    if after is None:
        return "after %s, at the end" % secs[before].name()
    if before is None or secs[before].level == 0:
        return "before %s" % secs[after].name()
    return "between %s and %s" % (secs[before].name(), secs[after].name())


def missing_sections(en, es):
    pairs = align(en, es)
    problems = []
    for k, (i, j) in enumerate(pairs):
        if j is None:
            s = en.sections[i]
            problems.append("%s, %s, has no counterpart in %s: add its translation there as a %s"
                            " section %s" % (en.rel, s.name(), es.rel, "#" * s.level,
                                             where(pairs, k, 0, es)))
        elif i is None:
            s = es.sections[j]
            problems.append("%s, %s, has no counterpart in %s: remove it, or add the English"
                            " section it translates to %s as a %s section %s"
                            % (es.rel, s.name(), en.rel, en.rel, "#" * s.level,
                               where(pairs, k, 1, en)))
    return pairs, problems


def unmatched(en, es):
    """(document, section, other document) for each section without a counterpart."""
    out = []
    for i, j in align(en, es):
        if j is None:
            out.append((en, en.sections[i], es))
        elif i is None:
            out.append((es, es.sections[j], en))
    return out


def matched(en, es):
    return [(en.sections[i], es.sections[j]) for i, j in align(en, es)
            if i is not None and j is not None]


def compare_sets(en, es, what, get):
    """Items of one kind (flags, commands, figures) mentioned on one side only, each with the
    sections it is in."""
    problems = []
    for this, other in ((en, es), (es, en)):
        theirs = set().union(*(get(s) for s in other.sections))
        for s in this.sections:
            for item in sorted(get(s) - theirs):
                problems.append("%s %s is in %s, %s, and nowhere in %s"
                                % (what, item, this.rel, s.name(), other.rel))
    return problems


class Parity(unittest.TestCase):

    def each_pair(self, check):
        for en_rel, es_rel in PAIRS:
            with self.subTest(pair="%s / %s" % (en_rel, es_rel)):
                problems = check(doc(en_rel), doc(es_rel))
                if problems:
                    self.fail("\n%s / %s:\n  %s" % (en_rel, es_rel, "\n  ".join(problems)))

    def test_headings(self):
        def check(en, es):
            _, problems = missing_sections(en, es)
            levels_en = [s.level for s in en.headed()]
            levels_es = [s.level for s in es.headed()]
            if levels_en != levels_es and not problems:
                problems.append("the heading levels differ: %s has %s, %s has %s"
                                % (en.rel, levels_en, es.rel, levels_es))
            for level in range(1, 7):
                a, b = levels_en.count(level), levels_es.count(level)
                if a != b:
                    problems.append("%s has %d %s headings, %s has %d"
                                    % (en.rel, a, "#" * level, es.rel, b))
            return problems
        self.each_pair(check)

    def test_code_blocks(self):
        def check(en, es):
            problems = []
            a = sum(len(s.blocks) for s in en.sections)
            b = sum(len(s.blocks) for s in es.sections)
            if a != b:
                problems.append("%s has %d code blocks, %s has %d" % (en.rel, a, es.rel, b))
            for d, s, other in unmatched(en, es):
                if s.blocks:
                    problems.append("%s, %s, has %d code block(s) and no counterpart in %s"
                                    % (d.rel, s.name(), len(s.blocks), other.rel))
            for s, t in matched(en, es):
                shape_s = [(x.info, x.lines) for x in s.blocks]
                shape_t = [(x.info, x.lines) for x in t.blocks]
                if shape_s != shape_t:
                    problems.append(
                        "the code blocks of %s in %s and of %s in %s differ (info string, lines):"
                        " %s against %s" % (s.name(), en.rel, t.name(), es.rel, shape_s, shape_t))
            return problems
        self.each_pair(check)

    def test_tables(self):
        def check(en, es):
            problems = []
            for d, s, other in unmatched(en, es):
                if s.tables:
                    problems.append("%s, %s, has %d table(s) and no counterpart in %s"
                                    % (d.rel, s.name(), len(s.tables), other.rel))
            for s, t in matched(en, es):
                if s.tables != t.tables:
                    problems.append("the tables of %s in %s and of %s in %s differ (rows each):"
                                    " %s against %s"
                                    % (s.name(), en.rel, t.name(), es.rel, s.tables, t.tables))
            return problems
        self.each_pair(check)

    def test_flags(self):
        self.each_pair(lambda en, es: compare_sets(en, es, "the flag", Section.flags))

    def test_commands(self):
        self.each_pair(lambda en, es: compare_sets(en, es, "the command", Section.commands))

    def test_figures(self):
        self.each_pair(lambda en, es: compare_sets(en, es, "the figure", Section.figures))

    def test_links(self):
        def check_doc(d, problems):
            base = os.path.dirname(d.rel)
            first = next((s.line for s in d.headed() if s.level == 2), len(d.lines) + 1)
            wrong_side = SPANISH if d.rel in ENGLISH else ENGLISH
            top_link = False
            for n, target, _ in d.links:
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                    continue
                path, _, anchor = target.partition("#")
                rel = os.path.normpath(os.path.join(base, path)) if path else d.rel
                if path and not os.path.exists(os.path.join(ROOT, rel)):
                    problems.append("%s line %d links to %s, which does not exist"
                                    % (d.rel, n, target))
                    continue
                if rel == COUNTERPART[d.rel] and n < first:
                    top_link = True
                elif rel in wrong_side:
                    problems.append("%s line %d links to %s: link to %s instead (only the line"
                                    " at the top links to the other language)"
                                    % (d.rel, n, target, COUNTERPART[rel]))
                if anchor and rel in COUNTERPART and anchor not in doc(rel).anchors():
                    problems.append("%s line %d links to %s, but %s has no heading with the"
                                    " anchor #%s (it has: %s)"
                                    % (d.rel, n, target, rel, anchor,
                                       ", ".join(sorted(doc(rel).anchors()))))
            if not top_link:
                problems.append("%s does not link to %s before its first ## heading: put a line"
                                " such as [%s](%s) under its title"
                                % (d.rel, COUNTERPART[d.rel],
                                   "English version" if d.rel in SPANISH else
                                   "Versión en español",
                                   os.path.relpath(COUNTERPART[d.rel], base or ".")))

        def check(en, es):
            problems = []
            check_doc(en, problems)
            check_doc(es, problems)
            return problems
        self.each_pair(check)


if __name__ == "__main__":
    unittest.main(verbosity=2)
