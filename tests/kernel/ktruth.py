#!/usr/bin/python3
"""Ground truth from the Linux kernel.

  ktruth.py record [--out DIR] [SCENARIO ...]
      Run scenarios (all by default), each in a private network namespace
      created here and deleted afterwards: DIR/NAME.pcap and DIR/NAME.truth.tsv.
  ktruth.py check PCAP_OR_EXPECTED_TSV TRUTH_TSV
      Compare tcpstate's states on the last packet of each connection before
      every kernel snapshot with the kernel's states.  Exit 1 on any
      disagreement.
  ktruth.py run [--out DIR] [SCENARIO ...]
      record, then check every scenario; prints a table per scenario and the
      total agreement.
  ktruth.py regen [SCENARIO ...]
      Re-record the scenarios (all by default) into captures/, check them (all must agree with
      the kernel) and only then write each NAME.expected.tsv.

Needs root (namespaces, tcpdump, nftables).
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import tshark_run  # noqa: E402
from scenarios import SCENARIOS  # noqa: E402

PYTHON = "/usr/bin/python3"  # Debian's, which has scapy and nothing of a user's environment


def record(names, outdir):
    os.makedirs(outdir, exist_ok=True)
    for i, name in enumerate(names):
        ns = f"tcpstate-{os.getpid()}-{i}"
        made = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
        if made.returncode != 0:
            sys.exit(f"ERROR: cannot create network namespace {ns}: {made.stderr.strip()}\n"
                     "The kernel-truth harness needs root and network namespaces; it does not "
                     "pass without them.")
        try:
            subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
            subprocess.run(["ip", "netns", "exec", ns, PYTHON, os.path.join(HERE, "runner.py"),
                            name, outdir], check=True, timeout=120)
        finally:
            subprocess.run(["ip", "netns", "del", ns], check=False)
        print(f"recorded {name}", file=sys.stderr)


def packet_rows(source):
    if source.endswith(".tsv"):
        return tshark_run.read_tsv(source)
    return tshark_run.fields(source)


def check(source, truth_path):
    """Returns (agreeing, total, lines of the table)."""
    rows = [r for r in packet_rows(source) if r.get("tcpstate.client")]
    truth = tshark_run.read_tsv(truth_path)
    lines, agree = [], 0
    for t in truth:
        when = float(t["time"])
        pa, pb = t["port_a"], t["port_b"]
        last = None
        for r in rows:
            if {r["tcp.srcport"], r["tcp.dstport"]} == {pa, pb} and float(r["frame.time_epoch"]) <= when:
                last = r
        if last is None:
            got_a = got_b = "(no packet)"
        else:
            from_client = last["tcpstate.sender"] == "client"
            client_port = last["tcp.srcport"] if from_client else last["tcp.dstport"]
            got_a = last["tcpstate.client"] if pa == client_port else last["tcpstate.server"]
            got_b = last["tcpstate.server"] if pa == client_port else last["tcpstate.client"]
        ok = (got_a, got_b) == (t["state_a"], t["state_b"])
        agree += ok
        frame = last["frame.number"] if last else "-"
        lines.append(f"  {'ok  ' if ok else 'DIFF'} {t['step']:<34} :{pa} truth {t['state_a']:<11} "
                     f"tcpstate {got_a:<11} | :{pb} truth {t['state_b']:<11} tcpstate {got_b:<11} "
                     f"(frame {frame})")
    return agree, len(truth), lines


def run(names, outdir):
    record(names, outdir)
    total_ok = total = 0
    for name in names:
        ok, n, lines = check(os.path.join(outdir, f"{name}.pcap"), os.path.join(outdir, f"{name}.truth.tsv"))
        total_ok += ok
        total += n
        print(f"{name}: {ok}/{n} snapshots agree")
        print("\n".join(lines))
    print(f"TOTAL: {total_ok}/{total} kernel snapshots agree")
    return total_ok == total and total > 0


def regen(names):
    captures = os.path.join(os.path.dirname(os.path.dirname(HERE)), "captures")
    names = sorted(names or SCENARIOS)
    with tempfile.TemporaryDirectory() as tmp:
        if not run(names, tmp):
            sys.exit("kernel disagreement: expected outputs NOT written; fix the plugin first")
        for name in names:
            for ext in (".pcap", ".truth.tsv"):
                os.replace(os.path.join(tmp, name + ext), os.path.join(captures, name + ext))
            pcap = os.path.join(captures, name + ".pcap")
            tshark_run.write_tsv(os.path.join(captures, name + ".expected.tsv"), tshark_run.fields(pcap))
    print(f"wrote {len(names)} captures with truth and expected outputs into {captures}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for cmd in ("record", "run"):
        p = sub.add_parser(cmd)
        p.add_argument("--out", default=None)
        p.add_argument("scenarios", nargs="*")
    p = sub.add_parser("check")
    p.add_argument("source")
    p.add_argument("truth")
    p = sub.add_parser("regen")
    p.add_argument("scenarios", nargs="*")
    a = ap.parse_args()

    if a.cmd == "regen":
        regen(a.scenarios)
        return
    if a.cmd == "check":
        ok, n, lines = check(a.source, a.truth)
        print("\n".join(lines))
        print(f"{ok}/{n} snapshots agree")
        sys.exit(0 if ok == n and n else 1)
    names = a.scenarios or sorted(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        sys.exit(f"unknown scenarios: {unknown}")
    out = a.out or tempfile.mkdtemp(prefix="tcpstate-ktruth-")
    if a.cmd == "record":
        record(names, out)
        print(out)
    else:
        sys.exit(0 if run(names, out) else 1)


if __name__ == "__main__":
    main()
