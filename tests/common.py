"""What the tshark-driven tests share: where the captures are, how a test
records a failure, the capture lists, row comparison, the statistics' text
and the command-line dispatch of each test file (ctest runs each subcommand
of tests/test_*.py as a test).  Running tshark itself is tests/tshark_run.py.
"""
import glob
import os
import re
import sys

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

def compare_rows(label, got, want, columns):
    if len(got) != len(want):
        fail(f"{label}: {len(got)} packets, expected {len(want)}")
    for g, w in zip(got, want):
        diff = [f"{c}={g.get(c)!r} (expected {w.get(c)!r})" for c in columns if g.get(c) != w.get(c)]
        if diff:
            fail(f"{label} frame {w.get('frame.number')}: " + "; ".join(diff))

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


def renames():
    """[(old name, new name)] of the renamed fields, read from their one
    table in plugin/tcpstate-alias.c."""
    with open(os.path.join(ROOT, "plugin", "tcpstate-alias.c")) as f:
        pairs = re.findall(r'\{ "(tcpstate\.[\w.]+)", "(tcpstate\.[\w.]+)", -1, -1 \}', f.read())
    if len(pairs) < 30:
        fail(f"only {len(pairs)} renames read from plugin/tcpstate-alias.c")
    return pairs


def run(doc, tests):
    """Run the test named on the command line (with its arguments); exit 1
    if it recorded a failure."""
    if len(sys.argv) < 2 or sys.argv[1] not in tests:
        sys.exit(doc)
    cmd, args = sys.argv[1], sys.argv[2:]
    tests[cmd](*args)
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
