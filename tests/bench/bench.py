#!/usr/bin/env python3
"""The tcpstate benchmark: what installing tcpstate costs tshark.

    tests/bench/bench.py [--build build] [--sizes 100000,1000000,3000000] [--reps 3]
                         [--work /var/tmp/tcpstate-bench] [--svg FILE] [--json FILE]
                         [--instructions N [--check] [--jobs J]] [--memory-only]

For each size it writes a capture with tests/bench/gencap (realistic,
interleaved connections: about 40 packets each, 1000 concurrent), then runs
tshark with and without the plugin, interleaved (without, with, without,
with, ...), `--reps` times each, and reports median wall time and peak RSS
and their ratios (with / without) for:

  plain         tshark -r F                     (nobody asked for tcpstate)
  disabled      tshark --disable-protocol tcpstate -r F, against plain without
  tcp-fields    -T fields -e tcp.flags.str -e tcp.seq -e tcp.ack   (both sides)
  state-fields  -T fields -e tcpstate.client -e tcpstate.server -e tcpstate.seq
                with the plugin, against tcp-fields without it
  tcp-filter    -Y 'tcp.flags.reset == 1'       (both sides)
  state-filter  -Y 'tcpstate.client == "TIME_WAIT"' with the plugin,
                against tcp-filter without it, and against
  fin-filter    -Y 'tcp.flags.fin == 1' without it: a TCP filter that
                prints about as many frames (tcp-filter prints few, and
                every frame printed costs tshark its summary line)

"Without" is Wireshark's own plugin directory minus tcpstate.so; "with" adds
the freshly built one, so both load the same other plugins.  tshark runs as
`nobody` when this runs as root (root's tshark ignores WIRESHARK_PLUGIN_DIR).
The plugin's own memory (bytes per frame and per connection, by its own
accounting: TCPSTATE_MEMSTATS) is read from the state-fields runs.  Ratios
are the targets; absolute times on shared machines are noise.  The least CPU
time of the repetitions is the one least disturbed: another tenant of the
machine, or a page cache miss, can only add time to a run, never take it
away, and a process's CPU time leaves out the time it waited.

--instructions N adds, for every comparison, tshark's instructions per
packet with and without the plugin, counted by valgrind's cachegrind (exact
and repeatable where wall time is noise): each side runs on a capture of N
packets and one of 3N, and the difference, divided by the packets between
them, cancels tshark's start-up.  tshark runs with tests/bench/fixrand.c
preloaded: Wireshark salts its hash maps with a random number, which made
the same build's count vary by about 0.5 % between runs; with the salt
fixed, a build's count repeats exactly.

--check (with --instructions) exits 1 when a comparison's instructions a
packet are above issue 15's target for it (COMPARISONS): test
bench_targets runs it on every Wireshark version CI covers, so a change that
makes tshark slower past a target fails.
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

RUNS = {
    "plain": [],
    "disabled": ["--disable-protocol", "tcpstate"],
    "tcp-fields": ["-T", "fields", "-e", "tcp.flags.str", "-e", "tcp.seq", "-e", "tcp.ack"],
    "state-fields": ["-T", "fields", "-e", "tcpstate.client", "-e", "tcpstate.server", "-e", "tcpstate.seq"],
    "tcp-filter": ["-Y", "tcp.flags.reset == 1"],
    "state-filter": ["-Y", 'tcpstate.client == "TIME_WAIT"'],
    "fin-filter": ["-Y", "tcp.flags.fin == 1"],
}
# (row, run with the plugin, run without it, issue 15's target for its
# instructions a packet, with / without: 3 % for a plain run, 1 % with
# tcpstate disabled, 5 % for any other run; --check holds the rows to them)
COMPARISONS = [
    ("plain `tshark -r`", "plain", "plain", 1.03),
    ("plain, `--disable-protocol tcpstate`", "disabled", "plain", 1.01),
    ("3 TCP fields (tcpstate installed, not asked for)", "tcp-fields", "tcp-fields", 1.05),
    ("3 tcpstate fields vs 3 TCP fields", "state-fields", "tcp-fields", 1.05),
    ("TCP filter (tcpstate installed, not asked for)", "tcp-filter", "tcp-filter", 1.05),
    ('`tcpstate.client == "TIME_WAIT"` vs a TCP filter', "state-filter", "tcp-filter", 1.05),
    ('`tcpstate.client == "TIME_WAIT"` vs a TCP filter printing about as many frames', "state-filter",
     "fin-filter", 1.05),
]
# The (side, run) pairs a comparison reads: only those are run.
NEEDED = {("with", w) for _, w, _, _ in COMPARISONS} | {("without", wo) for _, _, wo, _ in COMPARISONS}
PACKETS_PER_CONNECTION = 40  # gencap's average with -p 8, measured


def system_plugin_dir():
    out = subprocess.run(["pkg-config", "--variable=plugindir", "wireshark"], capture_output=True, text=True)
    if out.returncode == 0 and out.stdout.strip():
        return out.stdout.strip()
    return "/usr/lib/x86_64-linux-gnu/wireshark/plugins/4.0"


def plugin_dirs(work, built_so):
    """Two plugin trees: Wireshark's own plugins, and the same plus tcpstate."""
    sysdir = system_plugin_dir()
    version = os.path.basename(sysdir.rstrip("/"))
    dirs = {}
    for name in ("without", "with"):
        base = os.path.join(work, "plugins-" + name)
        shutil.rmtree(base, ignore_errors=True)
        for kind in ("epan", "wiretap", "codecs"):
            os.makedirs(os.path.join(base, version, kind))
            src = os.path.join(sysdir, kind)
            for f in sorted(os.listdir(src)) if os.path.isdir(src) else []:
                if f != "tcpstate.so":
                    os.symlink(os.path.join(src, f), os.path.join(base, version, kind, f))
        if name == "with":
            shutil.copy(built_so, os.path.join(base, version, "epan", "tcpstate.so"))
        dirs[name] = base
    subprocess.run(["chmod", "-R", "a+rX", work], check=True)
    return dirs


