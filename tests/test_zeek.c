/* test_zeek.c - unit tests of the Zeek connection summary (tcpstate_zeek.c).
 *
 * Each case feeds packets and checks conn_state and history against what
 * Zeek's rules (TCPSessionAdapter.cc, conn/main.zeek) give, worked out by
 * hand in the comments; the real-trace agreement is tests/zeek_agreement.py.
 */
#include <stdio.h>
#include <string.h>

#include "tcpstate_fsm.h"
#include "tcpstate_zeek.h"

static int failures;

#define C_ADDR 1u
#define S_ADDR 2u
#define C_PORT 40000
#define S_PORT 80

struct conn_run {
    struct zk_conn conn;
    int started;
    int connections;  /* how many Zeek connections the packets made */
};

static const uint8_t no_ports[65536 / 8];

/* One packet: from the client (to_server) or the server, at time t seconds. */
static void pkt(struct conn_run *run, double t, int from_client, uint8_t flags, uint32_t seq, uint32_t ack,
                uint32_t len)
{
    static const struct zk_config cfg = { no_ports };
    struct zk_packet p;

    memset(&p, 0, sizeof p);
    p.time_us = (uint64_t)(t * 1e6);
    p.seq = seq;
    p.ack = ack;
    p.len = len;
    p.flags = flags;
    p.win = 1000;
    p.src_addr = from_client ? C_ADDR : S_ADDR;
    p.sport = from_client ? C_PORT : S_PORT;
    p.dport = from_client ? S_PORT : C_PORT;
    if (!run->started || !zk_packet_continues(&run->conn, &p)) {
        zk_conn_init(&run->conn, &cfg, &p);
        run->started = 1;
        run->connections++;
    }
    zk_packet_seen(&run->conn, &p);
}

static void expect(const char *name, const struct conn_run *run, const char *cs, const char *history, int conns)
{
    const char *got_cs = zk_conn_state_name(zk_conn_state(&run->conn));

    if (strcmp(got_cs, cs) != 0 || strcmp(run->conn.history, history) != 0 || run->connections != conns) {
        printf("FAIL %s: %s %s (%d connections), expected %s %s (%d)\n", name, got_cs, run->conn.history,
               run->connections, cs, history, conns);
        failures++;
    } else {
        printf("ok   %s: %s %s\n", name, cs, history);
    }
}

#define S TCPS_SYN
#define A TCPS_ACK
#define F TCPS_FIN
#define R TCPS_RST

/* The removal time kept after each packet (removable_from_us) only spares
 * work: at every moment up to 320 s after the last packet (Zeek's TCP
 * inactivity timeout is 300 s), the connection is removed exactly when
 * the full check of every timer says so.  A connection that is not removed
 * right away keeps a time after its last packet, or nothing is spared. */
static void expect_removal_time_exact(const char *name, const struct conn_run *run)
{
    struct zk_conn full = run->conn;
    int wrong = 0;

    full.removable_from_us = 0; /* 0: not known, every timer checked */
    for (uint64_t t = run->conn.last_us; t <= run->conn.last_us + 320000000u; t += 50000)
        wrong += zk_conn_removed_by(&run->conn, t) != zk_conn_removed_by(&full, t);
    if (wrong || run->conn.removable_from_us <= run->conn.last_us) {
        printf("FAIL %s: %d moments differ from the full check; removable from %llu, last packet %llu\n", name,
               wrong, (unsigned long long)run->conn.removable_from_us, (unsigned long long)run->conn.last_us);
        failures++;
    } else {
        printf("ok   %s: removal time exact (from %.2f s)\n", name, run->conn.removable_from_us / 1e6);
    }
}

