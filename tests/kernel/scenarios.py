"""Scenarios: real Linux sockets driven through one TCP behaviour each.

Each scenario is a function taking a Lab (runner.py) and using its verbs:
    lab.listen(port)            a listening socket on the scenario's address
    lab.pair(port)              listen, connect and accept: (client, server)
    lab.connect(port)           a client socket bound to port + 10000 (blocking connect)
    lab.socket(bind=port)       a bare socket; lab.start_connect(sock, port) connects it
                                without waiting
    lab.snap(step, a, b)        record the kernel's state of both ends of a's connection
                                now (b, or server_port=, names the other end)
    lab.keep(*socks)            keep these open until the capture ends
    lab.settle(seconds)         let the segments flow
    lab.hold(flags) / lab.release()   nftables: drop outgoing segments with
                                these flags (tcpdump never sees the held copies)
Ends are Python sockets; an end the kernel no longer has is CLOSED (a server
end of a port that still listens is LISTEN).

Where the kernel passes through a state too briefly to snapshot (SYN_SENT on
loopback, FIN_WAIT_1, LAST_ACK), the scenario says so and checks the states
that can be seen.
"""
import socket
import struct
import time

SCENARIOS = {}


def scenario(name, family=socket.AF_INET):
    def register(fn):
        SCENARIOS[name] = (fn, family)
        return fn
    return register


def linger0(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@scenario("client_close")
def client_close(lab):
    """Normal open, data both ways, the client closes first (4 segments)."""
    c, s = lab.pair(8001)
    lab.snap("established", c, s)
    c.sendall(b"GET / HTTP/1.0\r\n\r\n")
    s.recv(100)
    s.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello")
    c.recv(100)
    lab.settle()
    lab.snap("data exchanged", c, s)
    c.close()
    lab.settle()
    lab.snap("client closed (FIN acked)", c, s)
    s.close()
    lab.settle()
    lab.snap("server closed", c, s)


@scenario("server_close")
def server_close(lab):
    """The server closes first: it ends in TIME_WAIT."""
    c, s = lab.pair(8002)
    s.sendall(b"bye")
    c.recv(10)
    s.close()
    lab.settle()
    lab.snap("server closed", c, s)
    c.close()
    lab.settle()
    lab.snap("client closed", c, s)


@scenario("three_segment_close")
def three_segment_close(lab):
    """The server closes as soon as it reads the client's FIN; its FIN rides on
    the ACK of the client's FIN, as in the seed capture."""
    c, s = lab.pair(8003)
    # Delayed ACKs on the server, so the ACK of the FIN can wait for its own FIN.
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 0)
    c.sendall(b"x")
    s.recv(1)
    c.close()
    if s.recv(1) == b"":
        s.close()
    lab.settle()
    lab.snap("closed", c, s)


@scenario("half_close")
def half_close(lab):
    """The client shuts down its sending side; the server keeps sending."""
    c, s = lab.pair(8004)
    c.shutdown(socket.SHUT_WR)
    lab.settle()
    lab.snap("client shut down writing", c, s)
    for _ in range(3):
        s.sendall(b"more data " * 10)
        lab.settle(0.02)
    c.recv(1000)
    lab.settle()
    lab.snap("data toward the closed side", c, s)
    s.close()
    lab.settle()
    lab.snap("server closed", c, s)
    c.close()


@scenario("close_wait_left_open")
def close_wait_left_open(lab):
    """The client closes; the server application never does: CLOSE_WAIT / FIN_WAIT_2."""
    c, s = lab.pair(8005)
    c.close()
    lab.settle()
    lab.snap("server never closes", c, s)
    lab.keep(s)


@scenario("refused")
def refused(lab):
    """Nothing listens: the SYN is answered with RST."""
    c = lab.socket(bind=18006)
    c.settimeout(2)
    try:
        c.connect((lab.addr, 8006))
    except ConnectionRefusedError:
        pass
    lab.settle()
    lab.snap("refused", c, None, server_port=8006)


@scenario("abort_client")
def abort_client(lab):
    """SO_LINGER 0 on the client: close() sends RST from ESTABLISHED."""
    c, s = lab.pair(8007)
    lab.snap("established", c, s)
    linger0(c)
    c.close()
    lab.settle()
    lab.snap("client aborted", c, s)


