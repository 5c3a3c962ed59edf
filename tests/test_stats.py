#!/usr/bin/python3
"""tshark-driven tests of the statistics; ctest runs each subcommand as a test.

  stats                 -z tcpstate,sum and tcpstate,conn agree with the per-packet fields
  generated             the benchmark's generated capture: the states and conn_states
                        match the mix gencap wrote; memory stays within bounds and
                        finished Zeek connections give their slots back
  generated-slow        the same, slow enough that Zeek's timers split connections:
                        every frame still keeps 16 bytes, and each shows its own
                        Zeek connection
"""
import os
import re
import subprocess
import tempfile

from common import CAPTURES, ZEEK, fail, parse_table, run, zstat

import tshark_run as t


def last_per_connection(pcap, extra=(), display_filter="tcpstate.sender"):
    """Per tcp.stream, the fields of its last segment: the independent view
    the statistics must agree with."""
    names = ["tcp.stream", "tcpstate.client", "tcpstate.server", "tcpstate.zeek.conn_state", "tcpstate.zeek.history",
             "tcpstate.zeek.bytes.client", "tcpstate.zeek.bytes.server"]
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
        codes[r["tcpstate.zeek.conn_state"]] += 1
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
            want = (r["tcpstate.client"], r["tcpstate.server"], r["tcpstate.zeek.conn_state"],
                    r["tcpstate.zeek.history"] or "-", r["tcpstate.zeek.bytes.client"], r["tcpstate.zeek.bytes.server"])
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

# tcpstate's memory report (TCPSTATE_MEMSTATS) on stderr.
MEMORY = re.compile(r"tcpstate memory: (\d+) TCP frames, (\d+) connections, (\d+) Zeek connections "
                    r"\((\d+) live at most\); per-frame state \d+ bytes \(([\d.]+) per frame\), "
                    r"per-connection state \d+ bytes \(([\d.]+) per connection\)")


def generated_capture(tmp, conns, gap_us):
    """The benchmark generator's capture of `conns` connections, 300 at a
    time, packets `gap_us` apart, in directory `tmp`."""
    gencap = os.environ.get("TCPSTATE_GENCAP") or os.path.join(os.path.dirname(t.plugin_dir()), "tests", "gencap")
    os.chmod(tmp, 0o777)
    pcap = os.path.join(tmp, f"gen-{gap_us}.pcap")
    subprocess.run([gencap, pcap, "-c", str(conns), "-k", "300", "-g", str(gap_us), "-s", "7"], check=True,
                   capture_output=True)
    os.chmod(pcap, 0o644)
    return pcap


def test_generated():
    conns = 3000
    with tempfile.TemporaryDirectory() as tmp:
        # 200 us apart: 24 s of traffic, long enough for Zeek's 5 s close
        # timer to retire finished connections.
        pcap = generated_capture(tmp, conns, 200)
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
    m = MEMORY.search(proc.stderr)
    if not m:
        fail(f"no memory report on stderr: {proc.stderr[:300]}")
        return
    frames, nconn, zconn, live, per_frame, per_conn = (int(m[1]), int(m[2]), int(m[3]), int(m[4]),
                                                        float(m[5]), float(m[6]))
    if nconn != conns or zconn != conns:
        fail(f"generated capture: {nconn} connections, {zconn} Zeek connections; expected {conns}")
    # The per-frame record is 16 bytes; chunks of 1,024 add at most 0.2 here.
    if per_frame > 16.2:
        fail(f"{per_frame} bytes per frame")
    # Finished Zeek connections give their slots back: far fewer slots than connections.
    if live > conns // 2:
        fail(f"{live} live Zeek slots for {conns} connections: finished connections are not retired")
    if per_conn > 400:
        fail(f"{per_conn} bytes per connection")
    print(f"mix {', '.join(f'{k} {v:.3f}' for k, v in got.items())}; {frames} frames, {per_frame} B/frame, "
          f"{per_conn} B/connection, {live} Zeek slots for {conns} connections")


def test_generated_slow():
    conns = 3000
    with tempfile.TemporaryDirectory() as tmp:
        # 10 ms apart: a connection's segments come about 3 s apart, often
        # more than Zeek's 5 s timers allow (the attempt and close delays),
        # and Zeek starts a new connection.  Its number comes long after
        # the first one's.
        pcap = generated_capture(tmp, conns, 10000)
        # The tap keeps Zeek's model on the first pass; the second shows
        # what the first kept.
        proc = t.tshark(["-r", pcap, "-n", "-2", "-z", "tcpstate,sum", "-T", "fields", "-e", "tcp.stream",
                         "-e", "tcpstate.zeek.conn"], env_extra=["TCPSTATE_MEMSTATS=1"])
    m = MEMORY.search(proc.stderr)
    if not m:
        fail(f"no memory report on stderr: {proc.stderr[:300]}")
        return
    frames, nconn, zconn, per_frame = int(m[1]), int(m[2]), int(m[3]), float(m[5])
    if nconn != conns or zconn < conns * 1.2:
        fail(f"slow capture: {nconn} connections, {zconn} Zeek connections; expected {conns} and at least "
             f"{conns * 1.2:.0f} (Zeek splits connections here)")
    if per_frame > 16.2:
        fail(f"slow capture: {per_frame} bytes per frame (the Zeek connection of a frame is kept aside)")
    # Each frame shows the Zeek connection it went to: a stream's are
    # non-decreasing (Zeek numbers them as they start), and together the
    # frames name every Zeek connection.
    latest, shown = {}, set()
    for line in proc.stdout.splitlines():
        f = line.split("\t")
        if len(f) != 2 or not f[0].isdigit():
            continue
        stream, zk = int(f[0]), int(f[1]) if f[1] else 0
        if zk == 0 or zk < latest.get(stream, 0):
            fail(f"slow capture: stream {stream} shows Zeek connection {zk} after {latest.get(stream)}")
            return
        latest[stream] = zk
        shown.add(zk)
    if len(latest) != conns or len(shown) != zconn or max(shown) != zconn:
        fail(f"slow capture: {len(latest)} streams show {len(shown)} Zeek connections (highest {max(shown)}); "
             f"expected {conns} streams and all {zconn}")
    print(f"{frames} frames, {per_frame} B/frame, {zconn} Zeek connections for {nconn} connections")


if __name__ == "__main__":
    run(__doc__, {
        "stats": test_stats, "generated": test_generated, "generated-slow": test_generated_slow,
    })
