#!/usr/bin/python3
"""tshark-driven tests of the plugin; ctest runs each subcommand as a test.

  plugin-loaded         the plugin loads from the staged dir; without it the fields are unknown
  fields NAME           every tcpstate field of every packet of captures/NAME.pcap
                        equals captures/NAME.expected.tsv
  truth NAME            captures/NAME.expected.tsv and the live output agree with
                        captures/NAME.truth.tsv (the kernel's or the article's states)
  filters               -Y filters return exactly the frames the expected outputs say
  custom-columns        every field works as a custom column (the GUI's mechanism)
  two-pass              one-pass and two-pass (-2) output are identical
  relative-numbers      tcpstate.seq/ack equal Wireshark's relative tcp.seq/ack
                        wherever both ISNs were seen
  msl                   the tcpstate.msl preference decides when TIME_WAIT ends
  icmp                  ICMP errors quoting TCP headers change no state
  trace-states          states pinned on real traces, reasoned from RFC 9293/5961
  zeek-traces           every trace in ../shared/zeek/traces dissects (-V) without
                        an error or a dissector bug, with tcpstate on its TCP packets
  experts-unreferenced  expert infos are there when no tcpstate field is asked for
  ladder                tests/ladder.py's diagrams show the expected states
  profile               the "TCP State" profile: columns, coloring rules, filter buttons
  generated             the benchmark's generated capture: the states and conn_states
                        match the mix gencap wrote; memory stays within bounds and
                        finished Zeek connections give their slots back
"""
import csv
import glob
import os
import re
import sys
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "kernel"))
import tshark_run as t  # noqa: E402

ROOT = t.ROOT
CAPTURES = os.path.join(ROOT, "captures")
SHARED = os.environ.get("TCPSTATE_SHARED") or os.path.join(os.path.dirname(ROOT), "shared")
ZEEK = os.path.join(SHARED, "zeek", "traces")
CONTRACT = [
    "tcpstate.client", "tcpstate.server", "tcpstate.client.prev", "tcpstate.server.prev",
    "tcpstate.sender", "tcpstate.transition", "tcpstate.seq", "tcpstate.ack", "tcpstate.nxtseq",
    "tcpstate.isn.client", "tcpstate.isn.server", "tcpstate.handshake", "tcpstate.teardown",
    "tcpstate.inferred",
]
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL", msg)


def capture_names():
    return sorted(os.path.basename(p)[:-len(".expected.tsv")]
                  for p in glob.glob(os.path.join(CAPTURES, "*.expected.tsv")))


def zeek_traces():
    traces = sorted(glob.glob(os.path.join(ZEEK, "**", "*.pcap*"), recursive=True))
    if not traces:
        fail(f"no traces found under {ZEEK}")
    return traces


HOSTILE = os.path.join(CAPTURES, "hostile")


def hostile_pcaps():
    return sorted(os.path.join(HOSTILE, f) for f in os.listdir(HOSTILE) if f.endswith(".pcap"))


def all_pcaps():
    return [os.path.join(CAPTURES, n + ".pcap") for n in capture_names()] + hostile_pcaps() + zeek_traces()


def test_plugin_loaded():
    print("tcpstate.so loads; tshark rejects tcpstate fields without it")
    out = t.tshark(["-G", "plugins"]).stdout
    staged = os.path.join(t.plugin_dir(), "")
    if not any("tcpstate.so" in line and staged in line for line in out.splitlines()):
        fail(f"tcpstate.so not loaded from {staged}:\n{out}")
    fields = {line.split("\t")[2] for line in t.tshark(["-G", "fields"]).stdout.splitlines()
              if line.startswith("F\t")}
    for name in CONTRACT:
        if name not in fields:
            fail(f"field {name} not registered")
    # Negative control: with no plugin, asking for a tcpstate field must fail.
    empty = tempfile.mkdtemp(prefix="tcpstate-noplugin-")
    os.chmod(empty, 0o755)
    proc = t.tshark(["-r", t.readable(os.path.join(CAPTURES, "seed.pcap")), "-T", "fields",
                     "-e", "tcpstate.client"], check=False, plugins=empty)
    if proc.returncode == 0:
        fail("tshark accepted tcpstate.client without the plugin: tests could pass without it")


def compare_rows(label, got, want, columns):
    if len(got) != len(want):
        fail(f"{label}: {len(got)} packets, expected {len(want)}")
    for g, w in zip(got, want):
        diff = [f"{c}={g.get(c)!r} (expected {w.get(c)!r})" for c in columns if g.get(c) != w.get(c)]
        if diff:
            fail(f"{label} frame {w.get('frame.number')}: " + "; ".join(diff))


def test_fields(name):
    want = t.read_tsv(os.path.join(CAPTURES, name + ".expected.tsv"))
    got = t.fields(os.path.join(CAPTURES, name + ".pcap"))
    compare_rows(name, got, want, t.FIELDS)
    print(f"{name}: {len(want)} packets x {len(t.FIELDS)} fields compared")


def test_truth(name):
    import ktruth
    truth = os.path.join(CAPTURES, name + ".truth.tsv")
    for source in (os.path.join(CAPTURES, name + ".expected.tsv"), os.path.join(CAPTURES, name + ".pcap")):
        ok, n, lines = ktruth.check(source, truth)
        print("\n".join(lines))
        if n == 0 or ok != n:
            fail(f"{os.path.basename(source)}: {ok}/{n} truth snapshots agree")


# (filter, predicate over an expected row)
FILTERS = [
    ('tcpstate.client == "TIME_WAIT"', lambda r: r["tcpstate.client"] == "TIME_WAIT"),
    ('tcpstate.server == "CLOSE_WAIT"', lambda r: r["tcpstate.server"] == "CLOSE_WAIT"),
    ('tcpstate.server == "SYN_RCVD"', lambda r: r["tcpstate.server"] == "SYN_RCVD"),
    ('tcpstate.client.prev == "FIN_WAIT_1" && tcpstate.client != "FIN_WAIT_1"',
     lambda r: r["tcpstate.client.prev"] == "FIN_WAIT_1" and r["tcpstate.client"] != "FIN_WAIT_1"),
    ('tcpstate.transition contains "CLOSED"', lambda r: "CLOSED" in r["tcpstate.transition"]),
    ('tcpstate.handshake == "SYN (1/3)"', lambda r: r["tcpstate.handshake"] == "SYN (1/3)"),
    ('tcpstate.teardown', lambda r: r["tcpstate.teardown"] != ""),
    ('tcpstate.sender == "server" && tcpstate.seq == 1', lambda r: r["tcpstate.sender"] == "server" and r["tcpstate.seq"] == "1"),
    ('tcpstate.inferred == 1', lambda r: r["tcpstate.inferred"] == "1"),
    ('tcpstate && !tcpstate.transition', lambda r: r["tcpstate.transition"] == ""),
]


