#!/usr/bin/python3
"""tshark-driven tests on other people's traces and hostile captures; ctest runs
each subcommand as a test.

  trace-states          states pinned on real traces, reasoned from RFC 9293/5961
  zeek-traces           every trace in ../shared/zeek/traces dissects (-V) without
                        an error or a dissector bug, with tcpstate on its TCP packets
  hostile               crafted hostile captures: expected outputs and reasoned facts,
                        a SYN flood and truncated headers
"""
import os
import subprocess
import tempfile

from common import (CAPTURES, SHARED, ZEEK, compare_rows, fail, hostile_pcaps, parse_table, run,
                    zeek_traces, zstat)

import tshark_run as t


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
     {"tcpstate.client": "SYN_SENT", "tcpstate.server": "SYN_RCVD", "tcpstate.analysis.rst.out_of_window": "*"}),
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

HOSTILE_FIELDS = ["frame.number", "tcp.seq_raw", "tcpstate.client", "tcpstate.server", "tcpstate.seq",
                  "tcpstate.teardown", "tcpstate.zeek.history", "tcpstate.analysis.retransmission", "tcpstate.analysis.gap",
                  "tcpstate.analysis.out_of_order", "tcpstate.analysis.ack.unseen", "tcpstate.analysis.syn.unanswered", "tcpstate.analysis.flags.invalid",
                  "tcpstate.analysis.synack.bad_ack", "tcpstate.analysis.closed_peer", "tcpstate.analysis.time_wait.expired"]

