"""Zeek agreement: tcpstate's conn_state and history against Zeek's own.

../shared/zeek/expected.tsv holds, for real traces from Zeek's test suite,
the conn_state and history Zeek logged for every TCP connection.  This runs
tshark with the plugin over every trace, groups the packets into Zeek's
connections (tcpstate.zeek.conn), and matches them to the expected rows by
originator/responder address and port and, for rows of a 4-tuple, by order.
Every row must agree, or be listed in EXCEPTIONS with its reason.

Zeek's mode matters: run bare (-b) Zeek knows no likely server ports, so the
tshark run for a bare row sets tcpstate.zeek_server_ports to what that test
loaded (BARE_LOADS); full-mode rows use all of them (the plugin's default).

Usage: zeek_agreement.py [--verbose]
"""
import collections
import csv
import os
import sys

from tshark_run import ROOT, readable, tshark

ZEEK = os.path.join(os.environ.get("TCPSTATE_SHARED") or os.path.join(os.path.dirname(ROOT), "shared"), "zeek")

# The TCP ports Zeek's base/protocols/*/main.zeek register as likely server ports.
PROTOCOL_PORTS = {
    "dce-rpc": "135", "dnp3": "20000", "dns": "53", "finger": "79", "ftp": "21,2811",
    "http": "80,81,631,1080,3128,8000,8080,8888", "imap": "143", "irc": "6666-6669", "krb": "88",
    "ldap": "389,3268", "modbus": "502", "mqtt": "1883", "mysql": "1434,3306", "postgresql": "5432",
    "rdp": "3389", "redis": "6379", "smb": "139,445", "smtp": "25,587", "socks": "1080", "ssh": "22",
    "ssl": "443,465,563,585,614,636,989,990,992,993,995,5223", "syslog": "514", "xmpp": "5222,5269",
}
FULL_MODE_PORTS = ",".join(PROTOCOL_PORTS.values())

# What each bare (-b) test @loads from base/protocols (read from the test named
# in expected.tsv's zeek_baseline): their ports are all bare Zeek knows.
BARE_LOADS = {
    "ftp/fake-server-delays-all.pcap": ["ftp"],
    "ftp/ftp-missing-reply-code.pcap": ["ftp"],
    "ftp/ftp-missing-space-after-reply-code.pcap": ["ftp"],
    "ftp/ipv4.pcap": ["ftp"],
    "ftp/ipv6.pcap": ["ftp"],
    "http/connect-with-smtp.pcap": ["http", "smtp"],
    "http/get.pcap": ["http"],
    "http/zeek-image-post-1080-8000-x.pcap": ["http"],
    "krb/optional-service-name.pcap": ["krb"],
    "mixed-vlan-mpls.pcap": ["http"],
    "mysql/encrypted.pcap": ["mysql", "ssl"],
    "smtp.pcap": ["dns", "smtp"],
    "tcp/miss_end_data.pcap": ["http"],
    "tcp/missing-syn.pcap": ["http"],
    "tls/irc-starttls.pcap": ["irc", "ssl"],
    "tls/pop3-starttls.pcap": ["ssl"],
    "tls/xmpp-starttls.pcap": ["ssl", "xmpp"],
    "tunnels/Teredo.pcap": ["dns", "http"],
    "tunnels/gre-over-udp-4754.pcap": ["dns", "http"],
    "tunnels/gtp/gtp6_gtp_0x32.pcap": ["ssl"],
    "tunnels/vxlan-encapsulated-http.pcap": ["http"],
}


# Wireshark decoding preferences a trace needs to see the TCP Zeek saw: Zeek
# finds Teredo on any UDP port, Wireshark only on 3544 unless its heuristic is on.
DECODE_PREFS = {
    "tunnels/Teredo.pcap": ["teredo.heuristic_teredo:TRUE"],
}

# Rows where Zeek's test did more than read the trace, so its conn.log is not
# what the packets say.
EXCEPTIONS = {
    ("smtp.pcap", "10.10.1.4", "1470", "74.53.140.153", "25"):
        "the Zeek test installs a NetControl packet filter that drops the originator's traffic at "
        "connection_established, so Zeek saw only the SYN and SYN-ACK (history Sh); the capture has the "
        "whole SMTP session",
    ("smtp.pcap", "192.168.133.100", "49648", "192.168.133.102", "25"):
        "same NetControl packet filter as the row above: Zeek stopped seeing packets after the handshake",
}


def server_ports(trace, mode):
    if mode == "full":
        return FULL_MODE_PORTS
    return ",".join(PROTOCOL_PORTS[p] for p in BARE_LOADS.get(trace, []))


FIELDS = ["frame.number", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport",
          "tcp.dstport", "tcpstate.zeek.conn", "tcpstate.zeek.conn_state", "tcpstate.zeek.history",
          "tcpstate.zeek.final.conn_state", "tcpstate.zeek.final.history", "tcpstate.zeek.final.orig", "tcpstate.sender"]