def test_filters():
    """Each filter selects exactly the frames the expected outputs say, on
    every capture; and each selects some frames somewhere (a filter that
    matches nothing anywhere would pass while proving nothing)."""
    checked, matched = 0, {expr: 0 for expr, _ in FILTERS}
    for name in capture_names():
        want_rows = t.read_tsv(os.path.join(CAPTURES, name + ".expected.tsv"))
        pcap = os.path.join(CAPTURES, name + ".pcap")
        for expr, pred in FILTERS:
            want = [r["frame.number"] for r in want_rows if pred(r)]
            got = [r["frame.number"] for r in t.fields(pcap, ["frame.number"], display_filter=expr)]
            if got != want:
                fail(f"{name}: -Y '{expr}' gave frames {got}, expected {want}")
            matched[expr] += len(got)
            checked += 1
    for expr, n in matched.items():
        if n == 0:
            fail(f"-Y '{expr}' matched no frame of any capture")
    print(f"{checked} filter runs compared; frames matched per filter: {sorted(matched.values())}")


def test_custom_columns():
    """Every contract field as a custom column shows what -T fields gives.
    The columns are read from PSML by their titles (the field names): that
    works on every version, where -e _ws.col.<title> is gone from 4.2 on."""
    import xml.etree.ElementTree as ET
    pcap = os.path.join(CAPTURES, "seed.pcap")
    fmt = ",".join(f'"{f}","%Cus:{f}:0:R"' for f in CONTRACT)
    psml = t.tshark(["-r", t.readable(pcap), "-n", "-o", f"gui.column.format:{fmt}", "-T", "psml"]).stdout
    root = ET.fromstring(psml)
    titles = [s.text for s in root.find("structure")]
    if titles != CONTRACT:
        fail(f"custom columns: PSML titles {titles}, expected {CONTRACT}")
    got = [dict(zip(titles, [s.text or "" for s in packet])) for packet in root.findall("packet")]
    want = t.fields(pcap, CONTRACT, display_filter=None)
    for i, (g, w) in enumerate(zip(got, want)):
        for f in CONTRACT:
            expected = w[f]
            if f == "tcpstate.inferred" and expected in ("0", "1"):
                expected = {"0": "False", "1": "True"}[expected]  # a boolean column's words, on every version
            if g[f] != expected:
                fail(f"frame {i + 1}: custom column {f} shows {g[f]!r}, field is {w[f]!r}")
    if len(got) != len(want) or not got:
        fail(f"custom columns: {len(got)} rows, fields: {len(want)} rows")
    print(f"{len(got)} packets x {len(CONTRACT)} custom columns compared")


SO_FAR = ["tcpstate.conn_state", "tcpstate.history", "tcpstate.duration", "tcpstate.bytes.client",
          "tcpstate.bytes.server", "tcpstate.zeek_conn"]


def test_two_pass():
    """Per-packet fields, the Zeek ones "so far" included, are the same in one
    pass and in two; with -2 the final summary on every packet of a Zeek
    connection is what its last packet says."""
    names = [f for f in t.FIELDS if f != "frame.time_epoch"] + ["tcpstate.icmp_quoted"] + SO_FAR
    finals = ["tcpstate.final.conn_state", "tcpstate.final.history"]
    for pcap in all_pcaps():
        one = t.fields(pcap, names, display_filter=None)
        two_full = t.fields(pcap, names + finals, display_filter=None, extra=["-2"])
        two = [{k: v for k, v in r.items() if k not in finals} for r in two_full]
        if one != two:
            diff = next(i for i, (a, b) in enumerate(zip(one, two)) if a != b) if len(one) == len(two) else -1
            fail(f"{os.path.relpath(pcap, ROOT)}: one-pass and -2 differ (first at row {diff})")
        if not any(r["tcpstate.client"] for r in one) and any(r["tcp.stream"] for r in one):
            fail(f"{os.path.relpath(pcap, ROOT)}: TCP packets but no tcpstate output")
        last = {}
        for r in two_full:
            if r["tcpstate.zeek_conn"]:
                last[r["tcpstate.zeek_conn"]] = r
        for r in two_full:
            z = r["tcpstate.zeek_conn"]
            if z and (r["tcpstate.final.conn_state"], r["tcpstate.final.history"]) != \
                    (last[z]["tcpstate.conn_state"], last[z]["tcpstate.history"]):
                fail(f"{os.path.relpath(pcap, ROOT)}: final summary of Zeek connection {z} differs from its last packet")
                break
    print(f"{len(all_pcaps())} captures: one-pass == two-pass; final summaries == last packets")


def test_relative_numbers():
    names = ["frame.number", "tcp.stream", "tcp.seq", "tcp.ack", "tcp.flags.ack", "tcpstate.seq", "tcpstate.ack",
             "tcpstate.isn.client", "tcpstate.isn.server", "tcpstate.icmp_quoted", "tcpstate.syn.ignored",
             "tcpstate.flags.invalid"]
    compared = 0
    for pcap in all_pcaps():
        # Wireshark starts a new stream (and new relative numbers) at a SYN
        # that the connection ignores (or a SYN+FIN/SYN+RST, which no stack
        # sends); tcpstate keeps the connection's.
        rows = t.fields(pcap, names)
        split = {r["tcp.stream"] for r in rows if r["tcpstate.syn.ignored"] or r["tcpstate.flags.invalid"]}
        for r in rows:
            if not (r["tcpstate.isn.client"] and r["tcpstate.isn.server"]) or r["tcpstate.icmp_quoted"] \
                    or r["tcp.stream"] in split:
                continue
            # Without the ACK flag Wireshark still prints tcp.ack (0); tcpstate.ack is absent.
            want_ack = r["tcp.ack"] if r["tcp.flags.ack"] == "1" else ""
            if r["tcpstate.seq"] != r["tcp.seq"] or r["tcpstate.ack"] != want_ack:
                fail(f"{os.path.relpath(pcap, ROOT)} frame {r['frame.number']}: tcpstate seq/ack "
                     f"{r['tcpstate.seq']}/{r['tcpstate.ack']}, Wireshark {r['tcp.seq']}/{r['tcp.ack']}")
            compared += 1
    if compared < 1000:
        fail(f"only {compared} packets compared")
    print(f"{compared} packets: tcpstate.seq/ack == Wireshark's relative tcp.seq/ack")


