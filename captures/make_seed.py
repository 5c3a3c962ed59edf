#!/usr/bin/python3
"""Rebuild the seed article's capture (curl -> Apache, 2019-01-24) from the
numbers tcpdump printed there: addresses, ports, seq/ack, windows, options,
IP ids/TTLs, payload lengths and the printed checksums.

The capture was taken on the server (its outgoing checksums are printed
"incorrect": checksum offload), so the server's segments keep the printed,
wrong checksums, and the client's checksums must come out exactly as printed
("correct"), which checks that every header and option was rebuilt right.

Times come from the TCP timestamps (both clocks tick in milliseconds).

Usage: make_seed.py OUT.pcap [--late-ack | --midstream]
  --late-ack  append the client's last ACK once more, 70 s later (as a lost
              ACK's retransmission would be): past Linux's 60 s TIME_WAIT,
              within RFC 9293's 240 s.
  --midstream leave the handshake out (a capture started after it): the
              roles and states must be inferred.
"""
import sys

from scapy.all import IP, TCP, Raw, wrpcap

C, S = "172.18.128.204", "10.0.0.128"
CP, SP = 62534, 80
T0 = 1548324511.0  # Thu, 24 Jan 2019 10:08:31 GMT, the Date the server sent

REQUEST = (b"GET / HTTP/1.1\r\nHost: 172.18.22.208\r\nUser-Agent: curl/7.54.0\r\n"
           b"Accept: */*\r\n\r\n")
RESPONSE = (b"HTTP/1.1 200 OK\r\n"
            b"Date: Thu, 24 Jan 2019 10:08:31 GMT\r\n"
            b"Server: Apache/2.4.6 (CentOS)\r\n"
            b"Last-Modified: Thu, 24 Jan 2019 08:26:02 GMT\r\n"
            b"ETag: \"4-5802ff5f8b6b4\"\r\n"
            b"Accept-Ranges: bytes\r\n"
            b"Content-Length: 4\r\n"
            b"Content-Type: text/html; charset=UTF-8\r\n"
            b"\r\n"
            b"123\n")
assert len(REQUEST) == 77 and len(RESPONSE) == 243


def ts(val, ecr):
    return [("NOP", None), ("NOP", None), ("Timestamp", (val, ecr))]


# (ms after T0, from client?, ip id, flags, seq, ack, win, options, payload, printed cksum)
SEGMENTS = [
    (0, True, 0, "S", 3401804541, 0, 65535,
     [("MSS", 1460), ("NOP", None), ("WScale", 5), ("NOP", None), ("NOP", None),
      ("Timestamp", (960632545, 0)), ("SAckOK", b""), ("EOL", None)], b"", 0x8523),
    (2, False, 0, "SA", 2666924726, 3401804542, 27960,
     [("MSS", 1410), ("SAckOK", b""), ("Timestamp", (19959035, 960632545)), ("NOP", None),
      ("WScale", 7)], b"", 0x378d),
    (4, True, 0, "A", 3401804542, 2666924727, 4106, ts(960632549, 19959035), b"", 0x7cfb),
    (4.1, True, 0, "PA", 3401804542, 2666924727, 4106, ts(960632549, 19959035), REQUEST, 0xe98f),
    (7, False, 34743, "A", 2666924727, 3401804619, 219, ts(19959040, 960632549), b"", 0x3785),
    (11, False, 34744, "PA", 2666924727, 3401804619, 219, ts(19959044, 960632549), RESPONSE, 0x3878),
    (15, True, 0, "A", 3401804619, 2666924970, 4099, ts(960632560, 19959044), b"", 0x7bae),
    (15.1, True, 0, "FA", 3401804619, 2666924970, 4099, ts(960632560, 19959044), b"", 0x7bad),
    (20, False, 34745, "FA", 2666924970, 3401804620, 219, ts(19959053, 960632560), b"", 0x3785),
    (24, True, 0, "A", 3401804620, 2666924971, 4099, ts(960632569, 19959053), b"", 0x7b9a),
]


def build():
    packets = []
    for ms, from_client, ipid, flags, seq, ack, win, opts, payload, cksum in SEGMENTS:
        ip = IP(src=C if from_client else S, dst=S if from_client else C,
                ttl=60 if from_client else 64, id=ipid, flags="DF")
        tcp = TCP(sport=CP if from_client else SP, dport=SP if from_client else CP,
                  flags=flags, seq=seq, ack=ack, window=win, options=opts)
        pkt = ip / tcp / Raw(payload) if payload else ip / tcp
        pkt = IP(bytes(pkt))  # let scapy fill in lengths and checksums
        if from_client:
            if pkt[TCP].chksum != cksum:
                sys.exit(f"rebuilt client segment at {ms} ms has checksum {pkt[TCP].chksum:#06x}, "
                         f"the seed printed {cksum:#06x}")
        else:
            pkt[TCP].chksum = cksum  # as captured: offloaded, printed "incorrect"
            pkt = IP(bytes(pkt))
        pkt.time = T0 + ms / 1000.0
        packets.append(pkt)
    return packets


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] not in ("--late-ack", "--midstream")):
        sys.exit(__doc__)
    packets = build()
    if sys.argv[2:] == ["--late-ack"]:
        late = packets[-1].copy()
        late.time = packets[-1].time + 70
        packets.append(late)
    if sys.argv[2:] == ["--midstream"]:
        packets = packets[3:]
    wrpcap(sys.argv[1], packets)  # raw IP: the seed printed no link layer