# (capture, frame, {field: value}); "*" = present, "" = absent.  Reasoned from
# how each capture was built (captures/make_hostile.py) and RFC 9293 / Linux.
HOSTILE_EXPECT = [
    # The client's data runs through 2^32: relative numbers go on, nothing is
    # taken for a retransmission or a gap, the close is normal.
    ("seq_wrap", 4, {"tcpstate.seq": "1", "tcpstate.analysis.retransmission": "", "tcpstate.analysis.gap": ""}),
    ("seq_wrap", 6, {"tcpstate.seq": "201", "tcpstate.analysis.retransmission": "", "tcpstate.analysis.gap": ""}),
    ("seq_wrap", 8, {"tcpstate.seq": "401", "tcpstate.analysis.retransmission": "", "tcpstate.analysis.gap": "",
                     "tcpstate.client": "ESTABLISHED"}),
    ("seq_wrap", 12, {"tcpstate.client": "TIME_WAIT", "tcpstate.server": "CLOSED"}),
    # Bytes 101-200 captured before 1-100: the first opens a hole (gap), the
    # second fills it (out of order, not a retransmission); states unaffected.
    ("out_of_order", 4, {"tcpstate.analysis.gap": "*", "tcpstate.client": "ESTABLISHED", "tcpstate.server": "ESTABLISHED"}),
    ("out_of_order", 5, {"tcpstate.analysis.out_of_order": "*", "tcpstate.analysis.retransmission": "", "tcpstate.seq": "1"}),
    # Every segment twice, 0.1 ms apart: copies, not an unanswered SYN (the
    # server does not fall back to LISTEN), and the close ends as usual.
    ("duplicates", 2, {"tcpstate.server": "SYN_RCVD", "tcpstate.analysis.syn.unanswered": "", "tcpstate.analysis.retransmission": "*"}),
    ("duplicates", 15, {"tcpstate.client": "TIME_WAIT", "tcpstate.server": "CLOSED"}),
    # 300 bytes never captured: the next segment is flagged, the states carry
    # on (inferred across the gap), Zeek's history records the gap (G).
    ("gap", 5, {"tcpstate.analysis.gap": "*", "tcpstate.seq": "401", "tcpstate.client": "ESTABLISHED"}),
    ("gap", 6, {"tcpstate.zeek.history": "ShADaG"}),
    # SYN+FIN, SYN+RST and no flags change nothing; FIN+RST at RCV.NXT is a
    # RST Linux takes (it checks RST before FIN): both ends CLOSED, and what
    # follows is flagged as traffic of closed ends.
    ("invalid_flags", 4, {"tcpstate.analysis.flags.invalid": "*", "tcpstate.client": "ESTABLISHED", "tcpstate.server": "ESTABLISHED"}),
    ("invalid_flags", 5, {"tcpstate.analysis.flags.invalid": "*", "tcpstate.client": "ESTABLISHED", "tcpstate.server": "ESTABLISHED"}),
    ("invalid_flags", 6, {"tcpstate.client": "CLOSED", "tcpstate.server": "CLOSED"}),
    ("invalid_flags", 7, {"tcpstate.analysis.flags.invalid": "*"}),
    ("invalid_flags", 8, {"tcpstate.analysis.closed_peer": "*"}),
    # A RST with 35 bytes of text at RCV.NXT: accepted, the connection is gone.
    ("rst_with_data", 5, {"tcpstate.client": "CLOSED", "tcpstate.server": "CLOSED",
                          "tcpstate.teardown": "RST (connection aborted)"}),
    # A SYN-ACK with the wrong ACK leaves the client in SYN_SENT; its RST at
    # that ACK number changes nothing here; the second try completes.
    ("bad_synack", 2, {"tcpstate.analysis.synack.bad_ack": "*", "tcpstate.client": "SYN_SENT"}),
    ("bad_synack", 6, {"tcpstate.client": "ESTABLISHED", "tcpstate.server": "ESTABLISHED"}),
    # TCP headers read from reassembled IP fragments (not from the frame's own
    # bytes): the request's numbers and the FIN+ACK's are still right.
    ("ip_fragments", 6, {"tcpstate.seq": "1", "tcpstate.client": "ESTABLISHED"}),
    ("ip_fragments", 11, {"tcpstate.seq": "1", "tcpstate.client": "TIME_WAIT", "tcpstate.server": "LAST_ACK"}),
    # 300 s of silence in ESTABLISHED expires nothing (only TIME_WAIT has a timer).
    ("long_idle", 6, {"tcpstate.client": "ESTABLISHED", "tcpstate.server": "ESTABLISHED",
                      "tcpstate.analysis.time_wait.expired": "", "tcpstate.analysis.closed_peer": ""}),
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
        half = t.fields(flood, ["frame.number"], display_filter="tcpstate.analysis.half_open.incomplete", extra=["-2"])
        if len(half) != 2000:
            fail(f"SYN flood: {len(half)} connections flagged half-open, expected 2000")
        # Headers cut to 10 bytes (raw IP, snap length 30): nothing to read a segment
        # from; every TCP layer says so and none shows a state.
        cut = os.path.join(tmp, "seed-s30.pcap")
        subprocess.run(["editcap", "-s", "30", os.path.join(CAPTURES, "seed.pcap"), cut], check=True)
        os.chmod(cut, 0o644)
        marked = t.fields(cut, ["frame.number", "tcpstate.analysis.truncated", "tcpstate.client"], display_filter="tcp")
        if len(marked) != 10 or any(not r["tcpstate.analysis.truncated"] or r["tcpstate.client"] for r in marked):
            fail(f"truncated headers: {marked}")
    print(f"{len(HOSTILE_EXPECT)} reasoned facts over {len(rows)} hostile captures; SYN flood and truncation checked")

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
                                     "tcpstate.sender", "tcpstate.analysis.icmp_quoted", "tcpstate.analysis.truncated"])
        for r in tcp_frames:
            if not r["tcp.stream"]:
                continue
            # Every TCP layer shows the states; one the state machine could
            # not use (quoted by ICMP, or too short) says so.
            if not r["tcpstate.client"] and not r["tcpstate.analysis.icmp_quoted"] and not r["tcpstate.analysis.truncated"]:
                fail(f"{rel} frame {r['frame.number']}: TCP packet without tcpstate states")
            if not r["tcp.len"] and not r["tcpstate.analysis.icmp_quoted"] and r["tcpstate.sender"]:
                fail(f"{rel} frame {r['frame.number']}: a header without tcp.len drove the state machine")
    print(f"{len(zeek_traces())} traces dissected with -V, tcpstate on every TCP packet")


if __name__ == "__main__":
    run(__doc__, {
        "trace-states": test_trace_states, "zeek-traces": test_zeek_traces, "hostile": test_hostile,
    })