def test_msl():
    """seed_late_ack.pcap: the client's last ACK again, 70 s after it entered
    TIME_WAIT.  Default MSL 30 s (TIME_WAIT 60 s, Linux): expired, CLOSED.
    MSL 120 s (TIME_WAIT 240 s, RFC 9293): still TIME_WAIT."""
    pcap = os.path.join(CAPTURES, "seed_late_ack.pcap")
    names = ["frame.number", "tcpstate.client", "tcpstate.transition", "tcpstate.time_wait.expired"]
    cases = (([], "CLOSED", True),
             (["-o", "tcpstate.msl:30"], "CLOSED", True),
             (["-o", "tcpstate.msl:36"], "TIME_WAIT", False),   # 2*36 = 72 s > 70 s
             (["-o", "tcpstate.msl:120"], "TIME_WAIT", False))
    for prefs, client, expired in cases:
        last = t.fields(pcap, names, extra=prefs)[-1]
        if last["tcpstate.client"] != client or bool(last["tcpstate.time_wait.expired"]) != expired:
            fail(f"{prefs or 'default'}: late ACK shows client {last['tcpstate.client']!r}, "
                 f"expired={bool(last['tcpstate.time_wait.expired'])}; expected {client!r}, expired={expired}")
    print("TIME_WAIT expiry follows tcpstate.msl (default 30, 36, 120)")


def test_icmp():
    """smtp.pcap quotes four segments of stream 0 in ICMP 'fragmentation
    needed' errors: they are marked, and removing them changes nothing."""
    pcap = os.path.join(ZEEK, "smtp.pcap")
    names = ["frame.number", "icmp.type", "tcp.seq_raw", "tcpstate.icmp_quoted"] + CONTRACT
    rows = t.fields(pcap, names, display_filter="tcp")
    quoted = [r for r in rows if r["icmp.type"]]
    if len(quoted) != 4 or any(r["tcpstate.icmp_quoted"] != "1" for r in quoted):
        fail(f"expected 4 ICMP-quoted TCP headers marked tcpstate.icmp_quoted, got {quoted}")
    for r in quoted:
        if r["tcpstate.transition"] or r["tcpstate.sender"] or r["tcpstate.client.prev"]:
            fail(f"frame {r['frame.number']}: a quoted header shows a segment's fields: {r}")
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o777)  # tshark may run as nobody
        stripped = os.path.join(tmp, "no-icmp.pcap")
        t.tshark(["-r", t.readable(pcap), "-Y", "!icmp", "-w", stripped])
        plain = [r for r in rows if not r["icmp.type"]]
        again = t.fields(stripped, names, display_filter="tcp")
        drop = ("frame.number",)
        if [{k: v for k, v in r.items() if k not in drop} for r in plain] != \
           [{k: v for k, v in r.items() if k not in drop} for r in again]:
            fail("removing the ICMP errors changed the TCP packets' tcpstate fields")
    print(f"{len(quoted)} quoted headers, {len(plain)} TCP segments unchanged without them")


# (trace, display filter selecting one packet, expected fields).  Each
# expectation is reasoned from the RFCs, not taken from tcpstate's output.
TRACE_STATES = [
    # One-sided capture (client -> server only): the client's ACK proves the
    # SYN-ACK reached it; its FIN is never acknowledged in the capture.
    ("mixed-vlan-mpls.pcap", "tcp.stream == 0 && tcp.flags.fin == 1",
     {"tcpstate.client": "FIN_WAIT_1", "tcpstate.server": "CLOSE_WAIT", "tcpstate.inferred": "0"}),
    ("mixed-vlan-mpls.pcap", "tcp.stream == 0 && frame.number == 2",
     {"tcpstate.client": "ESTABLISHED", "tcpstate.server": "ESTABLISHED", "tcpstate.handshake": "ACK (3/3)"}),
    # SYN then an RST at the SYN's own sequence number: outside the
    # SYN_RCVD end's window (RCV.NXT = ISN+1), so it resets nothing.
    ("tcp/syn-then-rst.pcap", "frame.number == 2",
     {"tcpstate.client": "SYN_SENT", "tcpstate.server": "SYN_RCVD", "tcpstate.rst.out_of_window": "*"}),
    # A lone RST: a connection existed (inferred) and is reset on both ends.
    ("tcp/single-rst.pcap", "frame.number == 1",
     {"tcpstate.client": "CLOSED", "tcpstate.server": "CLOSED", "tcpstate.inferred": "1"}),
    # VXLAN-encapsulated HTTP: the inner TCP goes through the whole handshake.
    ("tunnels/vxlan-encapsulated-http.pcap", "frame.number == 3",
     {"tcpstate.client": "ESTABLISHED", "tcpstate.server": "ESTABLISHED", "tcpstate.handshake": "ACK (3/3)"}),
]


def test_trace_states():
    for trace, selector, want in TRACE_STATES:
        rows = t.fields(os.path.join(ZEEK, trace), ["frame.number", *want], display_filter=selector)
        if not rows:
            fail(f"{trace} [{selector}]: no packet")
            continue
        got = rows[-1]
        for field, value in want.items():
            ok = bool(got[field]) if value == "*" else got[field] == value
            if not ok:
                fail(f"{trace} [{selector}] frame {got['frame.number']}: {field}={got[field]!r}, expected {value!r}")
    print(f"{len(TRACE_STATES)} pinned trace states checked")


# (capture, tshark options, expert field, frames it must be on).  The frames
# are read off each capture by hand; the comment says why.  Each case is also
# run with default preferences where a preference drives it, and then the
# time- or count-based experts must not fire (the captures are short and small).
EXPERTS = [
    # Client FIN acked at 0.002 s (FIN_WAIT_2 / CLOSE_WAIT since frames 4-5);
    # the next segments come 2.66 s later: both states lasted > 1 s.
    ("fin_wait_2_timeout.pcap", ["-o", "tcpstate.fin_wait_2_max:1"], "tcpstate.fin_wait_2.long", [6, 7], True),
    ("fin_wait_2_timeout.pcap", ["-o", "tcpstate.close_wait_max:1"], "tcpstate.close_wait.long", [6, 7], True),
    # The FTP server closes its control and data connections itself: its end
    # enters TIME_WAIT three times within 2*MSL (frames 31, 50, 94, 24 s apart).
    ("zeek:ftp/ipv4.pcap", [], "tcpstate.time_wait.server", [31, 50, 94], False),
    ("zeek:ftp/ipv4.pcap", ["-o", "tcpstate.server_time_wait_many:2"], "tcpstate.time_wait.server_many",
     [50, 94], True),
    # The browser opens 9 connections in 0.25 s; 3 or more wait in SYN_SENT
    # at once from frame 30 on (frames 30, 37, 38, 45, 50 are those SYNs).
    ("zeek:wikipedia.pcap", ["-o", "tcpstate.syn_sent_many:3"], "tcpstate.syn_sent.many", [30, 37, 38, 45, 50],
     True),
    # A SYN retransmitted and never answered (the SYNs dropped by a firewall):
    # the connection ends half-open; said on its last segment, with -2.
    ("syn_dropped.pcap", ["-2"], "tcpstate.half_open.unanswered", [4], False),
    # SYN answered, the client's ACKs held back: the server ends in SYN_RCVD.
    ("handshake_never_completed.pcap", ["-2"], "tcpstate.half_open.incomplete", [3], False),
    # The kernel scenarios with a forged segment: RST at the TIME_WAIT end's
    # RCV.NXT (frame 8), data beyond the client's own FIN (frame 6), an RST
    # 2^30 beyond RCV.NXT (frame 6, after handshake, data and its ACK).
    ("rst_in_time_wait.pcap", [], "tcpstate.rst.time_wait", [8], False),
    ("data_after_fin.pcap", [], "tcpstate.data_after_fin", [6], False),
    ("rst_and_syn_injected.pcap", [], "tcpstate.rst.out_of_window", [6], False),
    # The client's last ACK (frame 10) repeated 70 s later (frame 11), when its
    # TIME_WAIT is over.
    ("seed_late_ack.pcap", [], "tcpstate.closed_peer", [11], False),
]