@scenario("abort_server")
def abort_server(lab):
    """SO_LINGER 0 on the server: RST from the server."""
    c, s = lab.pair(8008)
    c.sendall(b"hello")
    s.recv(10)
    linger0(s)
    s.close()
    lab.settle()
    lab.snap("server aborted", c, s)


@scenario("close_unread")
def close_unread(lab):
    """The server closes with unread data in its receive queue: RST, not FIN."""
    c, s = lab.pair(8009)
    c.sendall(b"never read")
    lab.settle()
    s.close()
    lab.settle()
    lab.snap("server closed with unread data", c, s)


@scenario("simultaneous_open")
def simultaneous_open(lab):
    """Two sockets connect to each other.  Their first SYNs are held back;
    the retransmissions fire together and cross.  (SYN_SENT on both sides
    is seen only while held, before any segment is on the wire.)"""
    a = lab.socket(bind=8010)
    b = lab.socket(bind=8011)
    lab.hold("syn")
    lab.start_connect(a, 8011)
    lab.start_connect(b, 8010)
    lab.settle(0.1)
    lab.release()
    lab.settle(1.6)
    lab.snap("both established", a, b)
    a.close()
    b.close()
    lab.settle()


@scenario("simultaneous_close")
def simultaneous_close(lab):
    """Both ends close at once: each FIN is captured but dropped on arrival,
    so the capture shows them cross (neither acknowledges the other);
    CLOSING on both sides, then, with the retransmissions, TIME_WAIT on
    both.  (Dropping them on the way out instead left it to the two
    retransmission timers whether the FINs the capture shows crossed: under
    load one end's FIN could arrive before the other end's timer fired, and
    that end's FIN then acknowledged it.)"""
    c, s = lab.pair(8012)
    lab.hold("fin", hook="input")
    c.shutdown(socket.SHUT_WR)
    s.shutdown(socket.SHUT_WR)
    lab.settle(0.05)
    lab.release()
    lab.settle(1.0)
    lab.snap("both closed", c, s)


@scenario("listener_never_accepts")
def listener_never_accepts(lab):
    """listen(backlog 0) and no accept(): the first connection completes into
    the accept queue; the next SYNs are dropped and retransmitted."""
    srv = lab.listen(8013, backlog=0)
    c1 = lab.connect(8013)
    lab.settle()
    c2 = lab.socket(bind=28013)
    lab.start_connect(c2, 8013)
    lab.settle(3.5)
    lab.snap("second SYN unanswered", c2, None, server_port=8013)
    lab.keep(srv, c1, c2)


@scenario("syn_dropped")
def syn_dropped(lab):
    """A firewall drops SYNs to the port: the client retransmits its SYN."""
    lab.listen(8014)
    lab.hold("syn", hook="input")  # captured on the wire, dropped before the listener
    c = lab.socket(bind=18014)
    lab.start_connect(c, 8014)
    lab.settle(3.5)
    lab.snap("SYN retransmitted", c, None, server_port=8014)
    lab.release()


@scenario("ipv6_client_close", family=socket.AF_INET6)
def ipv6_client_close(lab):
    """The client-close exchange over ::1."""
    client_close(lab)


@scenario("fin_retransmitted")
def fin_retransmitted(lab):
    """The server's ACK of the client's FIN is lost (held back before the
    capture point): the client retransmits its FIN; no state moves twice."""
    c, s = lab.pair(8015)
    lab.hold("tcp sport 8015 tcp flags == ack")
    c.shutdown(socket.SHUT_WR)
    lab.settle(0.5)
    lab.snap("FIN sent, its ACK lost", c, s)
    lab.release()
    lab.settle(1.0)
    lab.snap("FIN retransmitted and acknowledged", c, s)
    s.close()
    c.close()
    lab.settle()
    lab.snap("both closed", c, s)


def injector():
    from scapy.all import conf
    from scapy.supersocket import L3RawSocket
    conf.L3socket = L3RawSocket


def inject(lab, sport, dport, flags, seq, ack=0):
    from scapy.all import IP, TCP, send
    send(IP(src=lab.addr, dst=lab.addr) / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack),
         verbose=0)