static void test_removal_time(void)
{
    struct conn_run syn = { 0 }, open = { 0 }, closed = { 0 }, half = { 0 }, reset = { 0 };

    pkt(&syn, 0.0, 1, S, 100, 0, 0);                      /* the attempt timer, at 5 s */
    expect_removal_time_exact("unanswered SYN", &syn);
    pkt(&open, 0.0, 1, S, 100, 0, 0);                     /* inactivity, at 300 s */
    pkt(&open, 0.1, 0, S | A, 500, 101, 0);
    pkt(&open, 0.2, 1, A, 101, 501, 0);
    expect_removal_time_exact("established", &open);
    pkt(&closed, 0.0, 1, S, 100, 0, 0);                   /* both closed: the close delay */
    pkt(&closed, 0.1, 0, S | A, 500, 101, 0);
    pkt(&closed, 0.2, 1, A, 101, 501, 0);
    pkt(&closed, 0.3, 1, F | A, 101, 501, 0);
    pkt(&closed, 0.4, 0, F | A, 501, 102, 0);
    pkt(&closed, 0.5, 1, A, 102, 502, 0);
    expect_removal_time_exact("closed", &closed);
    pkt(&half, 0.0, 1, S, 100, 0, 0);                     /* one FIN: the expire timer's ticks */
    pkt(&half, 0.1, 0, S | A, 500, 101, 0);
    pkt(&half, 0.2, 1, A, 101, 501, 0);
    pkt(&half, 0.3, 1, F | A, 101, 501, 0);
    expect_removal_time_exact("half closed", &half);
    pkt(&reset, 0.0, 1, S, 100, 0, 0);                    /* a reset */
    pkt(&reset, 0.1, 0, S | A, 500, 101, 0);
    pkt(&reset, 0.2, 1, R | A, 101, 501, 0);
    expect_removal_time_exact("reset", &reset);
}

