#!/usr/bin/env python3
"""mdcheck: structure and escaping of a Markdown report (report --format md).

usage: mdcheck.py REPORT.md [NEEDLE]

Checks, printing one line per problem (exit 1) or a summary (exit 0):
  - the title and sections: Verdict, Findings, Timeline, Inputs;
  - every pipe table is whole: each row has as many cells as its header
    (a `|` from the data must come escaped as `\\|`, code spans included,
    since GFM splits cells on bare pipes even inside code);
  - nothing outside code spans and fenced blocks can become HTML: every `<`
    is escaped, except the <details>/<summary> lines the report writes;
  - code spans are closed (an even count of each backtick-run length);
  - the timeline table is condensed (at most 41 rows);
  - NEEDLE (e.g. a hostile process name) appears inside a code span with its
    pipe escaped.
"""
import re
import sys

ALLOWED_TAGS = ("<details>", "<summary>", "</summary>", "</details>")


def cells(row):
    """Cells of a table row, split on pipes that are not backslash-escaped."""
    out, cur, i = [], "", 0
    while i < len(row):
        c = row[i]
        if c == "\\" and i + 1 < len(row):
            cur += row[i:i + 2]
            i += 2
            continue
        if c == "|":
            out.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    out.append(cur)
    return out[1:-1]   # a row starts and ends with a pipe


def strip_code_spans(line):
    """The line without its code spans (CommonMark: equal backtick runs)."""
    out, i = "", 0
    while i < len(line):
        if line[i] == "`" and (i == 0 or line[i - 1] != "\\"):
            run = re.match(r"`+", line[i:]).group(0)
            end = line.find(run, i + len(run))
            while end != -1 and end + len(run) < len(line) and line[end + len(run)] == "`":
                end = line.find(run, end + len(run) + 1)
            if end == -1:
                return None   # unclosed
            i = end + len(run)
            continue
        out += line[i]
        i += 1
    return out


def main():
    if len(sys.argv) not in (2, 3):
        print("usage: mdcheck.py REPORT.md [NEEDLE]", file=sys.stderr)
        return 2
    lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n")
    problems = []
    if not lines or lines[0] != "# sockmortem report":
        problems.append("first line is not the title: %r" % lines[0][:60])
    for sec in ("## Verdict", "## Findings (", "## Timeline (", "## Inputs"):
        if not any(l.startswith(sec) for l in lines):
            problems.append("no section %r" % sec)
    fence, header, tables, timeline_rows, in_timeline = None, None, 0, 0, False
    for n, line in enumerate(lines, 1):
        m = re.match(r"^(`{3,})", line)
        if fence:
            if line.strip() == fence:
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        if line.startswith("## "):
            in_timeline = line.startswith("## Timeline")
        if line.startswith("|"):
            c = cells(line)
            if header is None:
                header, tables = len(c), tables + 1
            elif len(c) != header:
                problems.append("line %d: %d cells, header has %d: %s" % (n, len(c), header, line[:120]))
            if in_timeline and not line.startswith("| ---") and not line.startswith("| time"):
                timeline_rows += 1
        else:
            header = None
        bare = strip_code_spans(line)
        if bare is None:
            problems.append("line %d: unclosed code span: %s" % (n, line[:120]))
            continue
        if line.strip() in ALLOWED_TAGS or line.startswith("<details><summary>"):
            continue
        for m2 in re.finditer(r"<", bare):
            if m2.start() == 0 or bare[m2.start() - 1] != "\\":
                problems.append("line %d: unescaped '<' outside code: %s" % (n, line[:120]))
                break
    if fence:
        problems.append("unclosed fenced block")
    if timeline_rows > 41:
        problems.append("timeline not condensed: %d rows" % timeline_rows)
    if len(sys.argv) == 3:
        needle = sys.argv[2].replace("|", "\\|")
        if not re.search(r"(`+) " + re.escape(needle) + r" \1(?!`)", "\n".join(lines)):
            problems.append("%r is not in a code span with its pipe escaped" % sys.argv[2])
    for p in problems:
        print(p)
    if not problems:
        print("ok: %d lines, %d tables, %d timeline rows" % (len(lines), tables, timeline_rows))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