@scenario("rst_and_syn_injected")
def rst_and_syn_injected(lab):
    """Segments forged into a live connection, as RFC 5961 attacks them: an
    RST far outside the window and one inside it but not at RCV.NXT are
    ignored by Linux, and so is a SYN (challenge ACK); the connection lives on."""
    injector()
    c, s = lab.pair(8016)
    c.sendall(b"hello")
    s.recv(10)
    lab.settle()
    rcv_nxt = lab.next_seq(18016, 8016)
    inject(lab, 18016, 8016, "R", (rcv_nxt + 0x40000000) & 0xffffffff)
    lab.settle()
    lab.snap("RST out of window ignored", c, s)
    inject(lab, 18016, 8016, "R", (rcv_nxt + 100) & 0xffffffff)
    lab.settle()
    lab.snap("RST in window, not exact: challenge ACK", c, s)
    inject(lab, 18016, 8016, "S", (rcv_nxt + 5000) & 0xffffffff)
    lab.settle()
    lab.snap("SYN on ESTABLISHED: challenge ACK, no reset", c, s)
    c.sendall(b"still here")
    s.recv(20)
    lab.settle()
    lab.snap("connection still works", c, s)
    c.close()
    s.close()
    lab.settle()


@scenario("keepalive")
def keepalive(lab):
    """Idle connection with keep-alive probes every second."""
    c, s = lab.pair(8017)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    lab.settle(3.5)
    lab.snap("after keep-alive probes", c, s)
    lab.keep(c, s)


@scenario("zero_window")
def zero_window(lab):
    """The server never reads: its window closes and the client probes it."""
    c, s = lab.pair(8018)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.setblocking(False)
    try:
        while True:
            c.send(b"x" * 65536)
    except BlockingIOError:
        pass
    lab.settle(2.5)
    lab.snap("zero-window stall", c, s)
    lab.keep(c, s)


@scenario("write_after_peer_closed")
def write_after_peer_closed(lab):
    """The server closes; the client keeps writing: the server's orphaned
    end answers the data with RST."""
    c, s = lab.pair(8019)
    s.close()
    lab.settle()
    lab.snap("server closed", c, s)
    c.sendall(b"anyone there?")
    lab.settle()
    lab.snap("data answered with RST", c, s)


@scenario("listener_closed_with_queue")
def listener_closed_with_queue(lab):
    """A connection waits in the accept queue; the listener is closed: the
    queued connection is reset."""
    srv = lab.listen(8020)
    c = lab.connect(8020)
    lab.settle()
    lab.snap("queued, never accepted", c, None, server_port=8020)
    srv.close()
    lab.kept.remove(srv)
    lab.settle()
    lab.snap("listener closed", c, None, server_port=8020)


@scenario("time_wait_reuse")
def time_wait_reuse(lab):
    """The server closes first and sits in TIME_WAIT; the client connects
    again from the same port: the new SYN reopens the 4-tuple (RFC 1122
    4.2.2.13), a new conversation for Wireshark."""
    srv = lab.listen(8021)
    c = lab.connect(8021)
    s, _ = srv.accept()
    s.close()
    lab.settle()
    c.close()
    lab.settle()
    lab.snap("server in TIME_WAIT", c, s)
    c2 = lab.connect(8021)
    s2, _ = srv.accept()
    lab.settle()
    lab.snap("same 4-tuple open again", c2, s2)
    lab.keep(c2, s2)


@scenario("abort_in_close_wait")
def abort_in_close_wait(lab):
    """The client closes; the server aborts from CLOSE_WAIT (SO_LINGER 0):
    RST to the client in FIN_WAIT_2."""
    c, s = lab.pair(8022)
    c.close()
    lab.settle()
    lab.snap("client FIN_WAIT_2, server CLOSE_WAIT", c, s)
    linger0(s)
    s.close()
    lab.settle()
    lab.snap("server aborted", c, s)


@scenario("abort_in_fin_wait_2")
def abort_in_fin_wait_2(lab):
    """The client half-closes, then aborts from FIN_WAIT_2 (SO_LINGER 0)."""
    c, s = lab.pair(8023)
    c.shutdown(socket.SHUT_WR)
    lab.settle()
    lab.snap("client half-closed", c, s)
    linger0(c)
    c.close()
    lab.settle()
    lab.snap("client aborted from FIN_WAIT_2", c, s)
    lab.keep(s)


