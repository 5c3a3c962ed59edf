#!/usr/bin/python3
"""The "TCP State Flows" graph: tshark -q -z flow,tcpstate,standard|network.

    tests/test_flow.py

For each capture, the ASCII ladder is parsed back into arrows and checked
against the capture's reviewed expected output (captures/NAME.expected.tsv)
and against Wireshark's own fields, never against the graph itself:
  - one arrow per segment, in frame order; none for ICMP-quoted headers;
  - the two vertical lines are the client's and the server's endpoints
    (address:port), the client's first when its SYN opens the capture;
  - every arrow starts at its sender's line (tcp.srcport) and ends at the
    receiver's;
  - the label is the segment's flags and tcp.len, as TCP Flows writes them;
  - the comment holds both ends' states after the segment, written from the
    expected row ("client BEFORE -> AFTER" where it changed), its handshake
    or teardown role, and [inferred] where the expected row says so;
  - -2 draws the same graph, `network` the same arrows, and a display filter
    keeps exactly the segments it matches (never none).
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CAPTURES, SHARED, fail, failures  # noqa: E402
import tshark_run as t  # noqa: E402

DOT = " \u00b7 "
# packet-tcp.c's flag order, as tcp.flags.str spells them (12 positions, FIN last).
FLAG_ORDER = [("FIN", 11), ("SYN", 10), ("RST", 9), ("PSH", 8), ("ACK", 7), ("URG", 6), ("ECE", 5), ("CWR", 4),
              ("AE", 3)]
CASES = ["seed", "three_segment_close", "simultaneous_open", "simultaneous_close", "abort_client", "refused"]


def flow(pcap, mode="standard", display_filter=None, extra=()):
    arg = f"flow,tcpstate,{mode}" + (f",{display_filter}" if display_filter else "")
    proc = t.tshark(["-n", "-r", t.readable(pcap), "-q", "-z", arg, *extra])
    if "CRITICAL" in proc.stderr or "WARNING" in proc.stderr:
        fail(f"{os.path.basename(pcap)} {arg}: tshark complained: {proc.stderr.strip()[:300]}")
    return proc.stdout


def parse(text):
    """(nodes, arrows) of sequence_analysis_dump_to_file()'s ASCII: nodes in
    their left-to-right order, arrows as dicts of time, label, comment, src
    and dst node index."""
    lines = [line for line in text.splitlines() if line.strip()]
    head = [line for line in lines[:2]]
    nodes = []
    for line in head:
        for m in re.finditer(r"\| (\S+:\d+)", line):
            nodes.append((m.start(), m.group(1)))
    nodes = [name for _, name in sorted(nodes)]
    arrows = []
    body = [line for line in lines[2:] if not set(line) <= {"-"}]
    for top, bottom in zip(body[0::2], body[1::2]):
        m = re.match(r"^(?:\d+\s*)?\|(\d+\.\d+)\s*\|\s*(.*?)\s*\|(?:\s*\|)?([^|]*)$", top)
        a = re.search(r"\((\d+)\)\s*(<?-+>?)\s*\((\d+)\)", bottom)
        if not m or not a:
            fail(f"unparsed arrow lines:\n{top}\n{bottom}")
            continue
        left_port, arrow, right_port = a.groups()
        rightwards = arrow.endswith(">")
        arrows.append({"time": m.group(1), "label": m.group(2), "comment": m.group(3).strip(),
                       "src_port": left_port if rightwards else right_port,
                       "dst_port": right_port if rightwards else left_port, "rightwards": rightwards})
    return nodes, arrows


def side_text(side, row):
    before, after = row[f"tcpstate.{side}.prev"], row[f"tcpstate.{side}"]
    return f"{side} {before} -> {after}" if before and before != after else f"{side} {after}"


def expected_comment(row):
    text = side_text("client", row) + DOT + side_text("server", row)
    for role in ("tcpstate.handshake", "tcpstate.teardown"):
        if row[role]:
            text += DOT + row[role]
    if row["tcpstate.inferred"] == "1":
        text += " [inferred]"
    return text


def expected_label(row):
    flags = row["tcp.flags.str"]
    names = [name for name, pos in FLAG_ORDER if flags[pos] != "\u00b7"]
    label = ", ".join(names) or "<None>"
    return label + (f" - Len: {row['tcp.len']}" if row["tcp.len"] not in ("", "0") else "")


def check_ladder(name, text):
    """The graph `text` of captures/NAME.pcap against its expected output."""
    pcap = os.path.join(CAPTURES, name + ".pcap")
    expected = [r for r in t.read_tsv(os.path.join(CAPTURES, name + ".expected.tsv")) if r["tcpstate.sender"]]
    lengths = {r["frame.number"]: r["tcp.len"] for r in t.fields(pcap, ["frame.number", "tcp.len"])}
    for r in expected:
        r["tcp.len"] = lengths[r["frame.number"]]
    nodes, arrows = parse(text)
    if len(arrows) != len(expected) or not expected:
        fail(f"{name}: {len(arrows)} arrows for {len(expected)} segments")
    client_port = next(r["tcp.srcport"] if r["tcpstate.sender"] == "client" else r["tcp.dstport"] for r in expected)
    server_port = next(r["tcp.dstport"] if r["tcpstate.sender"] == "client" else r["tcp.srcport"] for r in expected)
    if [n.rsplit(":", 1)[1] for n in nodes] != [client_port, server_port]:
        fail(f"{name}: lines {nodes}, expected the client's port {client_port} left of the server's {server_port}")
    for a, r in zip(arrows, expected):
        where = f"{name} frame {r['frame.number']}"
        if (a["src_port"], a["dst_port"]) != (r["tcp.srcport"], r["tcp.dstport"]):
            fail(f"{where}: arrow {a['src_port']} -> {a['dst_port']}, sent {r['tcp.srcport']} -> {r['tcp.dstport']}")
        if a["rightwards"] != (r["tcpstate.sender"] == "client"):
            fail(f"{where}: the arrow points {'right' if a['rightwards'] else 'left'} for a {r['tcpstate.sender']}'s "
                 "segment (the client's line is on the left)")
        if a["label"] != expected_label(r):
            fail(f"{where}: label {a['label']!r}, expected {expected_label(r)!r}")
        if a["comment"] != expected_comment(r):
            fail(f"{where}: comment {a['comment']!r},\n    expected {expected_comment(r)!r}")
    return arrows


def check_capture(name):
    pcap = os.path.join(CAPTURES, name + ".pcap")
    text = flow(pcap)
    arrows = check_ladder(name, text)
    if flow(pcap, extra=["-2"]) != text:
        fail(f"{name}: -2 draws another graph")
    if parse(flow(pcap, "network"))[1] != arrows:
        fail(f"{name}: the network mode draws other arrows")
    return len(arrows)


def check_filter():
    """A display filter keeps exactly the segments it matches."""
    pcap = os.path.join(CAPTURES, "seed.pcap")
    want = [f"{float(r['frame.time_relative']):.6f}"
            for r in t.fields(pcap, ["frame.time_relative"], display_filter="tcpstate.teardown")]
    _, arrows = parse(flow(pcap, display_filter="tcpstate.teardown"))
    got = [a["time"] for a in arrows]
    if not want or got != want:
        fail(f"filter tcpstate.teardown: arrows at {got}, expected the segments at {want}")


def check_icmp_quoted():
    """smtp.pcap quotes four TCP headers in ICMP errors: they draw no arrow."""
    pcap = os.path.join(SHARED, "zeek", "traces", "smtp.pcap")
    segments = t.fields(pcap, ["frame.number"], display_filter="tcpstate.sender && !icmp")
    quoted = t.fields(pcap, ["frame.number"], display_filter="icmp && tcp")
    _, arrows = parse(flow(pcap))
    if len(quoted) != 4 or len(arrows) != len(segments) or not segments:
        fail(f"smtp.pcap: {len(arrows)} arrows for {len(segments)} segments ({len(quoted)} quoted headers)")


def marked(arrows, marker):
    return [i for i, a in enumerate(arrows) if a["comment"].endswith("]") and marker in a["comment"]]


def check_markers(tmp):
    """Doubtful states carry their marker: the segments the reviewed hostile
    expectations (test_traces.py HOSTILE_EXPECT) put after a gap, and every
    segment of a connection picked up mid-stream (the seed without its
    handshake: both ends ESTABLISHED, inferred)."""
    hostile = os.path.join(CAPTURES, "hostile")
    for name, frame in (("gap", 5), ("out_of_order", 4)):
        _, arrows = parse(flow(os.path.join(hostile, f"hostile_{name}.pcap")))
        if marked(arrows, "after a gap") != [frame - 1]:  # one arrow per frame in these captures
            fail(f"hostile_{name}: 'after a gap' on arrows {marked(arrows, 'after a gap')}, expected frame {frame}")
    cut = os.path.join(tmp, "seed-midstream.pcap")
    t.tshark(["-r", t.readable(os.path.join(CAPTURES, "seed.pcap")), "-Y", "frame.number >= 4", "-w", cut])
    _, arrows = parse(flow(cut))
    if not arrows or marked(arrows, "inferred") != list(range(len(arrows))) or \
       arrows[0]["comment"] != "client ESTABLISHED" + DOT + "server ESTABLISHED [inferred]":
        fail(f"seed picked up mid-stream: {[a['comment'] for a in arrows]}")


def main():
    import tempfile
    if sys.argv[1:2] == ["check-ascii"]:  # check-ascii NAME FILE: a graph exported by the GUI
        name, path = sys.argv[2:4]
        with open(path, encoding="utf-8") as f:
            n = len(check_ladder(name, f.read()))
        print(f"{path}: {n} arrows checked against {name}.expected.tsv")
        sys.exit(1 if failures or not n else 0)
    n = sum(check_capture(name) for name in CASES)
    check_filter()
    check_icmp_quoted()
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o777)  # tshark runs as nobody
        check_markers(tmp)
    print(f"{n} arrows of {len(CASES)} captures checked; filter, ICMP-quoted headers and markers checked")
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)


if __name__ == "__main__":
    main()
