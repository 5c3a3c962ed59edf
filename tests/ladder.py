#!/usr/bin/python3
"""Draw one TCP connection as a time-sequence (ladder) diagram, SVG, with
each packet's client and server state, from tshark's tcpstate fields.

    tests/ladder.py CAPTURE [--stream N] [-o OUT.svg] [--title TEXT]

The client is the left line, the server the right one; each packet is an
arrow from its sender, labelled with its flags and ISN-relative numbers, and
the state of each end after it is written beside that end (in bold where it
changed).  tshark runs with the plugin as the tests run it (tshark_run.py).
"""
import argparse
import html
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tshark_run as t  # noqa: E402

FIELDS = ["frame.number", "frame.time_relative", "tcp.stream", "tcp.flags.str", "tcp.len", "tcpstate.sender",
          "tcpstate.client", "tcpstate.server", "tcpstate.client.prev", "tcpstate.server.prev",
          "tcpstate.seq", "tcpstate.ack", "tcpstate.handshake", "tcpstate.teardown"]

FLAG_NAMES = [("S", "SYN"), ("F", "FIN"), ("R", "RST"), ("P", "PSH"), ("A", "ACK")]
STATE_COLORS = {"ESTABLISHED": "#2e7d32", "TIME_WAIT": "#6a1b9a", "CLOSE_WAIT": "#e65100", "CLOSED": "#616161",
                "LISTEN": "#1565c0", "SYN_SENT": "#1565c0", "SYN_RCVD": "#1565c0"}


def flags_text(flags_str):
    """tcp.flags.str ("·······A···F") as "FIN, ACK"."""
    s = flags_str.replace("\u00b7", "")
    return ", ".join(name for letter, name in FLAG_NAMES if letter in s)


def rows_of(pcap, stream):
    rows = t.fields(pcap, FIELDS, display_filter=f"tcp.stream == {stream} && tcpstate.sender")
    if not rows:
        sys.exit(f"{pcap}: no packet of tcp.stream {stream} with tcpstate fields")
    return rows


def draw(rows, title):
    left, right, top, step = 190, 590, 70, 46
    width, height = 780, top + step * len(rows) + 50
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           '<defs><marker id="arrow" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto">'
           '<path d="M0,0 L10,4 L0,8 z" fill="#333"/></marker></defs>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-weight="bold">{html.escape(title)}</text>',
           f'<text x="{left}" y="45" text-anchor="middle" font-weight="bold">client</text>',
           f'<text x="{right}" y="45" text-anchor="middle" font-weight="bold">server</text>',
           f'<line x1="{left}" y1="52" x2="{left}" y2="{height - 20}" stroke="#999" stroke-width="2"/>',
           f'<line x1="{right}" y1="52" x2="{right}" y2="{height - 20}" stroke="#999" stroke-width="2"/>']
    for i, r in enumerate(rows):
        y0 = top + step * i
        y1 = y0 + step * 0.7
        from_client = r["tcpstate.sender"] == "client"
        x0, x1 = (left, right) if from_client else (right, left)
        label = flags_text(r["tcp.flags.str"])
        numbers = f'seq {r["tcpstate.seq"]}' + (f', ack {r["tcpstate.ack"]}' if r["tcpstate.ack"] else "")
        if r["tcp.len"] not in ("", "0"):
            numbers += f', len {r["tcp.len"]}'
        out.append(f'<line class="segment" data-frame="{r["frame.number"]}" x1="{x0}" y1="{y0:.1f}" x2="{x1}" '
                   f'y2="{y1:.1f}" stroke="#333" stroke-width="1.5" marker-end="url(#arrow)"/>')
        mid_x, mid_y = (left + right) / 2, (y0 + y1) / 2
        out.append(f'<text x="{mid_x}" y="{mid_y - 6:.1f}" text-anchor="middle">{html.escape(label)}</text>')
        out.append(f'<text x="{mid_x}" y="{mid_y + 12:.1f}" text-anchor="middle" fill="#555" '
                   f'font-size="11">{html.escape(numbers)}</text>')
        out.append(f'<text x="12" y="{y0 + 4:.1f}" fill="#888" font-size="10">#{r["frame.number"]} '
                   f't={float(r["frame.time_relative"]):.3f}</text>')
        for side, x, anchor in (("client", left - 10, "end"), ("server", right + 10, "start")):
            state, prev = r[f"tcpstate.{side}"], r[f"tcpstate.{side}.prev"]
            weight = "bold" if state != prev else "normal"
            color = STATE_COLORS.get(state, "#bf360c")
            y = y1 if (side == "client") != from_client else y0
            out.append(f'<text class="state {side}" data-frame="{r["frame.number"]}" x="{x}" y="{y + 4:.1f}" '
                       f'text-anchor="{anchor}" font-weight="{weight}" fill="{color}">{state}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("capture")
    ap.add_argument("--stream", type=int, default=0)
    ap.add_argument("-o", "--output", default="-")
    ap.add_argument("--title", default=None)
    args = ap.parse_args()
    rows = rows_of(args.capture, args.stream)
    title = args.title or f"{os.path.basename(args.capture)}, tcp.stream {args.stream}: states after each segment"
    svg = draw(rows, title)
    if args.output == "-":
        sys.stdout.write(svg)
    else:
        with open(args.output, "w") as f:
            f.write(svg)


if __name__ == "__main__":
    main()
