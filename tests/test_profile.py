#!/usr/bin/python3
"""tshark-driven tests of what the GUI shows; ctest runs each subcommand as a test.

  profile               the "TCP State" profile: columns, coloring rules, filter buttons
  ladder                tests/ladder.py's diagrams show the expected states
  profile-names         the profile names only current fields: no deprecated alias, no unknown name
"""
import csv
import os
import re

from common import CAPTURES, ROOT, fail, renames, run

import tshark_run as t


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


def test_profile_names():
    """Every tcpstate name in the profile's columns, coloring rules and
    buttons is a field of this build and none is an old name kept as an
    alias (README, "Renamed fields")."""
    current, deprecated = set(), set()
    for line in t.tshark(["-G", "fields"]).stdout.splitlines():
        cols = line.split("\t")
        if cols[0] == "F" and len(cols) > 2 and cols[2].startswith("tcpstate."):
            (deprecated if "Deprecated alias of" in line else current).add(cols[2])
    old = {o for o, _ in renames()}
    if old != deprecated:
        fail(f"deprecated fields {sorted(deprecated ^ old)} are not the renames' old names, or the reverse")
    used = set()
    for name in ("preferences", "colorfilters", "dfilter_buttons"):
        with open(os.path.join(ROOT, "plugin", "profile", name)) as f:
            for line in f:
                if not line.startswith("#"):
                    used |= set(re.findall(r"\btcpstate\.[a-z0-9_.]*[a-z0-9_]", line))
    if not used:
        fail("no tcpstate name found in the profile")
    for name in sorted(used - current):
        fail(f"the profile names {name}: " + ("a deprecated alias" if name in old else "not a tcpstate field"))
    print(f"profile: {len(used)} tcpstate names, all current fields")


if __name__ == "__main__":
    run(__doc__, {
        "profile": test_profile, "ladder": test_ladder, "profile-names": test_profile_names,
    })