int main(void)
{
    {   /* The whole story: both FINs, both CLOSED: SF. */
        struct conn_run r = { 0 };
        pkt(&r, 0.0, 1, S, 100, 0, 0);
        pkt(&r, 0.1, 0, S | A, 500, 101, 0);
        pkt(&r, 0.2, 1, A, 101, 501, 0);
        pkt(&r, 0.3, 1, A, 101, 501, 10);
        pkt(&r, 0.4, 0, A, 501, 111, 0);
        pkt(&r, 0.5, 0, A, 501, 111, 20);
        pkt(&r, 0.6, 1, A, 111, 521, 0);
        pkt(&r, 0.7, 1, F | A, 111, 521, 0);
        pkt(&r, 0.8, 0, F | A, 521, 112, 0);
        pkt(&r, 0.9, 1, A, 112, 522, 0);
        expect("full connection", &r, "SF", "ShADadFf", 1);
        if (zk_side_bytes(&r.conn, 0) != 10 || zk_side_bytes(&r.conn, 1) != 20) {
            printf("FAIL full connection: bytes %llu/%llu, expected 10/20\n",
                   (unsigned long long)zk_side_bytes(&r.conn, 0), (unsigned long long)zk_side_bytes(&r.conn, 1));
            failures++;
        }
    }
    {   /* The originator closes and the responder never answers the FIN:
         * Zeek's S2 ("close attempt by originator seen, no reply"); history
         * S h A, then the originator's F. */
        struct conn_run r = { 0 };
        pkt(&r, 0.0, 1, S, 100, 0, 0);
        pkt(&r, 0.1, 0, S | A, 500, 101, 0);
        pkt(&r, 0.2, 1, A, 101, 501, 0);
        pkt(&r, 0.3, 1, F | A, 101, 501, 0);
        expect("originator's FIN unanswered", &r, "S2", "ShAF", 1);
    }
    {   /* Established, then the responder resets: RSTR (the originator
         * was active, so not RSTRH); the responder's RST is a lowercase r. */
        struct conn_run r = { 0 };
        pkt(&r, 0.0, 1, S, 100, 0, 0);
        pkt(&r, 0.1, 0, S | A, 500, 101, 0);
        pkt(&r, 0.2, 1, A, 101, 501, 0);
        pkt(&r, 0.3, 0, R, 501, 0, 0);
        expect("responder resets an established connection", &r, "RSTR", "ShAr", 1);
    }
    {   /* A SYN retransmitted at 3 s is the same attempt (same sequence
         * number: no second S); Zeek's attempt timer (5 s) then removes it,
         * so the retransmission at 9 s starts a second connection. */
        struct conn_run r = { 0 };
        pkt(&r, 0.0, 1, S, 100, 0, 0);
        pkt(&r, 3.0, 1, S, 100, 0, 0);
        expect("SYN retransmitted within 5 s", &r, "S0", "S", 1);
        pkt(&r, 9.0, 1, S, 100, 0, 0);
        expect("SYN again after the attempt timer", &r, "S0", "S", 2);
    }
    {   /* Refused: the responder's RST answers the SYN: REJ. */
        struct conn_run r = { 0 };
        pkt(&r, 0.0, 1, S, 100, 0, 0);
        pkt(&r, 0.1, 0, R | A, 0, 101, 0);
        expect("refused", &r, "REJ", "Sr", 1);
    }
    {   /* The originator gives up with a RST before any answer: RSTOS0. */
        struct conn_run r = { 0 };
        pkt(&r, 0.0, 1, S, 100, 0, 0);
        pkt(&r, 0.1, 1, R, 101, 0, 0);
        expect("SYN then RST", &r, "RSTOS0", "SR", 1);
    }
    {   /* SYN missed: the SYN-ACK comes first (its sender is taken as the
         * originator, no likely server ports), then the client's ACK shows
         * real traffic and Zeek flips the roles: "^h" then 'A' from the new
         * originator.  The responder is SYN_ACK_SENT, the originator PARTIAL:
         * OTH. */
        struct conn_run r = { 0 };
        pkt(&r, 0.0, 0, S | A, 500, 101, 0);
        expect("SYN-ACK alone", &r, "OTH", "H", 1);
        pkt(&r, 0.1, 1, A, 101, 501, 0);
        expect("SYN-ACK then ACK: roles flipped", &r, "OTH", "^hA", 1);
    }
    {   /* A new SYN after both FINs reuses the 4-tuple: a new connection. */
        struct conn_run r = { 0 };
        pkt(&r, 0.0, 1, S, 100, 0, 0);
        pkt(&r, 0.1, 0, S | A, 500, 101, 0);
        pkt(&r, 0.2, 1, A, 101, 501, 0);
        pkt(&r, 0.3, 1, F | A, 101, 501, 0);
        pkt(&r, 0.4, 0, F | A, 501, 102, 0);
        pkt(&r, 0.5, 1, A, 102, 502, 0);
        expect("closed", &r, "SF", "ShAFf", 1);
        pkt(&r, 1.0, 1, S, 9000, 0, 0);
        expect("port reused", &r, "S0", "S", 2);
    }
    {   /* Retransmitted data: 'T' once, then again only at the 10th. */
        struct conn_run r = { 0 };
        pkt(&r, 0.0, 1, S, 100, 0, 0);
        pkt(&r, 0.1, 0, S | A, 500, 101, 0);
        pkt(&r, 0.2, 1, A, 101, 501, 0);
        pkt(&r, 0.3, 1, A, 101, 501, 10);
        for (int i = 0; i < 9; i++)
            pkt(&r, 0.4 + i * 0.1, 1, A, 101, 501, 10);
        expect("9 retransmissions", &r, "S1", "ShADT", 1);
        pkt(&r, 1.5, 1, A, 101, 501, 10);
        expect("10 retransmissions", &r, "S1", "ShADTT", 1);
    }
    {   /* The peer acknowledges data the capture never showed: a content gap. */
        struct conn_run r = { 0 };
        pkt(&r, 0.0, 1, S, 100, 0, 0);
        pkt(&r, 0.1, 0, S | A, 500, 101, 0);
        pkt(&r, 0.2, 1, A, 101, 501, 0);
        pkt(&r, 0.3, 1, A, 111, 501, 10);  /* bytes 1-10 missing */
        pkt(&r, 0.4, 0, A, 501, 121, 0);
        expect("gap", &r, "S1", "ShADaG", 1);
    }
    test_removal_time();
    printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
