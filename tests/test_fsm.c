/* test_fsm.c - unit tests of the state machine (no Wireshark).
 *
 * Each scenario is a list of segments, written the way tcpdump prints them,
 * with the client and server states RFC 9293 gives after each one.
 */
#include "tcpstate_fsm.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { C = 0, S = 1 }; /* who sends */

struct step {
    int from;           /* C or S */
    const char *flags;  /* "S", "SA", "A", "FA", "R", "RA", "PA", "SF", ... */
    uint32_t seq, ack, len;
    double t;           /* seconds */
    const char *client, *server;  /* expected states after */
    const char *hs, *td;          /* expected labels, NULL = don't care, "" = none */
    uint16_t notes;               /* notes that must be set */
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

static void expect_str(const char *name, int i, const char *what, const char *got, const char *want)
{
    checks++;
    if (!want)
        return;
    if (!got)
        got = "";
    if (strcmp(got, want) != 0) {
        failures++;
        printf("  FAIL %s step %d: %s is '%s', expected '%s'\n", name, i + 1, what, got, want);
    }
}

/* Ports: client 40000, server 80 (unless the scenario swaps them). */
/* Run a scenario.  Of the notes in `exact`, each step must have exactly the
 * ones it lists (the others only those it lists, and perhaps more). */
static void run(const char *name, const struct step *steps, int n, uint32_t msl, uint16_t exact)
{
    struct tcps_conn conn;
    struct tcps_config cfg = { .msl_s = msl };
    int before = failures;

    tcps_conn_init(&conn);
    for (int i = 0; i < n; i++) {
        const struct step *st = &steps[i];
        struct tcps_segment seg;
        struct tcps_result res;

        memset(&seg, 0, sizeof seg);
        seg.time_us = (uint64_t)(st->t * 1e6);
        seg.seq = st->seq;
        seg.ack = st->ack;
        seg.len = st->len;
        seg.flags = parse_flags(st->flags);
        seg.sport = st->from == C ? 40000 : 80;
        seg.dport = st->from == C ? 80 : 40000;
        seg.src_addr = st->from == C ? 1 : 2;
        seg.dst_addr = st->from == C ? 2 : 1;
        seg.win = 1000;
        seg.wscale = (seg.flags & TCPS_SYN) ? 7 : -1;
        tcps_segment_seen(&conn, &cfg, &seg, &res);

        expect_str(name, i, "client", tcps_state_name(tcps_result_state(&res, TCPS_CLIENT)), st->client);
        expect_str(name, i, "server", tcps_state_name(tcps_result_state(&res, TCPS_SERVER)), st->server);
        expect_str(name, i, "handshake", tcps_handshake_name((enum tcps_handshake)res.handshake), st->hs);
        expect_str(name, i, "teardown", tcps_teardown_name((enum tcps_teardown)res.teardown), st->td);
        checks++;
        if ((res.notes & st->notes) != st->notes) {
            failures++;
            printf("  FAIL %s step %d: notes 0x%04x lack 0x%04x\n", name, i + 1, res.notes, st->notes);
        }
        checks++;
        if (res.notes & exact & ~st->notes) {
            failures++;
            printf("  FAIL %s step %d: notes 0x%04x include 0x%04x\n", name, i + 1, res.notes,
                   res.notes & exact & ~st->notes);
        }
    }
    printf("%s %s\n", failures == before ? "ok  " : "FAIL", name);
}

#define RUN(name, steps) run(name, steps, (int)(sizeof steps / sizeof steps[0]), 30, 0)
#define RUN_EXACT(name, steps, notes) run(name, steps, (int)(sizeof steps / sizeof steps[0]), 30, notes)

/* The three-way handshake most scenarios start with: client ISN 100, server
 * ISN 500, both ESTABLISHED after it (its labels are checked by the seed). */
#define HANDSHAKE_100_500 \
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", NULL, NULL, 0 }, \
    { S, "SA", 500, 101, 0, 0, "ESTABLISHED", "SYN_RCVD", NULL, NULL, 0 }, \
    { C, "A", 101, 501, 0, 0, "ESTABLISHED", "ESTABLISHED", NULL, NULL, 0 }

/* The seed's exchange: curl -> Apache, client closes, the server's FIN rides on its ACK. */
static const struct step seed[] = {
    { C, "S", 3401804541u, 0, 0, 0.0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", "", 0 },
    { S, "SA", 2666924726u, 3401804542u, 0, 0.004, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3)", "", 0 },
    { C, "A", 3401804542u, 2666924727u, 0, 0.008, "ESTABLISHED", "ESTABLISHED", "ACK (3/3)", "", 0 },
    { C, "PA", 3401804542u, 2666924727u, 77, 0.009, "ESTABLISHED", "ESTABLISHED", "", "", 0 },
    { S, "A", 2666924727u, 3401804619u, 0, 0.010, "ESTABLISHED", "ESTABLISHED", "", "", 0 },
    { S, "PA", 2666924727u, 3401804619u, 243, 0.011, "ESTABLISHED", "ESTABLISHED", "", "", 0 },
    { C, "A", 3401804619u, 2666924970u, 0, 0.020, "ESTABLISHED", "ESTABLISHED", "", "", 0 },
    { C, "FA", 3401804619u, 2666924970u, 0, 0.021, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", 0 },
    { S, "FA", 2666924970u, 3401804620u, 0, 0.030, "TIME_WAIT", "LAST_ACK", "",
      "FIN+ACK (2nd FIN on the ACK of the 1st: 3-segment close)", 0 },
    { C, "A", 3401804620u, 2666924971u, 0, 0.040, "TIME_WAIT", "CLOSED", "", "ACK of 2nd FIN (last ACK)", 0 },
};

/* Four-segment close started by the server. */
static const struct step server_close[] = {
    HANDSHAKE_100_500,
    { S, "FA", 501, 101, 0, 1, "CLOSE_WAIT", "FIN_WAIT_1", "", "FIN (1st: active close)", 0 },
    { C, "A", 101, 502, 0, 1, "CLOSE_WAIT", "FIN_WAIT_2", "", "ACK of 1st FIN", 0 },
    { C, "PA", 101, 502, 10, 2, "CLOSE_WAIT", "FIN_WAIT_2", "", "", 0 },   /* half-close: data still flows */
    { S, "A", 502, 111, 0, 2, "CLOSE_WAIT", "FIN_WAIT_2", "", "", 0 },
    { C, "FA", 111, 502, 0, 3, "LAST_ACK", "TIME_WAIT", "", "FIN (2nd: passive close)", 0 },
    { S, "A", 502, 112, 0, 3, "CLOSED", "TIME_WAIT", "", "ACK of 2nd FIN (last ACK)", 0 },
    /* 2*MSL (60 s) later a stray ACK: the server's TIME_WAIT is over. */
    { C, "A", 112, 502, 0, 64, "CLOSED", "CLOSED", "", "", TCPS_NOTE_TW_EXPIRED | TCPS_NOTE_CLOSED_PEER },
};

static const struct step simultaneous_open[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", NULL, 0 },
    { S, "S", 500, 0, 0, 0, "SYN_RCVD", "SYN_RCVD", "SYN (simultaneous open)", NULL, 0 },
    { C, "SA", 100, 501, 0, 0, "SYN_RCVD", "ESTABLISHED", "SYN-ACK (simultaneous open)", NULL, 0 },
    { S, "SA", 500, 101, 0, 0, "ESTABLISHED", "ESTABLISHED", "SYN-ACK (simultaneous open)", NULL, 0 },
};

/* Simultaneous close, and the shared 2*MSL timer (MSL 30 s): it starts when
 * the first end enters TIME_WAIT (the server, at 1 s) and the second end's
 * entry 10 s later does not restart it, so both ends are CLOSED 60 s after
 * the first entry. */
static const struct step simultaneous_close[] = {
    HANDSHAKE_100_500,
    { C, "FA", 101, 501, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", 0 },
    /* The server's FIN does not acknowledge the client's: they crossed. */
    { S, "FA", 501, 101, 0, 1, "CLOSING", "CLOSING", "", "FIN (simultaneous close)", 0 },
    { C, "A", 102, 502, 0, 1, "CLOSING", "TIME_WAIT", "", "ACK of FIN (simultaneous close)", 0 },
    { S, "A", 502, 102, 0, 11, "TIME_WAIT", "TIME_WAIT", "", "ACK of FIN (simultaneous close)", 0 },
    /* 59.5 s after the timer started: both still in TIME_WAIT (1 MSL would have ended it). */
    { C, "A", 102, 502, 0, 60.5, "TIME_WAIT", "TIME_WAIT", "", "", 0 },
    /* 60.5 s after: over for both ends (had the second entry restarted it, 50.5 s). */
    { C, "A", 102, 502, 0, 61.5, "CLOSED", "CLOSED", "", "", TCPS_NOTE_TW_EXPIRED | TCPS_NOTE_CLOSED_PEER },
};

/* The client in TIME_WAIT: a segment that reaches it (here a window update
 * the server sends after its FIN) has no teardown role, and a FIN that
 * reaches it again (its ACK was lost) restarts the 2*MSL timeout (RFC 9293
 * 3.10.7.4, eighth; Linux re-arms it too). */
static const struct step fin_restarts_time_wait[] = {
    HANDSHAKE_100_500,
    { C, "FA", 101, 501, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", 0 },
    { S, "A", 501, 102, 0, 1, "FIN_WAIT_2", "CLOSE_WAIT", "", "ACK of 1st FIN", 0 },
    { S, "FA", 501, 102, 0, 2, "TIME_WAIT", "LAST_ACK", "", "FIN (2nd: passive close)", 0 },
    { S, "A", 502, 102, 0, 2.1, "TIME_WAIT", "LAST_ACK", "", "", 0 },
    /* The client's ACK was lost: the server sends its FIN again at 50 s. */
    { S, "FA", 501, 102, 0, 50, "TIME_WAIT", "LAST_ACK", "", "FIN, retransmission", TCPS_NOTE_RETRANSMISSION },
    { C, "A", 102, 502, 0, 50, "TIME_WAIT", "CLOSED", "", "ACK of 2nd FIN (last ACK)", 0 },
    /* 98 s after the first entry, 50 s after the restart: still TIME_WAIT. */
    { C, "A", 102, 502, 0, 100, "TIME_WAIT", "CLOSED", "", "", 0 },
    { C, "A", 102, 502, 0, 111, "CLOSED", "CLOSED", "", "", TCPS_NOTE_TW_EXPIRED },
};

/* Data that ends where the FIN is (a FIN carrying data, a data segment sent
 * again after the FIN) is not data after the FIN. */
static const struct step data_up_to_fin[] = {
    HANDSHAKE_100_500,
    { C, "PA", 101, 501, 10, 1, "ESTABLISHED", "ESTABLISHED", "", "", 0 },
    { C, "FPA", 111, 501, 10, 1, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", 0 },
    { C, "PA", 111, 501, 10, 2, "FIN_WAIT_1", "CLOSE_WAIT", "", "", TCPS_NOTE_RETRANSMISSION },
    { S, "A", 501, 122, 0, 2, "FIN_WAIT_2", "CLOSE_WAIT", "", "ACK of 1st FIN", 0 },
};

/* A SYN (no ACK) from a server that has already sent its SYN-ACK is no
 * simultaneous open: the server still came from a passive OPEN, so an RST
 * in SYN_RCVD returns it to LISTEN (RFC 9293 3.10.7.4). */
static const struct step stray_server_syn[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", NULL, NULL, 0 },
    { S, "SA", 500, 101, 0, 0, "ESTABLISHED", "SYN_RCVD", NULL, NULL, 0 },
    { S, "S", 500, 0, 0, 0.5, "ESTABLISHED", "SYN_RCVD", NULL, "", TCPS_NOTE_SYN_IGNORED },
    { C, "R", 101, 0, 0, 1, "CLOSED", "LISTEN", "", "RST (connection aborted)", 0 },
};

static const struct step refused[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", NULL, NULL, 0 },
    { S, "RA", 0, 101, 0, 0, "CLOSED", "CLOSED", "", "RST (connection refused)", 0 },
};

static const struct step syn_unanswered[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", NULL, 0 },
    { C, "S", 100, 0, 0, 1, "SYN_SENT", "LISTEN", "SYN (1/3), retransmission", NULL,
      TCPS_NOTE_SYN_UNANSWERED | TCPS_NOTE_RETRANSMISSION },
    { C, "S", 100, 0, 0, 3, "SYN_SENT", "LISTEN", "SYN (1/3), retransmission", NULL, TCPS_NOTE_SYN_UNANSWERED },
    /* Finally answered. */
    { S, "SA", 500, 101, 0, 3, "ESTABLISHED", "SYN_RCVD", "SYN-ACK (2/3)", NULL, 0 },
    { C, "A", 101, 501, 0, 3, "ESTABLISHED", "ESTABLISHED", "ACK (3/3)", NULL, 0 },
};

static const struct step rst_checks[] = {
    HANDSHAKE_100_500,
    { C, "PA", 101, 501, 100, 0, "ESTABLISHED", "ESTABLISHED", NULL, NULL, 0 },
    /* Far outside the server's window: ignored. */
    { C, "R", 90000000u, 0, 0, 1, "ESTABLISHED", "ESTABLISHED", "", "RST (ignored by the receiver)",
      TCPS_NOTE_RST_OUT_OF_WINDOW },
    /* In the window, not at RCV.NXT (201): challenge ACK, ignored. */
    { C, "R", 250, 0, 0, 1, "ESTABLISHED", "ESTABLISHED", "", "RST (ignored by the receiver)", TCPS_NOTE_RST_NOT_EXACT },
    /* A SYN on the established connection does not reset it. */
    { C, "S", 7777, 0, 0, 1, "ESTABLISHED", "ESTABLISHED", NULL, NULL, TCPS_NOTE_SYN_IGNORED },
    /* Exactly at RCV.NXT: the connection is reset. */
    { C, "RA", 201, 501, 0, 2, "CLOSED", "CLOSED", "", "RST (connection aborted)", 0 },
};

static const struct step retransmitted_fin[] = {
    { C, "S", 100, 0, 0, 0, NULL, NULL, NULL, NULL, 0 },
    { S, "SA", 500, 101, 0, 0, NULL, NULL, NULL, NULL, 0 },
    { C, "A", 101, 501, 0, 0, "ESTABLISHED", "ESTABLISHED", NULL, NULL, 0 },
    { C, "FA", 101, 501, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", 0 },
    { C, "FA", 101, 501, 0, 2, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN, retransmission", TCPS_NOTE_RETRANSMISSION },
    { S, "A", 501, 102, 0, 2, "FIN_WAIT_2", "CLOSE_WAIT", "", "ACK of 1st FIN", 0 },
};

/* Capture starting mid-connection: data both ways, then the server closes. */
static const struct step midstream[] = {
    { C, "PA", 1000, 9000, 10, 0, "ESTABLISHED", "ESTABLISHED", "", "", TCPS_NOTE_INFERRED },
    { S, "A", 9000, 1010, 0, 0, "ESTABLISHED", "ESTABLISHED", "", "", TCPS_NOTE_INFERRED },
    { S, "FA", 9000, 1010, 0, 1, "CLOSE_WAIT", "FIN_WAIT_1", "", "FIN (1st: active close)", TCPS_NOTE_INFERRED },
};

/* One-sided capture: only the client's segments.  Its ACK shows that the
 * server's SYN-ACK reached it (zeek's mixed-vlan-mpls.pcap, stream 0). */
static const struct step one_sided[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN (1/3)", NULL, 0 },
    { C, "A", 101, 501, 0, 0, "ESTABLISHED", "ESTABLISHED", "ACK (3/3)", NULL, TCPS_NOTE_ACK_UNSEEN },
    { C, "PA", 101, 501, 9, 0, "ESTABLISHED", "ESTABLISHED", "", "", 0 },
    { C, "FA", 110, 520, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", "", "FIN (1st: active close)", 0 },
};

/* RST from either side, in every state it can arrive in. */
static const struct step rst_in_fin_wait_2[] = {
    { C, "S", 100, 0, 0, 0, NULL, NULL, NULL, NULL, 0 },
    { S, "SA", 500, 101, 0, 0, NULL, NULL, NULL, NULL, 0 },
    { C, "A", 101, 501, 0, 0, NULL, NULL, NULL, NULL, 0 },
    { C, "FA", 101, 501, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", NULL, NULL, 0 },
    { S, "A", 501, 102, 0, 1, "FIN_WAIT_2", "CLOSE_WAIT", NULL, NULL, 0 },
    /* The server aborts from CLOSE_WAIT (SO_LINGER 0): the client in FIN_WAIT_2 is reset. */
    { S, "RA", 501, 102, 0, 2, "CLOSED", "CLOSED", "", "RST (connection aborted)", 0 },
};

static const struct step rst_in_syn_rcvd[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", NULL, NULL, 0 },
    { S, "SA", 500, 101, 0, 0, "ESTABLISHED", "SYN_RCVD", NULL, NULL, 0 },
    /* The client resets the half-open connection: the listener goes back to LISTEN. */
    { C, "R", 101, 0, 0, 0, "CLOSED", "LISTEN", "", "RST (connection aborted)", 0 },
};

static const struct step rst_in_last_ack_and_time_wait[] = {
    { C, "S", 100, 0, 0, 0, NULL, NULL, NULL, NULL, 0 },
    { S, "SA", 500, 101, 0, 0, NULL, NULL, NULL, NULL, 0 },
    { C, "A", 101, 501, 0, 0, NULL, NULL, NULL, NULL, 0 },
    { C, "FA", 101, 501, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", NULL, NULL, 0 },
    { S, "FA", 501, 102, 0, 1, "TIME_WAIT", "LAST_ACK", NULL, NULL, 0 },
    /* An RST at RCV.NXT reaches the TIME_WAIT end (Linux kills it: RFC 1337 assassination). */
    { S, "R", 502, 0, 0, 2, "CLOSED", "CLOSED", "", "RST (connection aborted)", 0 },
};

static const struct step rst_in_closing[] = {
    { C, "S", 100, 0, 0, 0, NULL, NULL, NULL, NULL, 0 },
    { S, "SA", 500, 101, 0, 0, NULL, NULL, NULL, NULL, 0 },
    { C, "A", 101, 501, 0, 0, NULL, NULL, NULL, NULL, 0 },
    { C, "FA", 101, 501, 0, 1, "FIN_WAIT_1", "CLOSE_WAIT", NULL, NULL, 0 },
    { S, "FA", 501, 101, 0, 1, "CLOSING", "CLOSING", NULL, NULL, 0 },
    /* RST at the FIN's own sequence number: Linux accepts it after the FIN. */
    { S, "R", 501, 0, 0, 2, "CLOSED", "CLOSED", "", "RST (connection aborted)", 0 },
};

static const struct step rst_in_syn_sent_wrong_ack[] = {
    { C, "S", 100, 0, 0, 0, "SYN_SENT", "SYN_RCVD", NULL, NULL, 0 },
    /* An RST whose ACK does not acknowledge the SYN is not acceptable in SYN_SENT. */
    { S, "RA", 0, 999, 0, 0, "SYN_SENT", "SYN_RCVD", "", "RST (ignored by the receiver)", TCPS_NOTE_RST_UNACCEPTABLE },
    { S, "SA", 500, 555, 0, 0, "SYN_SENT", "SYN_RCVD", "SYN-ACK (2/3)", NULL, TCPS_NOTE_BAD_SYNACK },
};

/* Which SYNs open a new connection on a 4-tuple (the glue asks when
 * Wireshark starts a new tcp.stream at a SYN; 4.4 and later do so at a
 * retransmitted SYN after a RST, 4.0 does not). */
static void syn_membership(void)
{
    int before = failures;
    static const struct {
        const char *what;
        uint32_t seq;
        bool stays;
    } cases[] = {
        { "SYN again with the first SYN's ISN (the same attempt)", 100, true },
        { "SYN with another ISN (a new attempt)", 7000, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tcps_conn conn;
        struct tcps_config cfg = { .msl_s = 30 };
        struct tcps_segment syn = { .seq = 100, .flags = TCPS_SYN, .sport = 40000, .dport = 80,
                                    .src_addr = 1, .dst_addr = 2, .win = 1000, .wscale = -1 };
        struct tcps_segment synack = { .seq = 500, .ack = 777777, .flags = TCPS_SYN | TCPS_ACK,
                                       .sport = 80, .dport = 40000, .src_addr = 2, .dst_addr = 1,
                                       .win = 1000, .wscale = -1, .time_us = 1000 };
        struct tcps_segment rst = { .seq = 777777, .flags = TCPS_RST, .sport = 40000, .dport = 80,
                                    .src_addr = 1, .dst_addr = 2, .time_us = 2000 };
        struct tcps_result res;

        /* hostile_bad_synack: the SYN-ACK acknowledges something else, the
         * client resets it and stays in SYN_SENT, then sends a SYN again. */
        tcps_conn_init(&conn);
        tcps_segment_seen(&conn, &cfg, &syn, &res);
        tcps_segment_seen(&conn, &cfg, &synack, &res);
        tcps_segment_seen(&conn, &cfg, &rst, &res);
        syn.seq = cases[i].seq;
        syn.time_us = 1000000;
        checks++;
        if (tcps_syn_stays_in_connection(&conn, &syn) != cases[i].stays) {
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
    RUN_EXACT("in TIME_WAIT: an ACK, a FIN again", fin_restarts_time_wait, TCPS_NOTE_TW_EXPIRED);
    RUN_EXACT("data up to the FIN", data_up_to_fin, TCPS_NOTE_DATA_AFTER_FIN | TCPS_NOTE_RETRANSMISSION);
    RUN("stray SYN from a server that answered", stray_server_syn);
    syn_membership();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
