/* test_fsm.c - unit tests of the state machine (no Wireshark).
 *
 * Each scenario is a list of segments, written the way tcpdump prints them
 * (absolute numbers), with what RFC 9293 gives after each one: the client
 * and server states, the handshake and teardown labels, every note, the
 * relative sequence and acknowledgment numbers and the order bits.  Nothing
 * is left unchecked: a step's notes are exactly the ones it lists (NOTE_ACK
 * apart: it must be set exactly when the segment has ACK), its labels are
 * exactly the ones given ("" = none).
 */
#include "tcpstate_fsm.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { C = 0, S = 1 }; /* who sends */

/* Notes, shorter. */
#define ISN_C TCPS_NOTE_ISN_CLIENT
#define ISN_S TCPS_NOTE_ISN_SERVER
#define ISNS (ISN_C | ISN_S)
#define INFERRED TCPS_NOTE_INFERRED
#define RETRANSMISSION TCPS_NOTE_RETRANSMISSION
#define RST_OUT_OF_WINDOW TCPS_NOTE_RST_OUT_OF_WINDOW
#define RST_NOT_EXACT TCPS_NOTE_RST_NOT_EXACT
#define RST_UNACCEPTABLE TCPS_NOTE_RST_UNACCEPTABLE
#define SYN_IGNORED TCPS_NOTE_SYN_IGNORED
#define BAD_SYNACK TCPS_NOTE_BAD_SYNACK
#define DATA_AFTER_FIN TCPS_NOTE_DATA_AFTER_FIN
#define TW_EXPIRED TCPS_NOTE_TW_EXPIRED
#define SYN_UNANSWERED TCPS_NOTE_SYN_UNANSWERED
#define INVALID_FLAGS TCPS_NOTE_INVALID_FLAGS
#define ACK_UNSEEN TCPS_NOTE_ACK_UNSEEN
#define CLOSED_PEER TCPS_NOTE_CLOSED_PEER
/* Order bits go in the notes column too, above the notes. */
#define GAP ((uint32_t)TCPS_ORDER_GAP << 16)
#define OOO ((uint32_t)TCPS_ORDER_OUT_OF_ORDER << 16)

struct step {
    int from;           /* C or S */
    const char *flags;  /* "S", "SA", "A", "FA", "R", "RA", "PA", "SF", ... */
    uint32_t seq, ack, len;
    double t;           /* seconds */
    const char *client, *server;  /* expected states after */
    const char *hs, *td;          /* expected labels, "" = none, NULL = not checked (say why) */
    uint32_t notes;               /* exactly the notes it has (besides TCPS_NOTE_ACK), and
                                     exactly its order bits (GAP, OOO) */
    uint32_t rseq, rack;          /* relative numbers (rack 0 without ACK) */
};

static int failures, checks;

static uint8_t parse_flags(const char *f)
{
    uint8_t fl = 0;
    for (; *f; f++) {
        switch (*f) {
        case 'S': fl |= TCPS_SYN; break;
        case 'A': fl |= TCPS_ACK; break;
        case 'F': fl |= TCPS_FIN; break;
        case 'R': fl |= TCPS_RST; break;
        case 'P': fl |= TCPS_PSH; break;
        default: break;
        }
    }
    return fl;
}

/* Ports: client 40000, server 80. */
static void make_segment(const struct step *st, struct tcps_segment *seg)
{
    memset(seg, 0, sizeof *seg);
    seg->time_us = (uint64_t)(st->t * 1e6);
    seg->seq = st->seq;
    seg->ack = st->ack;
    seg->len = st->len;
    seg->flags = parse_flags(st->flags);
    seg->sport = st->from == C ? 40000 : 80;
    seg->dport = st->from == C ? 80 : 40000;
    seg->src_addr = st->from == C ? 1 : 2;
    seg->dst_addr = st->from == C ? 2 : 1;
    seg->win = 1000;
    seg->wscale = (seg->flags & TCPS_SYN) ? 7 : -1;
}

static void expect_str(const char *name, int i, const char *what, const char *got, const char *want)
{
    if (!want)
        return;
    checks++;
    if (!got)
        got = "";
    if (strcmp(got, want) != 0) {
        failures++;
        printf("  FAIL %s step %d: %s is '%s', expected '%s'\n", name, i + 1, what, got, want);
    }
}

static void expect_num(const char *name, int i, const char *what, uint32_t got, uint32_t want)
{
    checks++;
    if (got != want) {
        failures++;
        printf("  FAIL %s step %d: %s is 0x%x (%u), expected 0x%x (%u)\n", name, i + 1, what, got, got, want, want);
    }
}