def inner_addresses(row):
    """The innermost IP layer's source and destination (Teredo: the IPv6 inside)."""
    protos = row["frame.protocols"].split(":")
    family = None
    for p in protos:
        if p in ("ip", "ipv6"):
            family = p
    if family is None:
        # tshark 4.4 and later leave ip out of frame.protocols for IP over
        # MPLS (eth:ethertype:mpls:tcp); one address family is then all the
        # frame has, and it is the one.
        present = [f for f in ("ip", "ipv6") if row[f + ".src"]]
        if len(present) != 1:
            raise ValueError(f"frame {row['frame.number']}: no IP layer in {row['frame.protocols']!r}")
        family = present[0]
    src = row[family + ".src"].split(",")[-1]
    dst = row[family + ".dst"].split(",")[-1]
    return src, dst


def zeek_connections(trace, server_ports):
    args = ["-r", readable(os.path.join(ZEEK, "traces", trace)), "-n", "-T", "fields", "-E", "separator=/t",
            "-E", "occurrence=a", "-E", "aggregator=,", "-o", "tcpstate.zeek_server_ports:" + server_ports,
            "-Y", "tcpstate.zeek.conn"]
    for pref in DECODE_PREFS.get(trace, []):
        args += ["-o", pref]
    for f in FIELDS:
        args += ["-e", f]
    out = tshark(args).stdout
    conns = collections.OrderedDict()
    for line in out.splitlines():
        row = dict(zip(FIELDS, line.split("\t")))
        zc = row["tcpstate.zeek.conn"].split(",")[-1]
        src, dst = inner_addresses(row)
        sport = row["tcp.srcport"].split(",")[-1]
        dport = row["tcp.dstport"].split(",")[-1]
        c = conns.setdefault(zc, {"first": (src, sport, dst, dport), "rows": []})
        c["rows"].append(row)
        sender = row["tcpstate.sender"].split(",")[-1]
        if sender in ("client", "server"):
            c[sender] = src + "|" + sport
        c["last"] = row
    result = []
    for zc, c in conns.items():
        last = c["last"]
        result.append({
            "zeek_conn": zc,
            "ends": {c["first"][0] + "|" + c["first"][1], c["first"][2] + "|" + c["first"][3]},
            "conn_state": last["tcpstate.zeek.final.conn_state"].split(",")[-1],
            "history": last["tcpstate.zeek.final.history"].split(",")[-1] or "-",
            "first_frame": int(c["rows"][0]["frame.number"]),
            # Zeek's originator: tcpstate's client or server, as the plugin says.
            "orig": c.get(last["tcpstate.zeek.final.orig"].split(",")[-1]),
        })
    return result


def main():
    verbose = "--verbose" in sys.argv
    with open(os.path.join(ZEEK, "expected.tsv")) as f:
        rows = list(csv.DictReader((line.lstrip("#") for line in f), delimiter="\t"))
    by_trace = collections.OrderedDict()
    for r in rows:
        by_trace.setdefault((r["trace"], r["zeek_mode"]), []).append(r)

    agree = disagree = excepted = 0
    checked_orig = [0]
    failures = []
    for (trace, mode), want in by_trace.items():
        got = zeek_connections(trace, server_ports(trace, mode))
        unused = list(got)
        for w in want:
            key = (trace, w["orig_h"], w["orig_p"], w["resp_h"], w["resp_p"])
            if w["orig_h"] == "-":
                match = unused[0] if len(got) == 1 and unused else None
            else:
                ends = {w["orig_h"] + "|" + w["orig_p"], w["resp_h"] + "|" + w["resp_p"]}
                # Connections of one 4-tuple are taken in order (Zeek logs them as it
                # removes them, which for one 4-tuple is the order they started).
                cands = [g for g in unused if g["ends"] == ends]
                match = cands[0] if cands else None
            if match:
                unused.remove(match)
            got_cs = (match["conn_state"], match["history"]) if match else ("(none)", "(none)")
            ok = got_cs == (w["conn_state"], w["history"])
            if ok and w["orig_h"] != "-" and match["orig"] is not None and \
                    match["orig"] != w["orig_h"] + "|" + w["orig_p"]:
                ok = False
                got_cs = (got_cs[0], got_cs[1] + f" (originator {match['orig']})")
            if ok and w["orig_h"] != "-" and match["orig"] is not None:
                checked_orig[0] += 1
            label = f"{trace} {w['orig_h']}:{w['orig_p']} -> {w['resp_h']}:{w['resp_p']} ({mode})"
            if ok:
                agree += 1
                if key in EXCEPTIONS:
                    failures.append(f"{label}: listed as an exception but agrees now; remove it")
            elif key in EXCEPTIONS:
                excepted += 1
                print(f"EXCEPTION {label}: zeek {w['conn_state']} {w['history']}, tcpstate {got_cs[0]} {got_cs[1]}"
                      f" -- {EXCEPTIONS[key]}")
            else:
                disagree += 1
                failures.append(f"{label}: zeek {w['conn_state']} {w['history']}, tcpstate {got_cs[0]} {got_cs[1]}")
            if verbose and ok:
                print(f"ok {label}: {w['conn_state']} {w['history']}")
    total = agree + disagree + excepted
    for f in failures:
        print("DISAGREE " + f)
    print(f"Zeek agreement: {agree}/{total} rows agree, {excepted} listed exceptions, {disagree} disagree "
          f"(originator checked on {checked_orig[0]} rows)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