@scenario("fin_wait_2_timeout")
def fin_wait_2_timeout(lab):
    """The client closes, the server never does; tcp_fin_timeout (1 s here)
    removes the client's orphaned FIN_WAIT_2 end without a segment on the
    wire, so no packet can show it (not snapshotted).  The server's next data
    meets no socket and is answered with RST: both CLOSED."""
    lab.sysctl("net.ipv4.tcp_fin_timeout", 1)
    c, s = lab.pair(8024)
    c.close()
    lab.settle()
    lab.snap("client FIN_WAIT_2 (orphaned)", c, s)
    lab.settle(2.5)
    s.sendall(b"late")
    lab.settle()
    lab.snap("data after the timeout: RST", c, s)


@scenario("fast_open")
def fast_open(lab):
    """TCP Fast Open: the first connection fetches a cookie, the second sends
    its request inside the SYN."""
    lab.sysctl("net.ipv4.tcp_fastopen", 3)
    srv = lab.listen(8025)
    srv.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
    for client_port in (18025, 28025):
        c = lab.socket(bind=client_port)
        c.sendto(b"GET / HTTP/1.0\r\n\r\n", socket.MSG_FASTOPEN, (lab.addr, 8025))
        lab.ends[c][1] = 8025
        s, _ = srv.accept()
        s.recv(100)
        s.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
        c.recv(100)
        lab.settle()
        lab.snap(f"open from :{client_port}", c, s)
        c.close()
        s.close()
        lab.settle()
        lab.snap(f"closed from :{client_port}", c, s)


@scenario("abort_in_syn_rcvd")
def abort_in_syn_rcvd(lab):
    """A simultaneous open held in SYN_RCVD on both sides (the SYNs cross,
    the SYN-ACKs are held back), then one end aborts with SO_LINGER 0: its
    RST, at RCV.NXT, closes the other end too."""
    a = lab.socket(bind=8026)
    b = lab.socket(bind=8027)
    syns = lab.hold("syn")
    lab.hold("synack")
    lab.start_connect(a, 8027)
    lab.start_connect(b, 8026)
    lab.settle(0.1)
    lab.release(syns)
    lab.settle(1.6)
    lab.snap("both SYN_RCVD", a, b)
    linger0(a)
    a.close()
    lab.settle()
    lab.snap("aborted from SYN_RCVD", a, b)


@scenario("rst_in_time_wait")
def rst_in_time_wait(lab):
    """TIME-WAIT assassination (RFC 1337): the client closed first and waits
    in TIME_WAIT; a RST at its RCV.NXT (as a late or forged segment from the
    server's port) arrives.  Linux (tcp_rfc1337 = 0) drops the TIME_WAIT."""
    injector()
    c, s = lab.pair(8028)
    c.close()
    lab.settle()
    s.close()
    lab.settle()
    lab.snap("client in TIME_WAIT", c, s)
    server_next = lab.next_seq(8028, 18028)
    inject(lab, 8028, 18028, "R", server_next)
    lab.settle()
    lab.snap("RST killed the TIME_WAIT", c, s)


@scenario("handshake_never_completed")
def handshake_never_completed(lab):
    """The client's ACKs never reach the wire (held before the capture point):
    the client is ESTABLISHED, the server stays in SYN_RCVD and retransmits
    its SYN-ACK.  The capture ends half-open."""
    srv = lab.listen(8029)
    lab.hold("tcp sport 18029 tcp flags == ack")
    c = lab.socket(bind=18029)
    lab.start_connect(c, 8029)
    lab.settle(1.6)
    lab.snap("SYN-ACK sent, final ACK never seen", c, None, server_port=8029)
    lab.keep(srv, c)


@scenario("data_after_fin")
def data_after_fin(lab):
    """A segment with data beyond its sender's own FIN (forged from the
    client's port after the client's FIN): no stack sends that; the server
    in CLOSE_WAIT does not take it and answers with an ACK of the FIN."""
    injector()
    c, s = lab.pair(8030)
    c.shutdown(socket.SHUT_WR)
    lab.settle()
    lab.snap("client FIN acked", c, s)
    client_next = lab.next_seq(18030, 8030)
    server_next = lab.next_seq(8030, 18030)
    from scapy.all import IP, TCP, Raw, send
    send(IP(src=lab.addr, dst=lab.addr) / TCP(sport=18030, dport=8030, flags="PA", seq=client_next,
                                              ack=server_next) / Raw(b"late"), verbose=0)
    lab.settle()
    lab.snap("data after the FIN", c, s)
    s.close()
    c.close()
    lab.settle()