static void run(const char *name, const struct step *steps, int n)
{
    struct tcps_conn conn;
    struct tcps_holes conn_holes = { { 0, 0 }, { 0, 0 } };
    struct tcps_config cfg = { .msl_s = 30 };
    int before = failures;

    tcps_conn_init(&conn);
    for (int i = 0; i < n; i++) {
        const struct step *st = &steps[i];
        struct tcps_segment seg;
        struct tcps_result res;
        bool ack;

        make_segment(st, &seg);
        ack = (seg.flags & TCPS_ACK) != 0;
        tcps_segment_seen(&conn, &conn_holes, &cfg, &seg, &res);

        expect_str(name, i, "client", tcps_state_name(tcps_result_state(&res, TCPS_CLIENT)), st->client);
        expect_str(name, i, "server", tcps_state_name(tcps_result_state(&res, TCPS_SERVER)), st->server);
        expect_str(name, i, "handshake", tcps_handshake_name((enum tcps_handshake)res.handshake), st->hs);
        expect_str(name, i, "teardown", tcps_teardown_name((enum tcps_teardown)res.teardown), st->td);
        expect_num(name, i, "notes", res.notes, (st->notes & 0xffff) | (ack ? TCPS_NOTE_ACK : 0));
        expect_num(name, i, "sender", res.sender, (uint32_t)st->from);
        expect_num(name, i, "relative seq", res.seq, st->rseq);
        expect_num(name, i, "relative ack", res.ack, st->rack);
        expect_num(name, i, "seglen", res.seglen,
                   st->len + !!(seg.flags & TCPS_SYN) + !!(seg.flags & TCPS_FIN));
        expect_num(name, i, "order", res.order, st->notes >> 16);
    }
    printf("%s %s\n", failures == before ? "ok  " : "FAIL", name);
}

#define RUN(name, steps) run(name, steps, (int)(sizeof steps / sizeof steps[0]))

/* The three-way handshake most scenarios start with: client ISN 100, server
 * ISN 500, both ESTABLISHED after it. */
#define HANDSHAKE_100_500 \
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 }, \
    { S, "SA", 500, 101, 0, 0, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3)", "", ISNS, 0, 1 }, \
    { C, "A", 101, 501, 0, 0, "ESTABLISHED", "ESTABLISHED", "ACK (3/3)", "", ISNS, 1, 1 }

