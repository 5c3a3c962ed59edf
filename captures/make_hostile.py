#!/usr/bin/python3
"""Crafted captures for what real stacks will not produce on demand: each one
a connection between 192.0.2.1 (client) and 198.51.100.1:80 (server, the
documentation ranges), built with scapy from a normal exchange and then
broken in one way.  Deterministic: fixed ISNs, times and ports.

Usage: make_hostile.py OUTDIR [NAME ...]
Writes hostile_<name>.pcap for each name in CAPTURES (all by default).
captures/hostile/ holds all but the SYN flood (300 KB), which the test builds.
"""
import os
import sys

from scapy.all import IP, TCP, Raw, fragment, wrpcap

C, S, SP = "192.0.2.1", "198.51.100.1", 80
T0 = 1767225600.0  # 2026-01-01 00:00:00 UTC


class Conn:
    """A client/server exchange: keeps each end's next sequence number."""

    def __init__(self, cport=40000, cisn=1000, sisn=5000, t=T0):
        self.cport, self.t, self.pkts = cport, t, []
        self.nxt = {True: cisn, False: sisn}

    def seg(self, from_client, flags, data=b"", seq=None, ack=None, dt=0.001, advance=True, win=65535):
        self.t += dt
        src, dst = (C, S) if from_client else (S, C)
        sport, dport = (self.cport, SP) if from_client else (SP, self.cport)
        s = self.nxt[from_client] if seq is None else seq
        a = self.nxt[not from_client] if ack is None else ack
        p = IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags, seq=s & 0xffffffff,
                                       ack=a & 0xffffffff if "A" in flags else 0, window=win)
        if data:
            p = p / Raw(data)
        p.time = self.t
        self.pkts.append(p)
        if advance:
            used = len(data) + ("S" in flags) + ("F" in flags)
            self.nxt[from_client] = max(self.nxt[from_client], s + used)
        return p

    def handshake(self):
        self.seg(True, "S")
        self.seg(False, "SA")
        self.seg(True, "A")

    def close_by_client(self):
        self.seg(True, "FA")
        self.seg(False, "FA")
        self.seg(True, "A")


def seq_wrap():
    """The client's ISN sits 300 below 2^32: its data runs through the wrap."""
    c = Conn(cisn=0xFFFFFF00)
    c.handshake()
    for _ in range(3):
        c.seg(True, "PA", b"x" * 200)
        c.seg(False, "A")
    c.close_by_client()
    return c.pkts


def out_of_order():
    """Two data segments captured in swapped order, then acknowledged together."""
    c = Conn()
    c.handshake()
    first = c.nxt[True]
    c.seg(True, "PA", b"b" * 100, seq=first + 100)
    c.seg(True, "PA", b"a" * 100, seq=first)
    c.seg(False, "A")
    c.close_by_client()
    return c.pkts


def duplicates():
    """Every segment of a normal exchange captured twice (a span port seeing both ways)."""
    c = Conn()
    c.handshake()
    c.seg(True, "PA", b"GET / HTTP/1.0\r\n\r\n")
    c.seg(False, "PA", b"HTTP/1.0 200 OK\r\n\r\n")
    c.close_by_client()
    out = []
    for p in c.pkts:
        out.append(p)
        q = p.copy()
        q.time = p.time + 0.0001
        out.append(q)
    return out


def gap():
    """The capture lost 3 segments of the client's data: the server's ACK
    acknowledges bytes the capture never showed."""
    c = Conn()
    c.handshake()
    c.seg(True, "PA", b"a" * 100)
    for _ in range(3):
        c.seg(True, "PA", b"b" * 100)
        c.pkts.pop()  # not captured
    c.seg(True, "PA", b"c" * 100)
    c.seg(False, "A")
    c.close_by_client()
    return c.pkts