# Expert infos when no tcpstate field is asked for (tshark then takes a fast
# path that adds no fields): a filter on the expert message alone finds the
# same frames as the expert's own field.
EXPERTS_UNREFERENCED = [
    ("rst_and_syn_injected.pcap", "tcpstate.rst.out_of_window", "RST outside the receive window"),
    ("hostile/hostile_duplicates.pcap", "tcpstate.retransmission", "Sequence space seen before"),
    ("hostile/hostile_gap.pcap", "tcpstate.gap", "Begins beyond what its sender was seen to send"),
]


def test_experts_unreferenced():
    for capture, field, message in EXPERTS_UNREFERENCED:
        pcap = os.path.join(CAPTURES, capture)
        by_field = [r["frame.number"] for r in t.fields(pcap, ["frame.number"], display_filter=field)]
        # The one-line summaries (no field printed, and the default columns
        # name no tcpstate field), so only the message filter builds the tree.
        out = t.tshark(["-r", t.readable(pcap), "-n", "-o", 'gui.column.format:"No.","%m"',
                        "-Y", f'_ws.expert.message contains "{message}"']).stdout
        by_message = [line.split()[0] for line in out.splitlines() if line.strip()]
        if not by_field or by_message != by_field:
            fail(f"{capture}: {field} on frames {by_field}, the message filter alone found {by_message}")
    print(f"{len(EXPERTS_UNREFERENCED)} experts found by their message alone")


def test_experts():
    for capture, opts, field, frames, by_pref in EXPERTS:
        pcap = os.path.join(ZEEK, capture[5:]) if capture.startswith("zeek:") else os.path.join(CAPTURES, capture)
        got = [int(r["frame.number"]) for r in t.fields(pcap, ["frame.number"], display_filter=field, extra=opts)]
        if got != frames:
            fail(f"{capture} {' '.join(opts)}: {field} on frames {got}, expected {frames}")
        if by_pref:
            default = [r["frame.number"] for r in t.fields(pcap, ["frame.number"], display_filter=field)]
            if default:
                fail(f"{capture}: {field} fires with default preferences on {default}")
    print(f"{len(EXPERTS)} expert infos on their frames")


def zstat(pcap, arg, extra=()):
    """The text of a -z tcpstate statistic."""
    return t.tshark(["-r", t.readable(pcap), "-n", "-q", *extra, "-z", arg]).stdout


def parse_table(text):
    """Rows of a tshark table statistic: {table title: [[cells]]}."""
    tables, current = {}, None
    for line in text.splitlines():
        if "|" in line and current is not None:
            tables[current].append([c.strip() for c in line.split("|")[:-1]])
        elif line and not line.startswith(("=", "Filter", "TCP State")) and "|" not in line:
            current = line.strip()
            tables[current] = []
    return tables


def last_per_connection(pcap, extra=(), display_filter="tcpstate.sender"):
    """Per tcp.stream, the fields of its last segment: the independent view
    the statistics must agree with."""
    names = ["tcp.stream", "tcpstate.client", "tcpstate.server", "tcpstate.conn_state", "tcpstate.history",
             "tcpstate.bytes.client", "tcpstate.bytes.server"]
    last = {}
    for r in t.fields(pcap, names, display_filter=display_filter, extra=extra):
        last[r["tcp.stream"]] = r
    return last


def expected_sum(last):
    import collections
    client, server, codes = collections.Counter(), collections.Counter(), collections.Counter()
    for r in last.values():
        client[r["tcpstate.client"]] += 1
        server[r["tcpstate.server"]] += 1
        codes[r["tcpstate.conn_state"]] += 1
    return client, server, codes


def check_sum(label, text, last):
    """The -z tcpstate,sum tables against the last segments: both tables must
    be there, and the connections counted must be some."""
    client, server, codes = expected_sum(last)
    if not last:
        fail(f"{label}: no connection to count (the check would compare empty tables)")
    tables = parse_table(text)
    states = {row[0]: row[1:] for row in tables.get("Endpoint states", [])}
    if len(states) != 11:
        fail(f"{label}: expected 11 state rows, got {sorted(states)}")
    for name, (total, c, s) in states.items():
        want = (client[name] + server[name], client[name], server[name])
        if (int(total), int(c), int(s)) != want:
            fail(f"{label}: {name}: -z says total {total}, client {c}, server {s}; per-packet fields say {want}")
    if "Zeek conn_state" not in tables:
        fail(f"{label}: no Zeek conn_state table")
    got_codes = {row[0]: int(row[1]) for row in tables.get("Zeek conn_state", []) if int(row[1])}
    if got_codes != {code: n for code, n in codes.items() if n}:
        fail(f"{label}: conn_state counts {got_codes}, per-packet fields say {dict(codes)}")


