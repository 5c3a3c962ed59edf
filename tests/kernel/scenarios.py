"""Scenarios: real Linux sockets driven through one TCP behaviour each.

Each scenario is a function taking a Lab (runner.py) and using its verbs:
    lab.listen(port)            a listening socket on the scenario's address
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
    srv = lab.listen(8001)
    c = lab.connect(8001)
    s, _ = srv.accept()
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
    srv = lab.listen(8002)
    c = lab.connect(8002)
    s, _ = srv.accept()
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
    srv = lab.listen(8003)
    c = lab.connect(8003)
    s, _ = srv.accept()
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
    srv = lab.listen(8004)
    c = lab.connect(8004)
    s, _ = srv.accept()
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
    srv = lab.listen(8005)
    c = lab.connect(8005)
    s, _ = srv.accept()
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
    srv = lab.listen(8007)
    c = lab.connect(8007)
    s, _ = srv.accept()
    lab.snap("established", c, s)
    linger0(c)
    c.close()
    lab.settle()
    lab.snap("client aborted", c, s)


@scenario("abort_server")
def abort_server(lab):
    """SO_LINGER 0 on the server: RST from the server."""
    srv = lab.listen(8008)
    c = lab.connect(8008)
    s, _ = srv.accept()
    c.sendall(b"hello")
    s.recv(10)
    linger0(s)
    s.close()
    lab.settle()
    lab.snap("server aborted", c, s)


@scenario("close_unread")
def close_unread(lab):
    """The server closes with unread data in its receive queue: RST, not FIN."""
    srv = lab.listen(8009)
    c = lab.connect(8009)
    s, _ = srv.accept()
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
    """Both ends close at once: the FINs are held back, their retransmissions
    cross: CLOSING on both sides, then TIME_WAIT on both."""
    srv = lab.listen(8012)
    c = lab.connect(8012)
    s, _ = srv.accept()
    lab.hold("fin")
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