def as_nobody():
    """subprocess arguments that run tshark as nobody when this runs as root
    (root's tshark ignores WIRESHARK_PLUGIN_DIR); safe from several threads,
    unlike a preexec_fn."""
    return {"user": 65534, "group": 65534, "extra_groups": []} if os.geteuid() == 0 else {}


def run_tshark(plugins, pcap, args, home):
    """One tshark run: (wall seconds, peak RSS in KiB, stderr, CPU seconds)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LC_ALL": "C.UTF-8", "WIRESHARK_PLUGIN_DIR": plugins,
           "TCPSTATE_MEMSTATS": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen(["tshark", "-n", "-r", pcap, *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, **as_nobody())
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"tshark {' '.join(args)} failed ({proc.returncode}): {err[:500]}")
    return wall, usage.ru_maxrss, err, usage.ru_utime + usage.ru_stime


def check_plugin(dirs, pcap, home):
    """The 'with' tree must load tcpstate and the 'without' tree must not."""
    _, _, err, _ = run_tshark(dirs["with"], pcap, ["-c", "1", *RUNS["state-fields"]], home)
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "WIRESHARK_PLUGIN_DIR": dirs["without"]}
    proc = subprocess.run(["tshark", "-G", "plugins"], env=env, capture_output=True, text=True,
                          **as_nobody())
    if "tcpstate.so" in proc.stdout:
        sys.exit("the plugin directory without tcpstate still loads it")


MEM = re.compile(r"tcpstate memory: (\d+) TCP frames, (\d+) connections, (\d+) Zeek connections "
                 r"\((\d+) live at most\); per-frame state (\d+) bytes \(([\d.]+) per frame\), "
                 r"per-connection state (\d+) bytes \(([\d.]+) per connection\)")


def bench_capture(gencap, work, packets):
    """The generated capture of about `packets` packets (made once, kept in
    `work`): its path and its exact frame count."""
    pcap = os.path.join(work, f"bench-{packets}.pcap")
    if not os.path.exists(pcap):
        subprocess.run([gencap, pcap, "-c", str(max(1, packets // PACKETS_PER_CONNECTION)), "-k", "1000", "-p", "8",
                        "-s", "1"], check=True, stderr=subprocess.DEVNULL)
        os.chmod(pcap, 0o644)
    frames = int(subprocess.run(["capinfos", "-c", "-M", "-T", "-r", pcap], capture_output=True,
                                text=True).stdout.split()[-1])
    return pcap, frames


def bench_size(packets, reps, work, dirs, home, gencap):
    conns = max(1, packets // PACKETS_PER_CONNECTION)
    pcap, frames = bench_capture(gencap, work, packets)
    samples = {(side, run): [] for side in ("with", "without") for run in RUNS}
    mem = None
    for rep in range(reps):
        for run in RUNS:
            sides = ["without", "with"] if rep % 2 == 0 else ["with", "without"]
            for side in sides:
                if (side, run) not in NEEDED:
                    continue
                wall, rss, err, cpu = run_tshark(dirs[side], pcap, RUNS[run], home)
                samples[(side, run)].append((wall, rss, cpu))
                m = MEM.search(err)
                if side == "with" and run == "state-fields" and m:
                    mem = {"frames": int(m[1]), "connections": int(m[2]), "zeek_connections": int(m[3]),
                           "zeek_slots": int(m[4]), "frame_bytes": int(m[5]), "per_frame": float(m[6]),
                           "conn_bytes": int(m[7]), "per_connection": float(m[8])}
                print(f"  {packets:>9} rep {rep + 1} {run:13} {side:8} {wall:7.2f} s {cpu:7.2f} s CPU "
                      f"{rss / 1024:8.1f} MiB",
                      file=sys.stderr, flush=True)
    if mem is None:
        sys.exit("no tcpstate memory report from the state-fields runs (TCPSTATE_MEMSTATS)")
    # Per run: median wall time, median peak RSS, least CPU time.
    typical = {k: (statistics.median(w for w, _, _ in v), statistics.median(r for _, r, _ in v),
                   min(c for _, _, c in v))
               for k, v in samples.items() if v}
    rows = []
    for label, with_run, without_run, _ in COMPARISONS:
        tw, rw, cw = typical[("with", with_run)]
        to, ro, co = typical[("without", without_run)]
        rows.append({"what": label, "time_with": tw, "time_without": to, "time_ratio": tw / to,
                     "cpu_with": cw, "cpu_without": co, "cpu_ratio": cw / co,
                     "rss_with": rw, "rss_without": ro, "rss_ratio": rw / ro})
    return {"packets": frames, "connections": conns, "rows": rows, "memory": mem}


IREFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions(plugins, pcap, args, home, fixrand):
    """Instructions tshark executes on pcap (cachegrind, no cache simulation),
    with Wireshark's hash salt fixed (tests/bench/fixrand.c), so that a
    build's count repeats exactly; and the lines it printed (the frames a
    filter let through, each a summary line or a line of fields)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LC_ALL": "C.UTF-8", "WIRESHARK_PLUGIN_DIR": plugins,
           "LD_PRELOAD": fixrand}
    proc = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                           "tshark", "-n", "-r", pcap, *args], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, **as_nobody())
    m = IREFS.search(proc.stderr)
    if proc.returncode != 0 or not m:
        sys.exit(f"cachegrind tshark {' '.join(args)} failed: {proc.stderr[-500:]}")
    return int(m[1].replace(",", "")), proc.stdout.count("\n")