def test_stats():
    """-z tcpstate,sum and tcpstate,conn agree with the per-packet fields of
    each connection's last segment (the tap and the fields are separate code
    paths), with and without a filter and at a moment (at=)."""
    cases = [os.path.join(ZEEK, "ssh/ssh.client-side-half-duplex.pcap"), os.path.join(ZEEK, "ftp/ipv4.pcap"),
             os.path.join(ZEEK, "tunnels/Teredo.pcap"), os.path.join(CAPTURES, "seed.pcap")]
    for pcap in cases:
        label = os.path.basename(pcap)
        check_sum(label, zstat(pcap, "tcpstate,sum"), last_per_connection(pcap))
        # Two-pass: the statistics are tapped on the second pass, where tshark
        # (like the GUI when it retaps for a statistics window) builds no tree.
        if zstat(pcap, "tcpstate,sum", extra=["-2"]) != zstat(pcap, "tcpstate,sum"):
            fail(f"{label}: -z tcpstate,sum differs with -2")
        if zstat(pcap, "tcpstate,conn", extra=["-2"]) != zstat(pcap, "tcpstate,conn"):
            fail(f"{label}: -z tcpstate,conn differs with -2")
        # A filter that keeps some connections and not others: the first
        # stream everywhere, and FTP's control connections in ftp/ipv4.pcap.
        for flt in ["tcp.stream == 0"] + (["tcp.port == 21"] if "ftp" in pcap else []):
            check_sum(f"{label} filtered by {flt}", zstat(pcap, f"tcpstate,sum,{flt}"),
                      last_per_connection(pcap, display_filter=f"tcpstate.sender && {flt}"))
        conn = parse_table(zstat(pcap, "tcpstate,conn")).get("Connections", [])
        last = last_per_connection(pcap)
        if len(conn) != len(last):
            fail(f"{label}: -z tcpstate,conn has {len(conn)} rows, the capture {len(last)} connections")
        for row in conn:
            stream, cstate, sstate, code, hist, bc, bs = row[0], row[3], row[4], row[5], row[6], row[9], row[10]
            r = last.get(stream)
            if r is None:
                fail(f"{label}: -z row for unknown stream {stream}")
                continue
            want = (r["tcpstate.client"], r["tcpstate.server"], r["tcpstate.conn_state"],
                    r["tcpstate.history"] or "-", r["tcpstate.bytes.client"], r["tcpstate.bytes.server"])
            if (cstate, sstate, code, hist, bc, bs) != want:
                fail(f"{label} stream {stream}: -z conn {(cstate, sstate, code, hist, bc, bs)}, fields {want}")
    # at=: the netstat snapshot 14 s into ftp/ipv4.pcap is the last segment of
    # each connection up to then (frame.time_relative <= 14).
    pcap = os.path.join(ZEEK, "ftp/ipv4.pcap")
    check_sum("ftp/ipv4.pcap at=14", zstat(pcap, "tcpstate,sum,at=14"),
              last_per_connection(pcap, display_filter="tcpstate.sender && frame.time_relative <= 14"))
    # at= after the end of a TIME_WAIT: seed_late_ack's client entered it at
    # 0.024 s (frame 10); at 61 s (2*MSL = 60 s later) netstat shows it no more.
    late = parse_table(zstat(os.path.join(CAPTURES, "seed_late_ack.pcap"), "tcpstate,sum,at=61"))
    states = {row[0]: row[1:] for row in late["Endpoint states"]}
    if states["TIME_WAIT"][0] != "0" or states["CLOSED"][0] != "2":
        fail(f"seed_late_ack at=61: TIME_WAIT {states['TIME_WAIT']}, CLOSED {states['CLOSED']}; expected 0 and 2")
    early = parse_table(zstat(os.path.join(CAPTURES, "seed_late_ack.pcap"), "tcpstate,sum,at=59"))
    states = {row[0]: row[1:] for row in early["Endpoint states"]}
    if states["TIME_WAIT"][0] != "1":
        fail(f"seed_late_ack at=59: TIME_WAIT {states['TIME_WAIT']}; expected 1 (client)")
    bad = t.tshark(["-r", t.readable(pcap), "-q", "-z", "tcpstate,sum,at=x"], check=False)
    if bad.returncode == 0:
        fail("-z tcpstate,sum,at=x was accepted")
    print(f"-z tcpstate,sum and tcpstate,conn agree with the fields on {len(cases)} captures; at= checked")


HOSTILE_FIELDS = ["frame.number", "tcp.seq_raw", "tcpstate.client", "tcpstate.server", "tcpstate.seq",
                  "tcpstate.teardown", "tcpstate.history", "tcpstate.retransmission", "tcpstate.gap",
                  "tcpstate.out_of_order", "tcpstate.ack.unseen", "tcpstate.syn.unanswered", "tcpstate.flags.invalid",
                  "tcpstate.synack.bad_ack", "tcpstate.closed_peer", "tcpstate.time_wait.expired"]

# (capture, frame, {field: value}); "*" = present, "" = absent.  Reasoned from
# how each capture was built (captures/make_hostile.py) and RFC 9293 / Linux.
HOSTILE_EXPECT = [
    # The client's data runs through 2^32: relative numbers go on, nothing is
    # taken for a retransmission or a gap, the close is normal.
    ("seq_wrap", 4, {"tcpstate.seq": "1", "tcpstate.retransmission": "", "tcpstate.gap": ""}),
    ("seq_wrap", 6, {"tcpstate.seq": "201", "tcpstate.retransmission": "", "tcpstate.gap": ""}),
    ("seq_wrap", 8, {"tcpstate.seq": "401", "tcpstate.retransmission": "", "tcpstate.gap": "",
                     "tcpstate.client": "ESTABLISHED"}),
    ("seq_wrap", 12, {"tcpstate.client": "TIME_WAIT", "tcpstate.server": "CLOSED"}),
    # Bytes 101-200 captured before 1-100: the first opens a hole (gap), the
    # second fills it (out of order, not a retransmission); states unaffected.
    ("out_of_order", 4, {"tcpstate.gap": "*", "tcpstate.client": "ESTABLISHED", "tcpstate.server": "ESTABLISHED"}),
    ("out_of_order", 5, {"tcpstate.out_of_order": "*", "tcpstate.retransmission": "", "tcpstate.seq": "1"}),
    # Every segment twice, 0.1 ms apart: copies, not an unanswered SYN (the
    # server does not fall back to LISTEN), and the close ends as usual.
    ("duplicates", 2, {"tcpstate.server": "SYN_RCVD", "tcpstate.syn.unanswered": "", "tcpstate.retransmission": "*"}),
    ("duplicates", 15, {"tcpstate.client": "TIME_WAIT", "tcpstate.server": "CLOSED"}),
    # 300 bytes never captured: the next segment is flagged, the states carry
    # on (inferred across the gap), Zeek's history records the gap (G).
    ("gap", 5, {"tcpstate.gap": "*", "tcpstate.seq": "401", "tcpstate.client": "ESTABLISHED"}),
    ("gap", 6, {"tcpstate.history": "ShADaG"}),
    # SYN+FIN, SYN+RST and no flags change nothing; FIN+RST at RCV.NXT is a
    # RST Linux takes (it checks RST before FIN): both ends CLOSED, and what
    # follows is flagged as traffic of closed ends.
    ("invalid_flags", 4, {"tcpstate.flags.invalid": "*", "tcpstate.client": "ESTABLISHED", "tcpstate.server": "ESTABLISHED"}),
    ("invalid_flags", 5, {"tcpstate.flags.invalid": "*", "tcpstate.client": "ESTABLISHED", "tcpstate.server": "ESTABLISHED"}),
    ("invalid_flags", 6, {"tcpstate.client": "CLOSED", "tcpstate.server": "CLOSED"}),
    ("invalid_flags", 7, {"tcpstate.flags.invalid": "*"}),
    ("invalid_flags", 8, {"tcpstate.closed_peer": "*"}),
    # A RST with 35 bytes of text at RCV.NXT: accepted, the connection is gone.
    ("rst_with_data", 5, {"tcpstate.client": "CLOSED", "tcpstate.server": "CLOSED",
                          "tcpstate.teardown": "RST (connection aborted)"}),
    # A SYN-ACK with the wrong ACK leaves the client in SYN_SENT; its RST at
    # that ACK number changes nothing here; the second try completes.
    ("bad_synack", 2, {"tcpstate.synack.bad_ack": "*", "tcpstate.client": "SYN_SENT"}),
    ("bad_synack", 6, {"tcpstate.client": "ESTABLISHED", "tcpstate.server": "ESTABLISHED"}),
    # TCP headers read from reassembled IP fragments (not from the frame's own
    # bytes): the request's numbers and the FIN+ACK's are still right.
    ("ip_fragments", 6, {"tcpstate.seq": "1", "tcpstate.client": "ESTABLISHED"}),
    ("ip_fragments", 11, {"tcpstate.seq": "1", "tcpstate.client": "TIME_WAIT", "tcpstate.server": "LAST_ACK"}),
    # 300 s of silence in ESTABLISHED expires nothing (only TIME_WAIT has a timer).
    ("long_idle", 6, {"tcpstate.client": "ESTABLISHED", "tcpstate.server": "ESTABLISHED",
                      "tcpstate.time_wait.expired": "", "tcpstate.closed_peer": ""}),
    ("long_idle", 10, {"tcpstate.client": "TIME_WAIT", "tcpstate.server": "CLOSED"}),
]


