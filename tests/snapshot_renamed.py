#!/usr/bin/python3
"""snapshot_renamed.py BASE OUT: a snapshot (tests/snapshot.sh) of a build
before the renames of plugin/tcpstate-alias.c, rewritten as the renamed
build must write it: OUT/NAME.fields* with the new column names (and no
tcpstate.icmp_quoted column: that fact is tcpstate.analysis.icmp_quoted,
the old tcpstate.icmp_error column), OUT/NAME.V without the "Quoted in an
ICMP error: True" line (its expert info moves up a level), .stats as they
were.  Then `diff -r OUT NEW` must be empty:

    bash tests/snapshot.sh /tmp/snap-new build/plugins
    tests/snapshot_renamed.py /var/tmp/snap-base /tmp/snap-base-renamed
    diff -r /tmp/snap-base-renamed /tmp/snap-new
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import renames  # noqa: E402

GONE = "tcpstate.icmp_quoted"  # the boolean: its fact is the expert's


def fields(text, new_of):
    lines = text.split("\n")
    head = lines[0].split("\t")
    if GONE not in head:
        return text
    drop = head.index(GONE)
    out = []
    for i, line in enumerate(lines):
        cols = line.split("\t")
        if len(cols) == len(head):
            del cols[drop]
            if i == 0:
                cols = [new_of.get(c, c) for c in cols]
        out.append("\t".join(cols))
    return "\n".join(out)


def details(text):
    out, dedent = [], None
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        if line.strip() == "[Quoted in an ICMP error: True]":
            dedent = indent
            continue
        if dedent is not None and line.strip() and indent > dedent:
            line = line[4:]
        elif dedent is not None:
            dedent = None
        out.append(line)
    return "\n".join(out)


def main():
    base, out = sys.argv[1:3]
    new_of = {old: new for old, new in renames() if old != GONE}
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(base)):
        with open(os.path.join(base, name), encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        if ".fields" in name:
            text = fields(text, new_of)
        elif name.endswith(".V"):
            text = details(text)
        with open(os.path.join(out, name), "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)


if __name__ == "__main__":
    main()