def invalid_flags():
    """In an established connection: SYN+FIN, SYN+RST, FIN+RST without ACK and
    a segment with no flags at all (scanner probes).  No stack sends them."""
    c = Conn()
    c.handshake()
    c.seg(True, "SF", advance=False)
    c.seg(True, "SR", advance=False)
    c.seg(True, "FR", advance=False)
    c.seg(True, "", advance=False)
    c.seg(True, "PA", b"still open")
    c.seg(False, "A")
    c.close_by_client()
    return c.pkts


def rst_with_data():
    """The server aborts with a RST carrying a diagnostic text (RFC 9293 3.5.3
    allows data on a RST); it is at RCV.NXT, so the client takes it."""
    c = Conn()
    c.handshake()
    c.seg(True, "PA", b"GET / HTTP/1.0\r\n\r\n")
    c.seg(False, "RA", b"connection reset: server overloaded", advance=False)
    return c.pkts


def bad_synack():
    """The SYN-ACK acknowledges something other than the SYN (a stale
    half-open entry on the server): the client answers with a RST at that
    ACK number, retransmits its SYN, and the second SYN-ACK is right."""
    c = Conn()
    c.seg(True, "S")
    c.seg(False, "SA", ack=777777)
    c.seg(True, "R", seq=777777, advance=False)
    c.nxt[False] = 5000
    c.seg(True, "S", seq=1000, dt=1.0, advance=False)
    c.seg(False, "SA")
    c.seg(True, "A")
    c.close_by_client()
    return c.pkts


def syn_flood():
    """2000 SYNs from spoofed sources (1000 ports on each of 2 addresses) to
    the server, each answered with a SYN-ACK and never completed."""
    pkts, t = [], T0
    for i in range(2000):
        src = "203.0.113.%d" % (1 + i % 2)
        port = 20000 + i // 2
        t += 0.0005
        syn = IP(src=src, dst=S) / TCP(sport=port, dport=SP, flags="S", seq=100000 + i, window=1024)
        syn.time = t
        t += 0.0001
        sa = IP(src=S, dst=src) / TCP(sport=SP, dport=port, flags="SA", seq=900000 + i, ack=100001 + i,
                                      window=65535)
        sa.time = t
        pkts += [syn, sa]
    return pkts


def long_idle():
    """An established connection silent for 300 s (more than Linux's 2*MSL
    of 60 s, more than RFC 9293's 240 s), then used and closed normally."""
    c = Conn()
    c.handshake()
    c.seg(True, "PA", b"first")
    c.seg(False, "A")
    c.seg(True, "PA", b"after five minutes", dt=300.0)
    c.seg(False, "A")
    c.close_by_client()
    return c.pkts


def ip_fragments():
    """Segments carried in IP fragments: the client's 3000-byte request and
    the server's FIN+ACK are each split into fragments, so Wireshark reads
    their TCP headers from reassembled bytes, not from any one frame."""
    c = Conn()
    c.handshake()
    req = c.seg(True, "PA", b"r" * 3000)
    c.seg(False, "A")
    c.seg(True, "FA")
    fin = c.seg(False, "FA")
    c.seg(True, "A")
    out = []
    for p in c.pkts:
        if p is req or p is fin:
            p[IP].id = 7 if p is req else 8
            frags = fragment(p, fragsize=1480 if p is req else 8)
            for k, f in enumerate(frags):
                f.time = p.time + k * 0.0001
            out += frags
        else:
            out.append(p)
    return out


CAPTURES = {
    "seq_wrap": seq_wrap, "out_of_order": out_of_order, "duplicates": duplicates, "gap": gap,
    "invalid_flags": invalid_flags, "rst_with_data": rst_with_data, "bad_synack": bad_synack,
    "syn_flood": syn_flood, "long_idle": long_idle, "ip_fragments": ip_fragments,
}


def main():
    out, names = sys.argv[1], sys.argv[2:] or list(CAPTURES)
    for name in names:
        wrpcap(os.path.join(out, f"hostile_{name}.pcap"), CAPTURES[name]())
    print(f"wrote {len(names)} captures into {out}")


if __name__ == "__main__":
    main()