# Wireshark's own tcp.stream numbering, which differs between versions where
# tcpstate's fields must not: from 4.4 on, TCP starts a new stream at a SYN
# repeated after a RST, so in hostile_bad_synack frames 4 to 9 are stream 1
# (4.0: stream 0).  (capture, from version, frames, stream there)
STREAM_SPLITS = [("bad_synack", (4, 4), range(4, 10), "1")]


def wireshark_streams(name, rows):
    """The expected rows with tcp.stream as this Wireshark numbers it."""
    for capture, since, frames, stream in STREAM_SPLITS:
        if capture == name and t.wireshark_version() >= since:
            for r in rows:
                if int(r["frame.number"]) in frames:
                    r["tcp.stream"] = stream
    return rows


def test_hostile():
    """Crafted hostile captures: their fields equal the reviewed expected
    outputs, and the reasoned facts above hold; a SYN flood and truncated
    headers, built at test time, are counted and marked."""
    rows = {}
    for pcap in hostile_pcaps():
        name = os.path.basename(pcap)[len("hostile_"):-len(".pcap")]
        got = t.fields(pcap)
        compare_rows(name, got, wireshark_streams(name, t.read_tsv(pcap[:-5] + ".expected.tsv")), t.FIELDS)
        rows[name] = {r["frame.number"]: r for r in t.fields(pcap, HOSTILE_FIELDS)}
    for name, frame, want in HOSTILE_EXPECT:
        got = rows[name].get(str(frame))
        if got is None:
            fail(f"hostile_{name}: no frame {frame}")
            continue
        for field, value in want.items():
            ok = bool(got[field]) if value == "*" else got[field] == value
            if not ok:
                fail(f"hostile_{name} frame {frame}: {field}={got[field]!r}, expected {value!r}")
    seq_raw = [int(rows["seq_wrap"][str(f)]["tcp.seq_raw"]) for f in (4, 6, 8)]
    if not seq_raw[2] < seq_raw[1]:
        fail(f"hostile_seq_wrap does not wrap: raw client seqs {seq_raw}")

    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o777)
        subprocess.run(["/usr/bin/python3", os.path.join(CAPTURES, "make_hostile.py"), tmp, "syn_flood"],
                       check=True, capture_output=True)
        flood = os.path.join(tmp, "hostile_syn_flood.pcap")
        # 2000 SYNs, each answered by a SYN-ACK, none completed: 2000 clients
        # ESTABLISHED (they got the SYN-ACK), 2000 server ends SYN_RCVD, and
        # once the capture is read each connection ends half-open.
        tables = parse_table(zstat(flood, "tcpstate,sum"))
        states = {row[0]: row[1:] for row in tables["Endpoint states"]}
        if states["SYN_RCVD"] != ["2000", "0", "2000"] or states["ESTABLISHED"] != ["2000", "2000", "0"]:
            fail(f"SYN flood: SYN_RCVD {states['SYN_RCVD']}, ESTABLISHED {states['ESTABLISHED']}")
        half = t.fields(flood, ["frame.number"], display_filter="tcpstate.half_open.incomplete", extra=["-2"])
        if len(half) != 2000:
            fail(f"SYN flood: {len(half)} connections flagged half-open, expected 2000")
        # Headers cut to 10 bytes (raw IP, snap length 30): nothing to read a segment
        # from; every TCP layer says so and none shows a state.
        cut = os.path.join(tmp, "seed-s30.pcap")
        subprocess.run(["editcap", "-s", "30", os.path.join(CAPTURES, "seed.pcap"), cut], check=True)
        os.chmod(cut, 0o644)
        marked = t.fields(cut, ["frame.number", "tcpstate.truncated", "tcpstate.client"], display_filter="tcp")
        if len(marked) != 10 or any(not r["tcpstate.truncated"] or r["tcpstate.client"] for r in marked):
            fail(f"truncated headers: {marked}")
    print(f"{len(HOSTILE_EXPECT)} reasoned facts over {len(rows)} hostile captures; SYN flood and truncation checked")


GENCAP_MIX = {
    # gencap's mix (tests/bench/gencap.c) and what each kind must end in:
    # client closes (70 %), 3-segment closes (5 %) and mid-stream connections
    # closed by the client (5 %) leave the client in TIME_WAIT; server closes
    # (10 %) the server; refusals (4 %) are Zeek's REJ, aborts (6 %) RSTO/RSTR.
    "client TIME_WAIT": (0.78, 0.82),
    "server TIME_WAIT": (0.085, 0.115),
    "REJ": (0.03, 0.05),
    "RSTO+RSTR": (0.05, 0.075),
}


