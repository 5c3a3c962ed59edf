#!/usr/bin/python3
"""Seed corpus for fuzz_fsm: every TCP connection of the given captures as a
sequence of fuzz_fsm's 16-byte records (absolute seq/ack, real flags,
lengths, windows and time steps).

Usage: make_corpus.py OUTDIR CAPTURE...
"""
import os
import struct
import sys

from scapy.all import IP, IPv6, TCP, PcapReader
from scapy.error import Scapy_Exception


def records(path):
    conns = {}
    try:
        reader = PcapReader(path)
    except (Scapy_Exception, OSError):
        return conns
    with reader:
        for pkt in reader:
            if TCP not in pkt:
                continue
            ip = pkt[IP] if IP in pkt else pkt[IPv6] if IPv6 in pkt else None
            if ip is None:
                continue
            tcp = pkt[TCP]
            a, b = (ip.src, tcp.sport), (ip.dst, tcp.dport)
            key = tuple(sorted([a, b]))
            c = conns.setdefault(key, {"first": a, "last": None, "out": bytearray()})
            from_b = 0 if a == c["first"] else 1
            t = float(pkt.time)
            step_ms = 0 if c["last"] is None else max(0, int((t - c["last"]) * 1000))
            c["last"] = t
            unit, step = (1, step_ms) if step_ms < 256 else (2, min(255, step_ms // 1000))
            wscale = 0
            for opt in tcp.options or []:
                if opt[0] == "WScale":
                    wscale = opt[1] & 0x7f
            payload = len(tcp.payload)
            flags = int(tcp.flags) & 0xff
            c["out"] += struct.pack(">BBIIHHBB", flags, from_b | 2 | 4 | (unit << 3) | (0x20 if wscale else 0),
                                    tcp.seq, tcp.ack, payload & 0xffff, tcp.window, step, wscale)
    return conns


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = 0
    for path in sys.argv[2:]:
        for i, c in enumerate(records(path).values()):
            if len(c["out"]) > 16 * 400:
                c["out"] = c["out"][:16 * 400]
            with open(os.path.join(out, f"{os.path.basename(path)}-{i}"), "wb") as f:
                f.write(c["out"])
            n += 1
    print(f"{n} seed inputs in {out}")


if __name__ == "__main__":
    main()