def bench_instructions(packets, work, dirs, home, gencap, fixrand_built, jobs):
    """Per comparison: instructions per packet with and without the plugin.
    The counts run `jobs` at a time: an instruction count does not depend
    on what else the machine runs."""
    pcaps = [bench_capture(gencap, work, n) for n in (packets, 3 * packets)]
    fixrand = os.path.join(work, "libfixrand.so")  # where tshark, run as nobody, can read it
    shutil.copy(fixrand_built, fixrand)
    os.chmod(fixrand, 0o755)
    wanted = [(side, run) for side in ("without", "with") for run in RUNS if (side, run) in NEEDED]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        counts = {(side, run, pcap): pool.submit(instructions, dirs[side], pcap, RUNS[run], home, fixrand)
                  for side, run in wanted for pcap, _ in pcaps}
        counts = {k: v.result() for k, v in counts.items()}
    per_packet, printed = {}, {}
    for side, run in wanted:
        (small, small_lines), (large, large_lines) = (counts[(side, run, pcap)] for pcap, _ in pcaps)
        per_packet[(side, run)] = (large - small) / (pcaps[1][1] - pcaps[0][1])
        printed[(side, run)] = large_lines - small_lines
        print(f"  instructions {run:13} {side:8} {per_packet[(side, run)]:9.0f} per packet, "
              f"{printed[(side, run)]} frames printed", file=sys.stderr, flush=True)
    rows = [{"what": label, "with": per_packet[("with", w)], "without": per_packet[("without", wo)],
             "ratio": per_packet[("with", w)] / per_packet[("without", wo)], "target": target,
             "printed_with": printed[("with", w)], "printed_without": printed[("without", wo)]}
            for label, w, wo, target in COMPARISONS]
    return {"packets": [f for _, f in pcaps], "rows": rows}