def test_generated():
    gencap = os.environ.get("TCPSTATE_GENCAP") or os.path.join(os.path.dirname(t.plugin_dir()), "tests", "gencap")
    conns = 3000
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o777)
        pcap = os.path.join(tmp, "gen.pcap")
        # 300 concurrent connections, 200 us apart: 24 s of traffic, long
        # enough for Zeek's 5 s close timer to retire finished connections.
        subprocess.run([gencap, pcap, "-c", str(conns), "-k", "300", "-g", "200", "-s", "7"], check=True,
                       capture_output=True)
        os.chmod(pcap, 0o644)
        proc = t.tshark(["-r", pcap, "-n", "-q", "-z", "tcpstate,sum"], env_extra=["TCPSTATE_MEMSTATS=1"])
    tables = parse_table(proc.stdout)
    states = {row[0]: [int(x) for x in row[1:]] for row in tables["Endpoint states"]}
    cs = {row[0]: int(row[1]) for row in tables["Zeek conn_state"]}
    got = {"client TIME_WAIT": states["TIME_WAIT"][1] / conns, "server TIME_WAIT": states["TIME_WAIT"][2] / conns,
           "REJ": cs["REJ"] / conns, "RSTO+RSTR": (cs["RSTO"] + cs["RSTR"]) / conns}
    for what, (lo, hi) in GENCAP_MIX.items():
        if not lo <= got[what] <= hi:
            fail(f"generated capture: {what} is {got[what]:.3f} of connections, expected {lo}-{hi}")
    if sum(states["CLOSED"][1:]) + sum(states["TIME_WAIT"][1:]) != 2 * conns:
        fail(f"generated capture: endpoints not all CLOSED or TIME_WAIT at the end: {states}")
    m = re.search(r"tcpstate memory: (\d+) TCP frames, (\d+) connections, (\d+) Zeek connections "
                  r"\((\d+) live at most\); per-frame state \d+ bytes \(([\d.]+) per frame\), "
                  r"per-connection state \d+ bytes \(([\d.]+) per connection\)", proc.stderr)
    if not m:
        fail(f"no memory report on stderr: {proc.stderr[:300]}")
        return
    frames, nconn, zconn, live, per_frame, per_conn = (int(m[1]), int(m[2]), int(m[3]), int(m[4]),
                                                        float(m[5]), float(m[6]))
    if nconn != conns or zconn != conns:
        fail(f"generated capture: {nconn} connections, {zconn} Zeek connections; expected {conns}")
    # The per-frame record is 28 bytes; chunks of 4096 add at most 1.0 here.
    if per_frame > 30:
        fail(f"{per_frame} bytes per frame")
    # Finished Zeek connections give their slots back: far fewer slots than connections.
    if live > conns // 2:
        fail(f"{live} live Zeek slots for {conns} connections: finished connections are not retired")
    if per_conn > 400:
        fail(f"{per_conn} bytes per connection")
    print(f"mix {', '.join(f'{k} {v:.3f}' for k, v in got.items())}; {frames} frames, {per_frame} B/frame, "
          f"{per_conn} B/connection, {live} Zeek slots for {conns} connections")


PROFILE = "TCP State"


def profile_home():
    """nobody's HOME with the project's profile as a personal profile (the
    install step puts the same files among Wireshark's global profiles)."""
    home = t._nobody_home()
    target = os.path.join(home, ".config", "wireshark", "profiles", PROFILE)
    os.makedirs(target, exist_ok=True)
    for name in ("preferences", "colorfilters", "dfilter_buttons"):
        with open(os.path.join(ROOT, "plugin", "profile", name)) as src, open(os.path.join(target, name), "w") as dst:
            dst.write(src.read())
    for d, _, files in os.walk(os.path.join(home, ".config")):
        os.chmod(d, 0o777)
        for f in files:
            os.chmod(os.path.join(d, f), 0o666)
    return home


def expected_color(client, server, teardown):
    """The coloring rule the profile should pick, from its rules in order."""
    closing = {"FIN_WAIT_1", "FIN_WAIT_2", "CLOSING", "LAST_ACK"}
    if "RST" in teardown:
        return "TCP State: reset"
    if "CLOSE_WAIT" in (client, server):
        return "TCP State: CLOSE_WAIT"
    if "TIME_WAIT" in (client, server):
        return "TCP State: TIME_WAIT"
    if client in closing or server in closing:
        return "TCP State: closing"
    if client in ("SYN_SENT", "SYN_RCVD") or server in ("LISTEN", "SYN_RCVD"):
        return "TCP State: opening"
    if client == server == "ESTABLISHED":
        return "TCP State: established"
    if client == server == "CLOSED":
        return "TCP State: closed"
    return ""


# (button label, capture, tcp.streams it must select with -2)
BUTTONS = [
    ("CLOSE_WAIT", "close_wait_left_open", {"0"}), ("CLOSE_WAIT", "abort_client", set()),
    ("Never established", "syn_dropped", {"0"}), ("Never established", "refused", {"0"}),
    ("Never established", "handshake_never_completed", {"0"}), ("Never established", "seed", set()),
    ("Server TIME_WAIT", "server_close", {"0"}), ("Server TIME_WAIT", "client_close", set()),
    ("Resets", "refused", {"0"}), ("Resets", "client_close", set()),
]


def test_profile():
    """The "TCP State" profile: its columns show what the fields say, its
    coloring rules pick the rule the states call for, and its filter buttons
    select the connections they are named after."""
    import xml.etree.ElementTree as ET
    home = profile_home()
    names = ["frame.number", "tcpstate.client", "tcpstate.server", "tcpstate.seq", "tcpstate.ack",
             "tcpstate.transition", "tcpstate.teardown"]
    checked = colored = 0
    for name in ("seed", "client_close", "server_close", "refused", "abort_client", "close_wait_left_open",
                 "simultaneous_close", "syn_dropped"):
        pcap = t.readable(os.path.join(CAPTURES, name + ".pcap"))
        want = {r["frame.number"]: r for r in t.fields(pcap, names, display_filter="")}
        psml = t.tshark(["-C", PROFILE, "-r", pcap, "-T", "psml"]).stdout
        root = ET.fromstring(psml)
        titles = [s.text for s in root.find("structure")]
        for packet in root.findall("packet"):
            row = dict(zip(titles, [s.text or "" for s in packet]))
            w = want[row["No."]]
            got = (row["Client state"], row["Server state"], row["Seq"], row["Ack"], row["Transition"])
            exp = (w["tcpstate.client"], w["tcpstate.server"], w["tcpstate.seq"], w["tcpstate.ack"],
                   w["tcpstate.transition"])
            if got != exp:
                fail(f"{name} frame {row['No.']}: profile columns {got}, fields {exp}")
            checked += 1
        out = t.tshark(["-C", PROFILE, "--color", "-2", "-r", pcap, "-T", "fields", "-E", "separator=/t",
                        "-e", "frame.number", "-e", "frame.coloring_rule.name"]).stdout
        for line in out.splitlines():
            frame, rule = (line.split("\t") + [""])[:2]
            w = want[frame]
            exp = expected_color(w["tcpstate.client"], w["tcpstate.server"], w["tcpstate.teardown"])
            if rule != exp:
                fail(f"{name} frame {frame}: coloring rule {rule!r}, expected {exp!r}")
            colored += 1
    buttons = {}
    with open(os.path.join(ROOT, "plugin", "profile", "dfilter_buttons")) as f:
        for line in f:
            if line.startswith('"TRUE"'):
                fields = next(csv.reader([line.strip()], escapechar="\\"))
                buttons[fields[1]] = fields[2]
    for label, name, streams in BUTTONS:
        rows = t.fields(os.path.join(CAPTURES, name + ".pcap"), ["tcp.stream"], display_filter=buttons[label],
                        extra=["-2"])
        got = {r["tcp.stream"] for r in rows}
        if got != streams:
            fail(f"button {label!r} on {name}: streams {sorted(got)}, expected {sorted(streams)}")
    if colored != checked or not checked:
        fail(f"{checked} packets checked against the columns, {colored} colored")
    print(f"profile columns on {checked} packets, coloring rules on {colored}, {len(BUTTONS)} button checks; home {home}")


