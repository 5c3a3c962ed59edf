#!/usr/bin/python3
"""Runs one scenario inside a network namespace that ktruth.py created:
tcpdump captures loopback while the scenario drives real sockets, and at each
quiet point the kernel's own view (ss) of both ends is recorded.

Usage (inside the namespace): runner.py SCENARIO OUTDIR
Writes OUTDIR/SCENARIO.pcap and OUTDIR/SCENARIO.truth.tsv.
"""
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scenarios import SCENARIOS  # noqa: E402

SS_STATES = {
    "ESTAB": "ESTABLISHED", "SYN-SENT": "SYN_SENT", "SYN-RECV": "SYN_RCVD",
    "FIN-WAIT-1": "FIN_WAIT_1", "FIN-WAIT-2": "FIN_WAIT_2", "TIME-WAIT": "TIME_WAIT",
    "CLOSE-WAIT": "CLOSE_WAIT", "LAST-ACK": "LAST_ACK", "LISTEN": "LISTEN",
    "CLOSING": "CLOSING", "UNCONN": "CLOSED", "CLOSE": "CLOSED",
}
NFT_FLAGS = {"syn": "tcp flags & (syn | ack) == syn", "synack": "tcp flags & (syn | ack) == syn | ack",
             "fin": "tcp flags & fin == fin"}


def split_endpoint(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def kernel_sockets():
    """{(local_port, peer_port): state} and the set of listening ports."""
    out = subprocess.run(["ss", "-tanH"], check=True, capture_output=True, text=True).stdout
    conns, listening = {}, set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        state = SS_STATES.get(fields[0], fields[0])
        _, lport = split_endpoint(fields[3])
        peer = fields[4]
        if state == "LISTEN":
            listening.add(lport)
        elif not peer.endswith(":*"):
            conns[(lport, split_endpoint(peer)[1])] = state
    return conns, listening


class Lab:
    def __init__(self, family):
        self.family = family
        self.addr = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        self.ends = {}      # socket -> [local port, peer port]
        self.kept = []
        self.rows = []
        self.held = []

    # -- sockets --
    def socket(self, bind=None):
        sock = socket.socket(self.family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if bind:
            sock.bind((self.addr, bind))
        self.ends[sock] = [bind, None]
        return sock

    def listen(self, port, backlog=16):
        sock = self.socket(bind=port)
        sock.listen(backlog)
        self.kept.append(sock)
        return sock

    def connect(self, port, client_port=None):
        sock = self.socket(bind=client_port or port + 10000)
        sock.connect((self.addr, port))
        self.ends[sock][1] = port
        return sock

    def pair(self, port):
        """Listen on port, connect a client to it and accept: (client, server)."""
        srv = self.listen(port)
        client = self.connect(port)
        server, _ = srv.accept()
        return client, server

    def start_connect(self, sock, port):
        sock.setblocking(False)
        sock.connect_ex((self.addr, port))
        self.ends[sock][1] = port

    def keep(self, *socks):
        self.kept.extend(socks)

    # -- time and the network --
    @staticmethod
    def settle(seconds=0.15):
        time.sleep(seconds)

    def hold(self, what, hook="output"):
        """Drop outgoing (or, hook="input", incoming) segments: `what` is
        "syn", "synack", "fin" or an nftables match expression.  Returns a
        handle for release()."""
        rule = NFT_FLAGS.get(what, what)
        table = f"tcpstate_hold_{len(self.held)}"
        nft = (f"add table inet {table}\n"
               f"add chain inet {table} c {{ type filter hook {hook} priority 0; }}\n"
               f"add rule inet {table} c {rule} drop\n")
        subprocess.run(["nft", "-f", "-"], input=nft, text=True, check=True)
        self.held.append(table)
        return table

    def release(self, handle=None):
        """Lift one hold, or all of them."""
        for table in [handle] if handle else list(self.held):
            subprocess.run(["nft", "delete", "table", "inet", table], check=True)
            self.held.remove(table)

    @staticmethod
    def sysctl(name, value):
        subprocess.run(["sysctl", "-q", "-w", f"{name}={value}"], check=True)

    def next_seq(self, sport, dport):
        """The next sequence number the end at sport will send (its peer's
        RCV.NXT), read from what tcpdump has captured so far."""
        from scapy.all import TCP, rdpcap
        best = None
        for pkt in rdpcap(self.pcap):
            if TCP in pkt and pkt[TCP].sport == sport and pkt[TCP].dport == dport:
                tcp = pkt[TCP]
                end = (tcp.seq + len(tcp.payload) + (1 if tcp.flags & 0x03 else 0)) & 0xffffffff
                if best is None or ((end - best) & 0xffffffff) < 0x80000000:
                    best = end
        return best

    # -- the kernel's view --
    def snap(self, step, a, b=None, server_port=None):
        local, peer = self.ends[a]
        if local is None:
            local = a.getsockname()[1]
            self.ends[a][0] = local
        if peer is None:
            peer = server_port
        if b is not None:
            try:
                self.ends[b] = [b.getsockname()[1], b.getpeername()[1]]
            except OSError:
                pass
        when = time.time()
        conns, listening = kernel_sockets()
        a_state = conns.get((local, peer), "CLOSED")
        b_state = conns.get((peer, local))
        if b_state is None:
            # A server end that never existed (the SYN was not taken) is the
            # listener's; one that existed and is gone is CLOSED.
            b_state = "LISTEN" if b is None and peer in listening else "CLOSED"
        self.rows.append((f"{when:.6f}", step, str(local), a_state, str(peer), b_state))


def start_capture(path):
    cap = subprocess.Popen(["tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-s", "0", "-w", path,
                            "tcp or icmp or icmp6"], stderr=subprocess.PIPE, text=True)
    line = cap.stderr.readline()
    if "listening on" not in line:
        cap.kill()
        sys.exit(f"tcpdump did not start: {line.strip()}")
    return cap


def main():
    name, outdir = sys.argv[1], sys.argv[2]
    fn, family = SCENARIOS[name]
    pcap = os.path.join(outdir, f"{name}.pcap")
    cap = start_capture(pcap)
    lab = Lab(family)
    lab.pcap = pcap
    try:
        fn(lab)
        lab.settle(0.3)
    finally:
        lab.release()
        cap.send_signal(signal.SIGINT)
        cap.wait(timeout=10)
    with open(os.path.join(outdir, f"{name}.truth.tsv"), "w") as f:
        f.write("time\tscenario\tstep\tport_a\tstate_a\tport_b\tstate_b\n")
        for when, *rest in lab.rows:
            f.write("\t".join([when, name, *rest]) + "\n")


if __name__ == "__main__":
    main()