def over_targets(result):
    """The rows whose instructions a packet are above issue 15's target,
    each with how far: the instructions a packet over it."""
    return [(row["what"], row["with"] - row["target"] * row["without"]) for row in result["rows"]
            if row["ratio"] > row["target"]]


def markdown_instructions(result):
    between = result['packets'][1] - result['packets'][0]
    lines = [f"Instructions per packet (cachegrind; the difference between {result['packets'][0]:,} and "
             f"{result['packets'][1]:,} packets):", "",
             f"| run | instructions per packet with / without | ratio | target: instructions a packet under it "
             f"| frames printed with / without (of the {between:,}) |", "|---|---:|---:|---:|---:|"]
    for row in result["rows"]:
        under = row["target"] * row["without"] - row["with"]
        lines.append(f"| {row['what']} | {row['with']:,.0f} / {row['without']:,.0f} | **{row['ratio']:.3f}** | "
                     f"{row['target']:.2f}: {under:,.0f} | {row['printed_with']:,} / {row['printed_without']:,} |")
    return "\n".join(lines)


def svg_plot(results, path):
    """Two small line charts (time, peak RSS) against packets, with and
    without the plugin, for the plain and the tcpstate-fields runs."""
    w, h, pad = 360, 240, 48
    series = [("plain, without", "without", "plain", "#888", "4 3"),
              ("plain, with tcpstate", "with", "plain", "#1f77b4", ""),
              ("3 TCP fields, without", "without", "tcp-fields", "#bbb", "4 3"),
              ("3 tcpstate fields, with", "with", "state-fields", "#d62728", "")]
    xs = [r["packets"] for r in results]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * w + 40}" height="{h + 90}" '
           f'font-family="sans-serif" font-size="11">', '<rect width="100%" height="100%" fill="white"/>']

    def value(r, side, run, idx):
        for label, wr, wo, _ in COMPARISONS:
            row = next(x for x in r["rows"] if x["what"] == label)
            if side == "with" and wr == run:
                return row["time_with"] if idx == 0 else row["rss_with"] / 1024
            if side == "without" and wo == run:
                return row["time_without"] if idx == 0 else row["rss_without"] / 1024
        return None

    for panel, (title, idx) in enumerate([("wall time (s, median)", 0), ("peak RSS (MiB, median)", 1)]):
        ox = 20 + panel * (w + 10)
        ys = [value(r, s[1], s[2], idx) for r in results for s in series]
        ymax = max(y for y in ys if y is not None) * 1.1
        xmax = max(xs) * 1.05

        def px(x):
            return ox + pad + (w - pad - 10) * x / xmax

        def py(y):
            return 20 + (h - 40) * (1 - y / ymax)

        out.append(f'<text x="{ox + w / 2}" y="14" text-anchor="middle" font-weight="bold">{title}</text>')
        out.append(f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(xmax)}" y2="{py(0)}" stroke="black"/>')
        out.append(f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(0)}" y2="{py(ymax)}" stroke="black"/>')
        for k in range(5):
            yv = ymax * k / 5
            out.append(f'<text x="{px(0) - 4}" y="{py(yv) + 4}" text-anchor="end">{yv:.0f}</text>')
        for x in xs:
            out.append(f'<text x="{px(x)}" y="{py(0) + 14}" text-anchor="middle">{x / 1e6:.1f}M</text>')
        out.append(f'<text x="{ox + w / 2}" y="{h + 10}" text-anchor="middle">packets</text>')
        for label, side, run, color, dash in series:
            pts = [(px(r["packets"]), py(value(r, side, run, idx))) for r in results]
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}" '
                       f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}"/>')
            for x, y in pts:
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>')
    for i, (label, _, _, color, dash) in enumerate(series):
        lx, ly = 30 + (i % 2) * 330, h + 35 + (i // 2) * 18
        out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 24}" y2="{ly - 4}" stroke="{color}" '
                   f'stroke-width="2" stroke-dasharray="{dash}"/>')
        out.append(f'<text x="{lx + 30}" y="{ly}">{label}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def markdown(results, meta):
    lines = [f"Measured {meta['date']} on {meta['machine']}, Wireshark {meta['wireshark']}, "
             f"median of {meta['reps']} interleaved runs.", "",
             "| packets | connections | run | time with / without | ratio | least CPU time with / without | ratio "
             "| peak RSS with / without (MiB) | ratio |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        for row in r["rows"]:
            lines.append(f"| {r['packets']:,} | {r['connections']:,} | {row['what']} | "
                         f"{row['time_with']:.2f} s / {row['time_without']:.2f} s | **{row['time_ratio']:.3f}** | "
                         f"{row['cpu_with']:.2f} s / {row['cpu_without']:.2f} s | **{row['cpu_ratio']:.3f}** | "
                         f"{row['rss_with'] / 1024:.0f} / {row['rss_without'] / 1024:.0f} | "
                         f"**{row['rss_ratio']:.3f}** |")
    lines += ["", "| packets | connections | tcpstate's per-frame state | per frame | per-connection state | "
              "per connection | live Zeek slots |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        m = r["memory"]
        lines.append(f"| {m['frames']:,} | {m['connections']:,} | {m['frame_bytes'] / 2**20:.1f} MiB | "
                     f"{m['per_frame']:.1f} B | {m['conn_bytes'] / 2**20:.1f} MiB | {m['per_connection']:.1f} B | "
                     f"{m['zeek_slots']:,} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--sizes", default="100000,1000000,3000000")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--work", default="/var/tmp/tcpstate-bench")
    ap.add_argument("--svg", default=None, help="write the plot here")
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("--instructions", type=int, default=0, metavar="N",
                    help="also count instructions per packet with cachegrind on N and 3N packets (0: no)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count(),
                    help="instruction counts run at once (default: one a CPU)")
    ap.add_argument("--check", action="store_true",
                    help="with --instructions: exit 1 if a row's instructions a packet are above issue 15's target")
    ap.add_argument("--memory-only", action="store_true",
                    help="only the plugin's own memory (one state-fields run per size)")
    args = ap.parse_args()
    if args.check and not args.instructions:
        ap.error("--check needs --instructions N")

    built_so = None
    for dirpath, _, files in os.walk(os.path.join(args.build, "plugins")):
        if "tcpstate.so" in files:
            built_so = os.path.join(dirpath, "tcpstate.so")
    gencap = os.path.join(args.build, "tests", "gencap")
    fixrand = os.path.join(args.build, "tests", "libfixrand.so")
    if not built_so or not os.path.exists(gencap) or not os.path.exists(fixrand):
        sys.exit(f"build first: cmake --build {args.build} (needs the plugin, tests/gencap and tests/libfixrand.so)")
    os.makedirs(args.work, exist_ok=True)
    os.chmod(args.work, 0o755)
    home = os.path.join(args.work, "home")
    os.makedirs(home, exist_ok=True)
    os.chmod(home, 0o777)
    dirs = plugin_dirs(args.work, built_so)
    check_plugin(dirs, os.path.join(ROOT, "captures", "seed.pcap"), home)

    sizes = [int(float(s)) for s in args.sizes.split(",") if s]  # --sizes "": instructions only
    if args.memory_only:
        for packets in sizes:
            pcap, _ = bench_capture(gencap, args.work, packets)
            _, _, err, _ = run_tshark(dirs["with"], pcap, RUNS["state-fields"], home)
            m = MEM.search(err)
            print(f"{packets}: {m[0] if m else err.strip()[:200]}")
        return
    results = []
    for packets in sizes:
        results.append(bench_size(packets, args.reps, args.work, dirs, home, gencap))
    counted = (bench_instructions(args.instructions, args.work, dirs, home, gencap, fixrand, args.jobs)
               if args.instructions else None)
    ws = subprocess.run(["tshark", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    meta = {"date": datetime.date.today().isoformat(),
            "machine": f"{platform.node()} ({cpu}, {os.cpu_count()} CPUs, "
                       f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB)",
            "wireshark": ws.replace("TShark (Wireshark) ", "").split(" ")[0], "reps": args.reps}
    if results:
        print(markdown(results, meta))
    if counted:
        print()
        print(markdown_instructions(counted))
    if args.svg and results:
        svg_plot(results, args.svg)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": results, "instructions": counted}, f, indent=1)
    if args.check:
        over = over_targets(counted)
        for what, by in over:
            print(f"over its target: {what}, by {by:,.0f} instructions a packet", file=sys.stderr)
        sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()