/* The seed's exchange: curl -> Apache, client closes, the server's FIN rides on its ACK. */
static const struct step seed[] = {
    { C, "S", 3401804541u, 0, 0, 0.0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { S, "SA", 2666924726u, 3401804542u, 0, 0.004, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3)", "", ISNS, 0, 1 },
    { C, "A", 3401804542u, 2666924727u, 0, 0.008, "ESTABLISHED", "ESTABLISHED", "ACK (3/3)", "", ISNS, 1, 1 },
    { C, "PA", 3401804542u, 2666924727u, 77, 0.009, "ESTABLISHED", "ESTABLISHED", "", "", ISNS, 1, 1 },
    { S, "A", 2666924727u, 3401804619u, 0, 0.010, "ESTABLISHED", "ESTABLISHED", "", "", ISNS, 1, 78 },
    { S, "PA", 2666924727u, 3401804619u, 243, 0.011, "ESTABLISHED", "ESTABLISHED", "", "", ISNS, 1, 78 },
    { C, "A", 3401804619u, 2666924970u, 0, 0.020, "ESTABLISHED", "ESTABLISHED", "", "", ISNS, 78, 244 },
    { C, "FA", 3401804619u, 2666924970u, 0, 0.021, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", ISNS, 78, 244 },
    { S, "FA", 2666924970u, 3401804620u, 0, 0.030, "TIME_WAIT", "LAST_ACK", "",
      "FIN+ACK (2nd FIN on the ACK of the 1st: 3-segment close)", ISNS, 244, 79 },
    { C, "A", 3401804620u, 2666924971u, 0, 0.040, "TIME_WAIT", "CLOSED", "", "ACK of 2nd FIN (last ACK)", ISNS, 79, 245 },
};

/* Four-segment close started by the server. */
static const struct step server_close[] = {
    HANDSHAKE_100_500,
    { S, "FA", 501, 101, 0, 1, "CLOSE_WAIT", "FIN_WAIT_1", "", "FIN (1st: active close)", ISNS, 1, 1 },
    { C, "A", 101, 502, 0, 1, "CLOSE_WAIT", "FIN_WAIT_2", "", "ACK of 1st FIN", ISNS, 1, 2 },
    { C, "PA", 101, 502, 10, 2, "CLOSE_WAIT", "FIN_WAIT_2", "", "", ISNS, 1, 2 },   /* half-close: data still flows */
    { S, "A", 502, 111, 0, 2, "CLOSE_WAIT", "FIN_WAIT_2", "", "", ISNS, 2, 11 },
    { C, "FA", 111, 502, 0, 3, "LAST_ACK", "TIME_WAIT", "", "FIN (2nd: passive close)", ISNS, 11, 2 },
    { S, "A", 502, 112, 0, 3, "CLOSED", "TIME_WAIT", "", "ACK of 2nd FIN (last ACK)", ISNS, 2, 12 },
    /* 2*MSL (60 s) later a stray ACK: the server's TIME_WAIT is over. */
    { C, "A", 112, 502, 0, 64, "CLOSED", "CLOSED", "", "", ISNS | TW_EXPIRED | CLOSED_PEER, 12, 2 },
};

static const struct step simultaneous_open[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { S, "S", 500, 0, 0, 0, "SYN_RCVD", "SYN_RCVD", "SYN (simultaneous open)", "", ISNS, 0, 0 },
    /* Each SYN-ACK repeats its sender's SYN: sequence space already seen. */
    { C, "SA", 100, 501, 0, 0, "SYN_RCVD", "ESTABLISHED", "SYN-ACK (simultaneous open)", "", ISNS | RETRANSMISSION, 0, 1 },
    { S, "SA", 500, 101, 0, 0, "ESTABLISHED", "ESTABLISHED", "SYN-ACK (simultaneous open)", "", ISNS | RETRANSMISSION, 0, 1 },
};

/* Simultaneous close, and the shared 2*MSL timer (MSL 30 s): it starts when
 * the first end enters TIME_WAIT (the server, at 1 s) and the second end's
 * entry 10 s later does not restart it, so both ends are CLOSED 60 s after
 * the first entry. */
static const struct step simultaneous_close[] = {
    HANDSHAKE_100_500,
    { C, "FA", 101, 501, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", ISNS, 1, 1 },
    /* The server's FIN does not acknowledge the client's: they crossed. */
    { S, "FA", 501, 101, 0, 1, "CLOSING", "CLOSING", "", "FIN (simultaneous close)", ISNS, 1, 1 },
    { C, "A", 102, 502, 0, 1, "CLOSING", "TIME_WAIT", "", "ACK of FIN (simultaneous close)", ISNS, 2, 2 },
    { S, "A", 502, 102, 0, 11, "TIME_WAIT", "TIME_WAIT", "", "ACK of FIN (simultaneous close)", ISNS, 2, 2 },
    /* 59.5 s after the timer started: both still in TIME_WAIT (1 MSL would have ended it). */
    { C, "A", 102, 502, 0, 60.5, "TIME_WAIT", "TIME_WAIT", "", "", ISNS, 2, 2 },
    /* 60.5 s after: over for both ends (had the second entry restarted it, 50.5 s). */
    { C, "A", 102, 502, 0, 61.5, "CLOSED", "CLOSED", "", "", ISNS | TW_EXPIRED | CLOSED_PEER, 2, 2 },
};

/* The client in TIME_WAIT: a segment that reaches it (here a window update
 * the server sends after its FIN) has no teardown role, and a FIN that
 * reaches it again (its ACK was lost) restarts the 2*MSL timeout (RFC 9293
 * 3.10.7.4, eighth; Linux re-arms it too). */
static const struct step fin_restarts_time_wait[] = {
    HANDSHAKE_100_500,
    { C, "FA", 101, 501, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", ISNS, 1, 1 },
    { S, "A", 501, 102, 0, 1, "FIN_WAIT_2", "CLOSE_WAIT", "", "ACK of 1st FIN", ISNS, 1, 2 },
    { S, "FA", 501, 102, 0, 2, "TIME_WAIT", "LAST_ACK", "", "FIN (2nd: passive close)", ISNS, 1, 2 },
    { S, "A", 502, 102, 0, 2.1, "TIME_WAIT", "LAST_ACK", "", "", ISNS, 2, 2 },
    /* The client's ACK was lost: the server sends its FIN again at 50 s. */
    { S, "FA", 501, 102, 0, 50, "TIME_WAIT", "LAST_ACK", "", "FIN, retransmission", ISNS | RETRANSMISSION, 1, 2 },
    { C, "A", 102, 502, 0, 50, "TIME_WAIT", "CLOSED", "", "ACK of 2nd FIN (last ACK)", ISNS, 2, 2 },
    /* 98 s after the first entry, 50 s after the restart: still TIME_WAIT. */
    { C, "A", 102, 502, 0, 100, "TIME_WAIT", "CLOSED", "", "", ISNS | CLOSED_PEER, 2, 2 },
    { C, "A", 102, 502, 0, 111, "CLOSED", "CLOSED", "", "", ISNS | TW_EXPIRED | CLOSED_PEER, 2, 2 },
};

/* Data that ends where the FIN is (a FIN carrying data, a data segment sent
 * again after the FIN) is not data after the FIN; data beyond it is. */
static const struct step data_up_to_fin[] = {
    HANDSHAKE_100_500,
    { C, "PA", 101, 501, 10, 1, "ESTABLISHED", "ESTABLISHED", "", "", ISNS, 1, 1 },
    { C, "FPA", 111, 501, 10, 1, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", ISNS, 11, 1 },
    { C, "PA", 111, 501, 10, 2, "FIN_WAIT_1", "CLOSE_WAIT", "", "", ISNS | RETRANSMISSION, 11, 1 },
    { S, "A", 501, 122, 0, 2, "FIN_WAIT_2", "CLOSE_WAIT", "", "ACK of 1st FIN", ISNS, 1, 22 },
    /* A byte after the FIN (at 121): new sequence space, but after the FIN. */
    { C, "PA", 122, 501, 1, 3, "FIN_WAIT_2", "CLOSE_WAIT", "", "", ISNS | DATA_AFTER_FIN, 22, 1 },
};

/* The client closes at once: its FIN rides on the handshake's third
 * segment (with data, then without).  handshake and teardown are separate
 * roles: the segment is the ACK (3/3) (the server, in SYN_RCVD, takes the
 * ACK of its SYN first: ESTABLISHED, RFC 9293 3.10.7.4 fifth) and it is
 * the 1st FIN (eighth: ESTABLISHED -> CLOSE_WAIT), so it has both labels. */
static const struct step fin_on_third_segment[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { S, "SA", 500, 101, 0, 0, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3)", "", ISNS, 0, 1 },
    { C, "FA", 101, 501, 0, 0, "FIN_WAIT_1", "CLOSE_WAIT", "ACK (3/3)", "FIN (1st: active close)", ISNS, 1, 1 },
    { S, "FA", 501, 102, 0, 1, "TIME_WAIT", "LAST_ACK", "",
      "FIN+ACK (2nd FIN on the ACK of the 1st: 3-segment close)", ISNS, 1, 2 },
    { C, "A", 102, 502, 0, 1, "TIME_WAIT", "CLOSED", "", "ACK of 2nd FIN (last ACK)", ISNS, 2, 2 },
};

static const struct step fin_and_data_on_third_segment[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { S, "SA", 500, 101, 0, 0, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3)", "", ISNS, 0, 1 },
    { C, "FPA", 101, 501, 10, 0, "FIN_WAIT_1", "CLOSE_WAIT", "ACK (3/3)", "FIN (1st: active close)", ISNS, 1, 1 },
    { S, "A", 501, 112, 0, 1, "FIN_WAIT_2", "CLOSE_WAIT", "", "ACK of 1st FIN", ISNS, 1, 12 },
};

/* A SYN (no ACK) from a server that has already sent its SYN-ACK is no
 * simultaneous open: the server still came from a passive OPEN, so an RST
 * in SYN_RCVD returns it to LISTEN (RFC 9293 3.10.7.4). */
static const struct step stray_server_syn[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { S, "SA", 500, 101, 0, 0, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3)", "", ISNS, 0, 1 },
    /* Its SYN again, after its SYN-ACK: not a simultaneous open (RFC 9293
     * 3.5: both ends send a SYN before receiving the other's; this server
     * had received the client's and answered it).  It opens nothing (the
     * client ignores it), so it has no handshake role. */
    { S, "S", 500, 0, 0, 0.5, "ESTABLISHED", "SYN_RCVD", "", "", ISNS | SYN_IGNORED | RETRANSMISSION, 0, 0 },
    { C, "R", 101, 0, 0, 1, "CLOSED", "LISTEN", "", "RST (connection aborted)", ISNS, 1, 0 },
};

/* A synchronized server sends a SYN with a new ISN: it crosses no SYN of
 * the client (RFC 9293 3.5), the client ignores it with a challenge ACK
 * (RFC 5961 4.2): no handshake role. */
static const struct step synchronized_server_syn[] = {
    HANDSHAKE_100_500,
    { S, "S", 9000, 0, 0, 1, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | SYN_IGNORED, 8500, 0 },
};

/* The RST answering a SYN: no listener.  The server's numbers are unknown,
 * so its base is one below the RST's sequence number 0. */
static const struct step refused[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { S, "RA", 0, 101, 0, 0, "CLOSED", "CLOSED", "", "RST (connection refused)", ISN_C, 1, 1 },
};

static const struct step syn_unanswered[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { C, "S", 100, 0, 0, 1, "SYN_SENT", "LISTEN", "SYN (1/3), retransmission", "", ISN_C | SYN_UNANSWERED | RETRANSMISSION, 0, 0 },
    { C, "S", 100, 0, 0, 3, "SYN_SENT", "LISTEN", "SYN (1/3), retransmission", "", ISN_C | SYN_UNANSWERED | RETRANSMISSION, 0, 0 },
    /* Finally answered. */
    { S, "SA", 500, 101, 0, 3, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3)", "", ISNS, 0, 1 },
    { C, "A", 101, 501, 0, 3, "ESTABLISHED", "ESTABLISHED", "ACK (3/3)", "", ISNS, 1, 1 },
};

static const struct step rst_checks[] = {
    HANDSHAKE_100_500,
    { C, "PA", 101, 501, 100, 0, "ESTABLISHED", "ESTABLISHED", "", "", ISNS, 1, 1 },
    /* Far outside the server's window: ignored. */
    { C, "R", 90000000, 0, 0, 1, "ESTABLISHED", "ESTABLISHED", "", "RST (ignored by the receiver)",
      ISNS | RST_OUT_OF_WINDOW, 89999900, 0 },
    /* In the window, not at RCV.NXT (201): challenge ACK, ignored. */
    { C, "R", 250, 0, 0, 1, "ESTABLISHED", "ESTABLISHED", "", "RST (ignored by the receiver)", ISNS | RST_NOT_EXACT, 150, 0 },
    /* A SYN on the established connection does not reset it. */
    { C, "S", 7777, 0, 0, 1, "ESTABLISHED", "ESTABLISHED", "SYN (1/3)", "", ISNS | SYN_IGNORED, 7677, 0 },
    /* Exactly at RCV.NXT: the connection is reset. */
    { C, "RA", 201, 501, 0, 2, "CLOSED", "CLOSED", "", "RST (connection aborted)", ISNS, 101, 1 },
};

static const struct step retransmitted_fin[] = {
    HANDSHAKE_100_500,
    { C, "FA", 101, 501, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", ISNS, 1, 1 },
    { C, "FA", 101, 501, 0, 2, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN, retransmission", ISNS | RETRANSMISSION, 1, 1 },
    { S, "A", 501, 102, 0, 2, "FIN_WAIT_2", "CLOSE_WAIT", "", "ACK of 1st FIN", ISNS, 1, 2 },
};

/* Capture starting mid-connection: data both ways, then the server closes.
 * Bases: one below the client's first sequence number (999) and one below
 * what it acknowledges of the server (8999). */
static const struct step midstream[] = {
    { C, "PA", 1000, 9000, 10, 0, "ESTABLISHED", "ESTABLISHED", "", "", INFERRED, 1, 1 },
    { S, "A", 9000, 1010, 0, 0, "ESTABLISHED", "ESTABLISHED", "", "", INFERRED, 1, 11 },
    { S, "FA", 9000, 1010, 0, 1, "CLOSE_WAIT", "FIN_WAIT_1", "", "FIN (1st: active close)", INFERRED, 1, 11 },
};

/* Picked up at the SYN-ACK: its sender is the server (though its port were
 * the higher), and it acknowledges the client's ISN + 1. */
static const struct step pickup_at_synack[] = {
    { S, "SA", 500, 101, 0, 0, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3)", "", INFERRED | ISNS, 0, 1 },
    { C, "A", 101, 501, 0, 0, "ESTABLISHED", "ESTABLISHED", "ACK (3/3)", "", INFERRED | ISNS, 1, 1 },
};

/* One-sided capture: only the client's segments.  Its ACK shows that the
 * server's SYN-ACK reached it (zeek's mixed-vlan-mpls.pcap, stream 0); the
 * server's base is one below what it acknowledges. */
static const struct step one_sided[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { C, "A", 101, 501, 0, 0, "ESTABLISHED", "ESTABLISHED", "ACK (3/3)", "", ISN_C | ACK_UNSEEN, 1, 1 },
    { C, "PA", 101, 501, 9, 0, "ESTABLISHED", "ESTABLISHED", "", "", ISN_C, 1, 1 },
    /* It acknowledges 19 bytes of the server the capture never showed. */
    { C, "FA", 110, 520, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", ISN_C | ACK_UNSEEN, 10, 20 },
};

/* The server repeats its SYN-ACK: first before the client's ACK (it stays in
 * SYN_RCVD), then after it, having sent nothing else (the ACK (3/3) never
 * reached it: back in SYN_RCVD until the client acknowledges again), then
 * after data (no evidence of a lost ACK: it stays).  The client, synchronized,
 * answers each with a challenge ACK (RFC 5961 4.2). */
static const struct step synack_retransmitted[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { S, "SA", 500, 101, 0, 0, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3)", "", ISNS, 0, 1 },
    { S, "SA", 500, 101, 0, 1, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3), retransmission", "",
      ISNS | RETRANSMISSION | SYN_IGNORED, 0, 1 },
    { C, "A", 101, 501, 0, 1, "ESTABLISHED", "ESTABLISHED", "ACK (3/3)", "", ISNS, 1, 1 },
    { S, "SA", 500, 101, 0, 3, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3), retransmission", "",
      ISNS | RETRANSMISSION | SYN_IGNORED, 0, 1 },
    { C, "A", 101, 501, 0, 3, "ESTABLISHED", "ESTABLISHED", "ACK (3/3)", "", ISNS, 1, 1 },
    { S, "PA", 501, 101, 10, 4, "ESTABLISHED", "ESTABLISHED", "", "", ISNS, 1, 1 },
    { S, "SA", 500, 101, 0, 5, "ESTABLISHED", "ESTABLISHED", "SYN-ACK (2/3), retransmission", "",
      ISNS | RETRANSMISSION | SYN_IGNORED, 0, 1 },
};

/* SYN_RCVD takes only an ACK of its SYN (SND.UNA < SEG.ACK =< SND.NXT,
 * RFC 9293 3.10.7.4 fifth): one of the ISN itself is answered with an RST. */
static const struct step ack_of_isn_in_syn_rcvd[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { S, "SA", 500, 101, 0, 0, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3)", "", ISNS, 0, 1 },
    { C, "A", 101, 500, 0, 0, "ESTABLISHED", "SYN_RCVD", "", "", ISNS, 1, 0 },
    { C, "A", 101, 501, 0, 0, "ESTABLISHED", "ESTABLISHED", "ACK (3/3)", "", ISNS, 1, 1 },
};

/* The client's SYN is never answered (the server is taken back to LISTEN);
 * then the server sends its own SYN: it was never listening but opening
 * too (active OPEN: SYN_SENT), and the client, in SYN_SENT, receives it:
 * a simultaneous open in which one SYN was lost. */
static const struct step simultaneous_open_one_syn_lost[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { C, "S", 100, 0, 0, 1, "SYN_SENT", "LISTEN", "SYN (1/3), retransmission", "", ISN_C | SYN_UNANSWERED | RETRANSMISSION, 0, 0 },
    { S, "S", 500, 0, 0, 1.5, "SYN_RCVD", "SYN_SENT", "SYN (simultaneous open)", "", ISNS, 0, 0 },
    { C, "SA", 100, 501, 0, 1.5, "SYN_RCVD", "ESTABLISHED", "SYN-ACK (simultaneous open)", "", ISNS | RETRANSMISSION, 0, 1 },
    { S, "A", 501, 101, 0, 1.5, "ESTABLISHED", "ESTABLISHED", "ACK (3/3)", "", ISNS, 1, 1 },
};

/* The server's SYN is missing from the capture: the client answers it with
 * a SYN-ACK while still in SYN_SENT.  An end in SYN_SENT has sent its own
 * SYN, so receiving the peer's SYN there is a simultaneous open (RFC 9293
 * 3.5): the client goes to SYN_RCVD and its SYN-ACK is the simultaneous
 * open's.  The server too had sent a SYN of its own (the one acknowledged):
 * in SYN_RCVD it takes the SYN-ACK that acknowledges it, as in the
 * simultaneous open above: ESTABLISHED.  The client's SYN is repeated in
 * it: a retransmission. */
static const struct step simultaneous_open_server_syn_missed[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { C, "SA", 100, 501, 0, 0, "SYN_RCVD", "ESTABLISHED", "SYN-ACK (simultaneous open)", "", ISN_C | RETRANSMISSION, 0, 1 },
};

/* Holes in the client's sequence space (one per side is tracked: the first). */
static const struct step holes[] = {
    HANDSHAKE_100_500,
    { C, "PA", 101, 501, 10, 1, "ESTABLISHED", "ESTABLISHED", "", "", ISNS, 1, 1 },
    /* 111..140 missing: a hole [111, 141). */
    { C, "PA", 141, 501, 10, 1, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | GAP, 41, 1 },
    /* Its top end, its bottom end, its middle: filled out of order, no retransmissions. */
    { C, "PA", 131, 501, 10, 1, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | OOO, 31, 1 },
    { C, "PA", 111, 501, 10, 1, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | OOO, 11, 1 },
    { C, "PA", 121, 501, 10, 1, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | OOO, 21, 1 },
    /* The hole is closed: the same bytes again are a retransmission. */
    { C, "PA", 121, 501, 10, 2, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | RETRANSMISSION, 21, 1 },
    /* Two new gaps, [151, 171) and [181, 191): only the first is tracked. */
    { C, "PA", 171, 501, 10, 2, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | GAP, 71, 1 },
    { C, "PA", 191, 501, 10, 2, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | GAP, 91, 1 },
    { C, "PA", 181, 501, 10, 2, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | RETRANSMISSION, 81, 1 },
    { C, "PA", 151, 501, 20, 2, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | OOO, 51, 1 },
};

/* Flag combinations no stack sends change nothing and are not taken as
 * sent: the FIN after them is the first. */
static const struct step invalid_flags[] = {
    HANDSHAKE_100_500,
    { C, "SF", 101, 501, 0, 1, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | INVALID_FLAGS, 1, 0 },
    { C, "SRA", 101, 501, 0, 1, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | INVALID_FLAGS, 1, 1 },
    { C, "F", 101, 0, 0, 1, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | INVALID_FLAGS, 1, 0 },
    { C, "", 101, 0, 0, 1, "ESTABLISHED", "ESTABLISHED", "", "", ISNS | INVALID_FLAGS, 1, 0 },
    { C, "FA", 101, 501, 0, 2, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", ISNS, 1, 1 },
};

/* A first segment with invalid flags (a null scan) is part of no
 * connection: both ends CLOSED, roles by the ports. */
static const struct step invalid_first[] = {
    { C, "", 100, 0, 0, 0, "CLOSED", "CLOSED", "", "", INFERRED | INVALID_FLAGS, 1, 0 },
};

/* RST from either side, in every state it can arrive in. */
static const struct step rst_in_fin_wait_2[] = {
    HANDSHAKE_100_500,
    { C, "FA", 101, 501, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", ISNS, 1, 1 },
    { S, "A", 501, 102, 0, 1, "FIN_WAIT_2", "CLOSE_WAIT", "", "ACK of 1st FIN", ISNS, 1, 2 },
    /* The server aborts from CLOSE_WAIT (SO_LINGER 0): the client in FIN_WAIT_2 is reset. */
    { S, "RA", 501, 102, 0, 2, "CLOSED", "CLOSED", "", "RST (connection aborted)", ISNS, 1, 2 },
};

static const struct step rst_in_syn_rcvd[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { S, "SA", 500, 101, 0, 0, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3)", "", ISNS, 0, 1 },
    /* The client resets the half-open connection: the listener goes back to LISTEN. */
    { C, "R", 101, 0, 0, 0, "CLOSED", "LISTEN", "", "RST (connection aborted)", ISNS, 1, 0 },
};

static const struct step rst_in_last_ack_and_time_wait[] = {
    HANDSHAKE_100_500,
    { C, "FA", 101, 501, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", ISNS, 1, 1 },
    { S, "FA", 501, 102, 0, 1, "TIME_WAIT", "LAST_ACK", "",
      "FIN+ACK (2nd FIN on the ACK of the 1st: 3-segment close)", ISNS, 1, 2 },
    /* An RST at RCV.NXT reaches the TIME_WAIT end (Linux kills it: RFC 1337 assassination). */
    { S, "R", 502, 0, 0, 2, "CLOSED", "CLOSED", "", "RST (connection aborted)", ISNS, 2, 0 },
};

static const struct step rst_in_closing[] = {
    HANDSHAKE_100_500,
    { C, "FA", 101, 501, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", ISNS, 1, 1 },
    { S, "FA", 501, 101, 0, 1, "CLOSING", "CLOSING", "", "FIN (simultaneous close)", ISNS, 1, 1 },
    /* RST at the FIN's own sequence number: Linux accepts it after the FIN. */
    { S, "R", 501, 0, 0, 2, "CLOSED", "CLOSED", "", "RST (connection aborted)", ISNS, 1, 0 },
};

static const struct step rst_in_syn_sent_wrong_ack[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    /* An RST whose ACK does not acknowledge the SYN is not acceptable in
     * SYN_SENT.  The server's base: one below its sequence number 0. */
    { S, "RA", 0, 999, 0, 0, "SYN_SENT", "SYN_RCVD", "", "RST (ignored by the receiver)", ISN_C | RST_UNACCEPTABLE, 1, 899 },
    /* Its SYN-ACK brings the real ISN (500), the new base. */
    { S, "SA", 500, 555, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN-ACK (2/3)", "", ISNS | BAD_SYNACK, 0, 455 },
};

/* hostile_bad_synack: the SYN-ACK acknowledges something else; the client
 * answers with an RST at that number (outside the server's window: the
 * server ignores it) and stays in SYN_SENT. */
static const struct step bad_synack_reset[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", ISN_C, 0, 0 },
    { S, "SA", 500, 777777, 0, 0.001, "SYN_SENT", "SYN_RCVD", "SYN-ACK (2/3)", "", ISNS | BAD_SYNACK, 0, 777677 },
    { C, "R", 777777, 0, 0, 0.002, "SYN_SENT", "SYN_RCVD", "", "RST (ignored by the receiver)",
      ISNS | RST_OUT_OF_WINDOW, 777677, 0 },
};

/* Which SYNs belong to the connection on their 4-tuple rather than open a
 * new one (the glue asks when Wireshark starts a new tcp.stream at a SYN;
 * 4.4 and later do so at a retransmitted SYN after a RST, 4.0 does not). */
static void syn_membership(void)
{
    int before = failures;
    static const struct {
        const char *what;
        const struct step *prefix;  /* what the connection saw first */
        int n;
        int from;
        uint32_t seq;
        bool stays;
    } cases[] = {
        { "a SYN before anything was seen", NULL, 0, C, 100, false },
        { "the client's SYN again, with its ISN, in SYN_SENT (the same attempt)", seed, 1, C, 3401804541u, true },
        { "the client's SYN with another ISN in SYN_SENT (a new attempt)", seed, 1, C, 7000, false },
        { "after a SYN-ACK it reset: the SYN again with its ISN", bad_synack_reset, 3, C, 100, true },
        { "after a SYN-ACK it reset: a SYN with another ISN", bad_synack_reset, 3, C, 7000, false },
        { "a SYN to an ESTABLISHED server (RFC 5961: challenge ACK)", rst_checks, 4, C, 7777, true },
        { "a SYN to an ESTABLISHED client", rst_checks, 4, S, 9999, true },
        { "a SYN to a CLOSED server, the client in TIME_WAIT", seed, 10, C, 7000, false },
        { "a SYN to a client in TIME_WAIT", seed, 10, S, 9999, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tcps_conn conn;
        struct tcps_holes conn_holes = { { 0, 0 }, { 0, 0 } };
        struct tcps_config cfg = { .msl_s = 30 };
        struct tcps_segment seg;
        struct tcps_result res;
        struct step syn = { cases[i].from, "S", cases[i].seq, 0, 0, 1, NULL, NULL, NULL, NULL, 0, 0, 0 };

        tcps_conn_init(&conn);
        for (int k = 0; k < cases[i].n; k++) {
            make_segment(&cases[i].prefix[k], &seg);
            tcps_segment_seen(&conn, &conn_holes, &cfg, &seg, &res);
        }
        make_segment(&syn, &seg);
        checks++;
        if (tcps_syn_stays_in_connection(&conn, &seg) != cases[i].stays) {
            failures++;
            printf("  FAIL syn membership: %s: stays %d, expected %d\n", cases[i].what, !cases[i].stays,
                   cases[i].stays);
        }
    }
    printf("%s SYN membership on a 4-tuple\n", failures == before ? "ok  " : "FAIL");
}

int main(void)
{
    RUN("seed: open, request, 3-segment close", seed);
    RUN("server-initiated close with half-close data", server_close);
    RUN("simultaneous open", simultaneous_open);
    RUN("simultaneous close", simultaneous_close);
    RUN("connection refused", refused);
    RUN("unanswered SYN retransmitted", syn_unanswered);
    RUN("RST acceptability (RFC 5961)", rst_checks);
    RUN("retransmitted FIN", retransmitted_fin);
    RUN("mid-connection pick-up", midstream);
    RUN("one-sided capture: the ACK shows the SYN-ACK arrived", one_sided);
    RUN("RST in FIN_WAIT_2 from the server in CLOSE_WAIT", rst_in_fin_wait_2);
    RUN("RST in SYN_RCVD returns a listener to LISTEN", rst_in_syn_rcvd);
    RUN("RST in TIME_WAIT", rst_in_last_ack_and_time_wait);
    RUN("RST in CLOSING at the FIN's sequence number", rst_in_closing);
    RUN("RST and SYN-ACK with a wrong ACK in SYN_SENT", rst_in_syn_sent_wrong_ack);
    RUN("in TIME_WAIT: an ACK, a FIN again", fin_restarts_time_wait);
    RUN("data up to the FIN, and after it", data_up_to_fin);
    RUN("FIN on the handshake's ACK: the client closes at once", fin_on_third_segment);
    RUN("FIN and data on the handshake's ACK", fin_and_data_on_third_segment);
    RUN("stray SYN from a server that answered", stray_server_syn);
    RUN("SYN from a synchronized server", synchronized_server_syn);
    RUN("pick-up at the SYN-ACK", pickup_at_synack);
    RUN("SYN-ACK retransmitted: before and after the ACK, after data", synack_retransmitted);
    RUN("an ACK of the ISN in SYN_RCVD is not acceptable", ack_of_isn_in_syn_rcvd);
    RUN("simultaneous open, one SYN lost", simultaneous_open_one_syn_lost);
    RUN("simultaneous open, the server's SYN not captured", simultaneous_open_server_syn_missed);
    RUN("holes: gaps and segments that fill them", holes);
    RUN("invalid flag combinations", invalid_flags);
    RUN("invalid flags on the first segment", invalid_first);
    RUN("the client resets a SYN-ACK with a wrong ACK", bad_synack_reset);
    syn_membership();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