def test_ladder():
    """tests/ladder.py draws each packet's states where they belong: the
    client's and the server's state texts, in order, are the expected
    output's, and every arrow starts at its sender's line."""
    import xml.etree.ElementTree as ET
    import ladder
    ns = "{http://www.w3.org/2000/svg}"
    for name, stream in (("seed", 0), ("simultaneous_close", 0), ("refused", 0)):
        pcap = os.path.join(CAPTURES, name + ".pcap")
        root = ET.fromstring(ladder.draw(ladder.rows_of(pcap, stream), name))
        expected = [r for r in t.read_tsv(os.path.join(CAPTURES, name + ".expected.tsv"))
                    if r["tcp.stream"] == str(stream) and r["tcpstate.sender"]]
        for side in ("client", "server"):
            drawn = [e.text for e in root.iter(ns + "text") if e.get("class") == f"state {side}"]
            if drawn != [r[f"tcpstate.{side}"] for r in expected]:
                fail(f"{name}: {side} states drawn {drawn}, expected {[r[f'tcpstate.{side}'] for r in expected]}")
        lines = [e for e in root.iter(ns + "line") if e.get("class") == "segment"]
        client_x = min(float(e.get("x1")) for e in lines)
        for e, r in zip(lines, expected):
            starts_left = float(e.get("x1")) == client_x
            if starts_left != (r["tcpstate.sender"] == "client"):
                fail(f"{name} frame {r['frame.number']}: arrow from the wrong side")
        if len(lines) != len(expected):
            fail(f"{name}: {len(lines)} arrows for {len(expected)} packets")
    print("ladder diagrams of 3 captures match their expected outputs")


def test_zeek_traces():
    for pcap in zeek_traces():
        proc = t.tshark(["-r", t.readable(pcap), "-n", "-V"], check=False)
        rel = os.path.relpath(pcap, SHARED)
        if proc.returncode != 0:
            fail(f"{rel}: tshark exit {proc.returncode}: {proc.stderr.strip()[:300]}")
        for line in proc.stdout.splitlines() + proc.stderr.splitlines():
            if "Dissector bug" in line or "dissector bug" in line:
                fail(f"{rel}: {line.strip()}")
            if "Malformed" in line and "tcpstate" in line.lower():
                fail(f"{rel}: {line.strip()}")
        if proc.stderr.strip():
            fail(f"{rel}: stderr: {proc.stderr.strip()[:300]}")
        tcp_frames = t.fields(pcap, ["frame.number", "tcp.stream", "tcp.len", "tcpstate.client",
                                     "tcpstate.sender", "tcpstate.icmp_quoted", "tcpstate.truncated"])
        for r in tcp_frames:
            if not r["tcp.stream"]:
                continue
            # Every TCP layer shows the states; one the state machine could
            # not use (quoted by ICMP, or too short) says so.
            if not r["tcpstate.client"] and not r["tcpstate.icmp_quoted"] and not r["tcpstate.truncated"]:
                fail(f"{rel} frame {r['frame.number']}: TCP packet without tcpstate states")
            if not r["tcp.len"] and not r["tcpstate.icmp_quoted"] and r["tcpstate.sender"]:
                fail(f"{rel} frame {r['frame.number']}: a header without tcp.len drove the state machine")
    print(f"{len(zeek_traces())} traces dissected with -V, tcpstate on every TCP packet")


def test_hook():
    """tcpstate reads each TCP header through its handle in front of TCP in
    "ip.proto" 6.  A TCP layer that reaches TCP another way (here: Decode As
    on a UDP port) is marked not analysed, never silently skipped; -d
    ip.proto==6,tcp changes nothing (the hook takes TCP's place again); and
    IP protocol 6 given to another dissector is reported on stderr."""
    from scapy.all import IP, UDP, Raw, rdpcap, wrpcap
    seed = os.path.join(CAPTURES, "seed.pcap")
    want = t.read_tsv(os.path.join(CAPTURES, "seed.expected.tsv"))
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o777)
        first = rdpcap(seed)[0]
        udp = first.copy()
        udp[IP].remove_payload()
        udp[IP].proto = 17
        del udp[IP].len, udp[IP].chksum
        udp = udp / UDP(sport=5555, dport=9999) / Raw(bytes(first[IP].payload))
        pcap = os.path.join(tmp, "tcp_in_udp.pcap")
        wrpcap(pcap, [first, udp])
        os.chmod(pcap, 0o644)
        names = ["frame.number", "tcp.stream", "tcpstate.client"]
        rows = t.fields(pcap, names, display_filter="", extra=["-d", "udp.port==9999,tcp"])
        got = [(r["frame.number"], r["tcp.stream"], r["tcpstate.client"]) for r in rows]
        if got != [("1", "0", "SYN_SENT"), ("2", "0", "")]:
            fail(f"TCP in UDP: frames {got}, expected frame 1 analysed and frame 2 a TCP layer without states")
        marked = [r["frame.number"] for r in t.fields(pcap, ["frame.number"], display_filter="tcpstate.not_analysed",
                                                        extra=["-d", "udp.port==9999,tcp"])]
        if marked != ["2"]:
            fail(f"TCP in UDP: tcpstate.not_analysed on frames {marked}, expected ['2']")
        plain = [r["frame.number"] for r in t.fields(pcap, ["frame.number"], display_filter="tcpstate.not_analysed")]
        if plain:
            fail(f"without Decode As, tcpstate.not_analysed on frames {plain}")
    again = t.fields(seed, extra=["-d", "ip.proto==6,tcp"])
    compare_rows("seed with -d ip.proto==6,tcp", again, want, t.FIELDS)
    proc = t.tshark(["-r", t.readable(seed), "-d", "ip.proto==6,data", "-T", "fields", "-e", "tcpstate.client"],
                    check=False)
    if proc.stdout.strip() or "TCP State: IP protocol 6 goes to" not in proc.stderr:
        fail(f"IP protocol 6 given to data: states {proc.stdout.split()}, stderr {proc.stderr.strip()[:300]!r}")
    print("TCP in UDP marked not analysed; -d ip.proto==6,tcp keeps the states; a displaced hook is reported")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    tests = {
        "plugin-loaded": test_plugin_loaded, "fields": test_fields, "truth": test_truth,
        "filters": test_filters, "custom-columns": test_custom_columns, "two-pass": test_two_pass,
        "relative-numbers": test_relative_numbers, "icmp": test_icmp, "msl": test_msl, "zeek-traces": test_zeek_traces, "generated": test_generated, "experts-unreferenced": test_experts_unreferenced, "profile": test_profile, "ladder": test_ladder,
        "trace-states": test_trace_states, "experts": test_experts, "stats": test_stats, "hostile": test_hostile,
        "hook": test_hook,
    }
    if cmd == "list-captures":
        print(";".join(capture_names()))
        return
    tests[cmd](*args)
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)


if __name__ == "__main__":
    main()
