#!/usr/bin/python3
"""tshark-driven tests of the expert infos; ctest runs each subcommand as a test.

  experts               each expert info is on the frames read off its capture by hand
  experts-unreferenced  expert infos are there when no tcpstate field is asked for
  experts-tap           tshark -z expert (which builds no tree) counts each expert info on its frames
  experts-column        the expert severity column shows tcpstate's expert infos with or without a tree
"""
import os

from common import CAPTURES, ZEEK, fail, run

import tshark_run as t


# (capture, tshark options, expert field, frames it must be on).  The frames
# are read off each capture by hand; the comment says why.  Each case is also
# run with default preferences where a preference drives it, and then the
# time- or count-based experts must not fire (the captures are short and small).
EXPERTS = [
    # Client FIN acked at 0.002 s (FIN_WAIT_2 / CLOSE_WAIT since frames 4-5);
    # the next segments come 2.66 s later: both states lasted > 1 s.
    ("fin_wait_2_timeout.pcap", ["-o", "tcpstate.fin_wait_2_max:1"], "tcpstate.analysis.fin_wait_2.long", [6, 7], True),
    ("fin_wait_2_timeout.pcap", ["-o", "tcpstate.close_wait_max:1"], "tcpstate.analysis.close_wait.long", [6, 7], True),
    # The FTP server closes its control and data connections itself: its end
    # enters TIME_WAIT three times within 2*MSL (frames 31, 50, 94, 24 s apart).
    ("zeek:ftp/ipv4.pcap", [], "tcpstate.analysis.time_wait.server", [31, 50, 94], False),
    ("zeek:ftp/ipv4.pcap", ["-o", "tcpstate.server_time_wait_many:2"], "tcpstate.analysis.time_wait.server_many",
     [50, 94], True),
    # The browser opens 9 connections in 0.25 s; 3 or more wait in SYN_SENT
    # at once from frame 30 on (frames 30, 37, 38, 45, 50 are those SYNs).
    ("zeek:wikipedia.pcap", ["-o", "tcpstate.syn_sent_many:3"], "tcpstate.analysis.syn_sent.many", [30, 37, 38, 45, 50],
     True),
    # A SYN retransmitted and never answered (the SYNs dropped by a firewall):
    # the connection ends half-open; said on its last segment, with -2.
    ("syn_dropped.pcap", ["-2"], "tcpstate.analysis.half_open.unanswered", [4], False),
    # SYN answered, the client's ACKs held back: the server ends in SYN_RCVD.
    ("handshake_never_completed.pcap", ["-2"], "tcpstate.analysis.half_open.incomplete", [3], False),
    # The kernel scenarios with a forged segment: RST at the TIME_WAIT end's
    # RCV.NXT (frame 8), data beyond the client's own FIN (frame 6), an RST
    # 2^30 beyond RCV.NXT (frame 6, after handshake, data and its ACK).
    ("rst_in_time_wait.pcap", [], "tcpstate.analysis.rst.time_wait", [8], False),
    ("data_after_fin.pcap", [], "tcpstate.analysis.data_after_fin", [6], False),
    ("rst_and_syn_injected.pcap", [], "tcpstate.analysis.rst.out_of_window", [6], False),
    # The client's last ACK (frame 10) repeated 70 s later (frame 11), when its
    # TIME_WAIT is over.
    ("seed_late_ack.pcap", [], "tcpstate.analysis.closed_peer", [11], False),
]

# Expert infos when no tcpstate field is asked for (tshark then takes a fast
# path that adds no fields): a filter on the expert message alone finds the
# same frames as the expert's own field.
EXPERTS_UNREFERENCED = [
    ("rst_and_syn_injected.pcap", "tcpstate.analysis.rst.out_of_window", "RST outside the receive window"),
    ("hostile/hostile_duplicates.pcap", "tcpstate.analysis.retransmission", "Sequence space seen before"),
    ("hostile/hostile_gap.pcap", "tcpstate.analysis.gap", "Begins beyond what its sender was seen to send"),
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


def expert_summaries():
    """Expert field -> its summary (its name in tshark -G fields)."""
    return {cols[2]: cols[1] for cols in (line.split("\t") for line in t.tshark(["-G", "fields"]).stdout.splitlines())
            if len(cols) > 2 and cols[2].startswith("tcpstate.analysis.")}

def test_experts_tap():
    """tshark -z expert builds no protocol tree, so TCP's expert infos reached
    its table and tcpstate's did not (it added them only to a tree).  Each
    expert info of EXPERTS must be counted there as often as the frames it is
    on, with -q and with summary lines printed (a one-pass run that tcpstate
    must not leave alone: the expert tap reads its results)."""
    summaries = expert_summaries()
    for capture, opts, field, frames, _ in EXPERTS:
        pcap = os.path.join(ZEEK, capture[5:]) if capture.startswith("zeek:") else os.path.join(CAPTURES, capture)
        for quiet in (["-q"], []):
            out = t.tshark(["-r", t.readable(pcap), "-n", *opts, *quiet, "-z", "expert"]).stdout
            counts = [int(line.split()[0]) for line in out.splitlines()
                      if "TCP State" in line and line.rstrip().endswith(summaries[field])]
            if counts != [len(frames)]:
                fail(f"{capture} {' '.join(opts + quiet)} -z expert: {summaries[field]!r} counted {counts}, "
                     f"expected [{len(frames)}]")
    print(f"{len(EXPERTS)} expert infos counted by -z expert as often as they occur, with and without -q")


def test_experts_column():
    """The expert severity column (%a) is filled by every expert info, with or
    without a protocol tree; a run whose only expert reader is that column
    builds none.  fin_wait_2_timeout.pcap with a 1 s FIN_WAIT_2 limit: frame
    6 gets tcpstate's warning alone (TCP has nothing to say about it),
    frame 7 also TCP's RST warning.  The column must say so in one pass, in
    two, and with a filter that builds a tree; it used to be empty on frame
    6 without a tree (tcpstate left such a run alone)."""
    pcap = os.path.join(CAPTURES, "fin_wait_2_timeout.pcap")
    column = ["-o", "tcpstate.fin_wait_2_max:1", "-o", 'gui.column.format:"No.","%m","Severity","%a"']
    for args in ([], ["-2"], ["-Y", "tcp"]):
        rows = dict(line.split(None, 1) if len(line.split()) > 1 else (line.strip(), "")
                    for line in t.tshark(["-r", t.readable(pcap), "-n", *column, *args]).stdout.splitlines())
        if rows.get("6") != "Warning" or rows.get("7") != "Warning":
            fail(f"tshark {' '.join(args) or '-r'}: severity column on frames 6, 7: "
                 f"{rows.get('6')!r}, {rows.get('7')!r}; expected Warning (tcpstate's FIN_WAIT_2 watch)")
    print("the expert severity column shows tcpstate's warning in one pass, two, and with a tree")

if __name__ == "__main__":
    run(__doc__, {
        "experts": test_experts, "experts-unreferenced": test_experts_unreferenced,
        "experts-tap": test_experts_tap, "experts-column": test_experts_column,
    })
