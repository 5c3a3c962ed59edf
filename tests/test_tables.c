/* test_tables.c - unit tests of the capture's tables: the chunked arrays,
 * the connection table (stream -> connection, port reuse, pseudo ISNs), the
 * Zeek connection table (live pool, retirement, history archive), the
 * watches and the kept results.  Each expected value is worked out in the
 * comment beside it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include "tcpstate_capture.h"
#include "tcpstate_chunks.h"
#include "tcpstate_conn_table.h"
#include "tcpstate_results.h"
#include "tcpstate_watch.h"
#include "tcpstate_zeek_table.h"
#include "unit_check.h"

static void test_chunks(void)
{
    struct tcps_chunks a = { 0 };
    uint32_t *first, *far;

    CHECK(tcps_chunk_get(&a, 5, sizeof(uint32_t)) == NULL);     /* nothing created yet */
    first = tcps_chunk_make(&a, 0, sizeof(uint32_t));
    *first = 7;
    far = tcps_chunk_make(&a, 40 * TCPS_CHUNK_LEN + 5, sizeof(uint32_t));
    CHECK_EQ(*far, 0);                                                 /* new elements are zero */
    /* Growing the chunk index (16 -> 32 -> 64 entries) moved no element. */
    CHECK(tcps_chunk_get(&a, 0, sizeof(uint32_t)) == first);
    CHECK_EQ(*first, 7);
    CHECK(tcps_chunk_get(&a, TCPS_CHUNK_LEN, sizeof(uint32_t)) == NULL); /* chunk 1 never made */
    CHECK(tcps_chunk_get(&a, 100 * TCPS_CHUNK_LEN, sizeof(uint32_t)) == NULL);
    /* Two chunks of 1024 four-byte elements, and an index of 64 pointers. */
    CHECK_EQ(TCPS_CHUNK_LEN, 1024);
    CHECK_EQ(tcps_chunks_bytes(&a, sizeof(uint32_t)), 2 * 1024 * 4 + 64 * sizeof(void *));
    tcps_chunks_free(&a);
    CHECK(a.chunks == NULL && a.n_chunks == 0);
}

/* A segment between client 1:40000 and server 2:80 (or `sport` for the client). */
static struct tcps_segment seg(uint64_t t_ms, int from_client, uint8_t flags, uint32_t seq, uint32_t ack,
                               uint16_t cport)
{
    struct tcps_segment s;

    memset(&s, 0, sizeof s);
    s.time_us = t_ms * 1000;
    s.seq = seq;
    s.ack = ack;
    s.flags = (uint8_t)flags;
    s.win = 1000;
    s.wscale = -1;
    s.src_addr = from_client ? 1 : 2;
    s.dst_addr = from_client ? 2 : 1;
    s.sport = from_client ? cport : 80;
    s.dport = from_client ? 80 : cport;
    return s;
}

static uint32_t feed(struct tcps_conn_table *t, uint32_t stream, struct tcps_segment s, struct tcps_result *r)
{
    static const struct tcps_config cfg = { .msl_s = 30 };
    uint32_t conn = tcps_table_conn_of_segment(t, stream, &s, true);

    tcps_table_segment_seen(t, conn, stream, &cfg, &s, r);
    return conn;
}

/* Port reuse: Wireshark starts a new tcp.stream at a SYN on a used 4-tuple.
 * While the old connection's receiver is synchronized, the SYN is part of
 * it (RFC 5961 4.2 challenge ACK); once both ends are done, it opens a new
 * connection. */
static void test_conn_table_reuse(void)
{
    struct tcps_conn_table t = { 0 };
    struct tcps_result r;
    uint32_t conn;

    CHECK_EQ(feed(&t, 0, seg(0, 1, TCPS_SYN, 100, 0, 40000), &r), 0);
    CHECK_EQ(feed(&t, 0, seg(1, 0, TCPS_SYN | TCPS_ACK, 500, 101, 40000), &r), 0);
    CHECK_EQ(feed(&t, 0, seg(2, 1, TCPS_ACK, 101, 501, 40000), &r), 0);
    CHECK_EQ(feed(&t, 1, seg(3, 1, TCPS_SYN, 900, 0, 40001), &r), 1);  /* another 4-tuple: connection 1 */
    /* A SYN in the window of the ESTABLISHED connection, split by Wireshark into stream 2. */
    CHECK_EQ(feed(&t, 2, seg(4, 1, TCPS_SYN, 7000, 0, 40000), &r), 0);
    CHECK_EQ(r.notes & TCPS_NOTE_SYN_IGNORED, TCPS_NOTE_SYN_IGNORED);
    CHECK(tcps_table_conn_of_stream(&t, 2, &conn) && conn == 0);
    CHECK_EQ(tcps_table_links(&t, 0)->stream, 0);                      /* its first stream */
    /* Close both ways: client FIN, server FIN+ACK, client ACK: TIME_WAIT and CLOSED. */
    feed(&t, 0, seg(5, 1, TCPS_FIN | TCPS_ACK, 101, 501, 40000), &r);
    feed(&t, 0, seg(6, 0, TCPS_FIN | TCPS_ACK, 501, 102, 40000), &r);
    feed(&t, 0, seg(7, 1, TCPS_ACK, 102, 502, 40000), &r);
    CHECK_EQ(tcps_result_state(&r, TCPS_CLIENT), TCPS_TIME_WAIT);
    CHECK_EQ(tcps_result_state(&r, TCPS_SERVER), TCPS_CLOSED);
    /* Both done: the next SYN on the 4-tuple is a new connection (2). */
    CHECK_EQ(feed(&t, 3, seg(8, 1, TCPS_SYN, 20000, 0, 40000), &r), 2);
    CHECK_EQ(tcps_table_links(&t, 2)->stream, 3);
    CHECK_EQ(t.used, 3);
    CHECK(tcps_table_fsm(&t, 3) == NULL);
    CHECK(!tcps_table_conn_of_stream(&t, 4, &conn));
    tcps_table_free(&t);
}

/* A connection's Zeek connections are numbered by connection: 0 for the
 * first, 1 for the next one Zeek started for it, ..., whatever Zeek's own
 * numbers (far apart when other connections started between), and only
 * connections Zeek split take room apart. */
static void test_conn_table_zeek_parts(void)
{
    struct tcps_conn_table t = { 0 };
    struct tcps_result r;

    feed(&t, 0, seg(0, 1, TCPS_SYN, 100, 0, 40000), &r);
    feed(&t, 1, seg(3, 1, TCPS_SYN, 900, 0, 40001), &r);
    CHECK_EQ(tcps_table_zeek_part(&t, 0, 0), 0);           /* no Zeek connection yet */
    CHECK_EQ(tcps_table_zeek_seen(&t, 0, 7), 0);
    CHECK_EQ(tcps_table_zeek_seen(&t, 0, 7), 0);
    CHECK_EQ(tcps_table_zeek_seen(&t, 1, 8), 0);
    CHECK_EQ(t.zeek_parts.used, 0);                        /* none split yet */
    CHECK_EQ(tcps_table_zeek_seen(&t, 0, 5000), 1);        /* Zeek split connection 0 */
    CHECK_EQ(tcps_table_zeek_seen(&t, 0, 5000), 1);
    CHECK_EQ(tcps_table_zeek_seen(&t, 1, 8), 0);           /* connection 1 is not concerned */
    CHECK_EQ(tcps_table_zeek_seen(&t, 0, 9000), 2);
    CHECK_EQ(tcps_table_zeek_seen(&t, 0, 9000), 2);
    CHECK_EQ(tcps_table_zeek_part(&t, 0, 0), 7);
    CHECK_EQ(tcps_table_zeek_part(&t, 0, 1), 5000);
    CHECK_EQ(tcps_table_zeek_part(&t, 0, 2), 9000);
    CHECK_EQ(tcps_table_zeek_part(&t, 0, 3), 0);
    CHECK_EQ(tcps_table_zeek_part(&t, 1, 0), 8);
    CHECK_EQ(tcps_table_zeek_part(&t, 1, 1), 0);
    CHECK_EQ(tcps_table_zeek_part(&t, 2, 0), 0);           /* no such connection */
    /* Should a connection come back to its first Zeek connection, that is
     * a part of its own, and the parts before it stay. */
    CHECK_EQ(tcps_table_zeek_seen(&t, 0, 7), 3);
    CHECK_EQ(tcps_table_zeek_seen(&t, 0, 12000), 4);
    CHECK_EQ(tcps_table_zeek_part(&t, 0, 1), 5000);
    CHECK_EQ(tcps_table_zeek_part(&t, 0, 3), 7);
    CHECK_EQ(tcps_table_zeek_part(&t, 0, 4), 12000);
    tcps_table_free(&t);
}

/* A connection's first segment sets the sequence bases; when the real ISN
 * turns up later, the earlier results keep the base they were computed
 * against.  Here the first segment carries no flags at all (a null scan:
 * both ends CLOSED, client base 5000 - 1), then the client's SYN brings ISN
 * 4000. */
static void test_conn_table_pseudo_isn(void)
{
    struct tcps_conn_table t = { 0 };
    struct tcps_result r;

    feed(&t, 0, seg(0, 1, 0, 5000, 0, 40000), &r);
    CHECK_EQ(r.notes & (TCPS_NOTE_INVALID_FLAGS | TCPS_NOTE_ISN_CLIENT), TCPS_NOTE_INVALID_FLAGS);
    CHECK_EQ(tcps_table_sequence_base(&t, 0, TCPS_CLIENT, false), 4999);
    CHECK_EQ(t.pseudo_isns.used, 0);                                   /* nothing replaced yet */
    feed(&t, 0, seg(1, 1, TCPS_SYN, 4000, 0, 40000), &r);
    CHECK_EQ(r.notes & TCPS_NOTE_ISN_CLIENT, TCPS_NOTE_ISN_CLIENT);
    CHECK_EQ(t.pseudo_isns.used, 1);
    CHECK_EQ(tcps_table_sequence_base(&t, 0, TCPS_CLIENT, false), 4999); /* results before the SYN */
    CHECK_EQ(tcps_table_sequence_base(&t, 0, TCPS_CLIENT, true), 4000);  /* results that knew the ISN */
    /* A second connection without a replaced base has no pseudo entry. */
    feed(&t, 1, seg(2, 1, TCPS_SYN, 100, 0, 40001), &r);
    CHECK_EQ(tcps_table_sequence_base(&t, 1, TCPS_CLIENT, false), 100);
    CHECK_EQ(t.pseudo_isns.used, 1);
    tcps_table_free(&t);
}

/* Holes are kept aside, for the connections that have one: the table must
 * carry a hole from the segment that opened it to the one that fills it,
 * and a connection without one keeps none. */
static void test_conn_table_holes(void)
{
    struct tcps_conn_table t = { 0 };
    struct tcps_result r;
    struct tcps_segment data;

    feed(&t, 0, seg(0, 1, TCPS_SYN, 100, 0, 40000), &r);
    feed(&t, 0, seg(1, 0, TCPS_SYN | TCPS_ACK, 500, 101, 40000), &r);
    feed(&t, 0, seg(2, 1, TCPS_ACK, 101, 501, 40000), &r);
    feed(&t, 1, seg(3, 1, TCPS_SYN, 900, 0, 40001), &r);             /* connection 1: no hole ever */
    data = seg(4, 1, TCPS_ACK, 201, 501, 40000);                      /* 101..200 not seen: a gap */
    data.len = 100;
    feed(&t, 0, data, &r);
    CHECK_EQ(r.order, TCPS_ORDER_GAP);
    CHECK(tcps_has_holes(tcps_table_fsm(&t, 0)) && !tcps_has_holes(tcps_table_fsm(&t, 1)));
    CHECK_EQ(t.holes.used, 1);
    data = seg(5, 1, TCPS_ACK, 101, 501, 40000);                      /* the first half, captured late */
    data.len = 50;
    feed(&t, 0, data, &r);
    CHECK_EQ(r.order, TCPS_ORDER_OUT_OF_ORDER);
    CHECK(tcps_has_holes(tcps_table_fsm(&t, 0)));
    data.seq = 151;                                                   /* the rest: the hole is closed */
    feed(&t, 0, data, &r);
    CHECK_EQ(r.order, TCPS_ORDER_OUT_OF_ORDER);
    CHECK_EQ(r.notes & TCPS_NOTE_RETRANSMISSION, 0);
    CHECK(!tcps_has_holes(tcps_table_fsm(&t, 0)));
    feed(&t, 0, data, &r);                                            /* again: now a retransmission */
    CHECK_EQ(r.order, 0);
    CHECK_EQ(r.notes & TCPS_NOTE_RETRANSMISSION, TCPS_NOTE_RETRANSMISSION);
    CHECK_EQ(t.holes.used, 1);
    tcps_table_free(&t);
}

static const uint8_t no_server_ports[65536 / 8];

/* A Zeek packet between 1:cport and 2:80 at t seconds; `last` is the
 * caller's memory of the 4-tuple's last Zeek connection (0: none). */
static uint64_t zk_send_last(struct zk_table *t, uint32_t last, double t_s, int from_client, uint8_t flags,
                             uint32_t seq, uint32_t ack, uint16_t cport, uint32_t *number)
{
    static const struct zk_config cfg = { no_server_ports };
    struct zk_packet p;
    struct tcps_segment s = seg(0, from_client, flags, seq, ack, cport);

    memset(&p, 0, sizeof p);
    p.time_us = (uint64_t)(t_s * 1e6);
    p.seq = seq;
    p.ack = ack;
    p.flags = flags;
    p.win = 1000;
    p.src_addr = s.src_addr;
    p.sport = s.sport;
    p.dport = s.dport;
    zk_table_packet(t, &cfg, tcps_tuple_key(&s), &p, last, number);
    return p.time_us;
}

static uint64_t zk_send(struct zk_table *t, double t_s, int from_client, uint8_t flags, uint32_t seq, uint32_t ack,
                        uint16_t cport, uint32_t *number)
{
    return zk_send_last(t, 0, t_s, from_client, flags, seq, ack, cport, number);
}

static const char *zk_history(const struct zk_table *t, uint32_t number)
{
    static char buf[ZK_HISTORY_MAX + 1];
    unsigned len;
    const char *h = zk_table_history(t, zk_table_record(t, number), &len);

    snprintf(buf, sizeof buf, "%.*s", (int)len, h);
    return buf;
}

/* Zeek's attempt timer (5 s) removes a SYN nobody answered; the sweep then
 * retires it: its record keeps S0 and "S", its slot is free again, and a
 * later packet of its 4-tuple starts a new connection. */
/* The caller's `last` spares the 4-tuple lookup only while it is that
 * 4-tuple's live connection: another 4-tuple's, or a retired one, is not
 * taken. */
static void test_zeek_table_last(void)
{
    struct zk_table t = { 0 };
    uint32_t a, b, n;

    zk_send(&t, 0, 1, TCPS_SYN, 100, 0, 40000, &a);
    zk_send(&t, 1, 1, TCPS_SYN, 900, 0, 40001, &b);
    zk_send_last(&t, b, 2, 0, TCPS_SYN | TCPS_ACK, 500, 101, 40000, &n);
    CHECK_EQ(n, a);                                    /* b is live, but another 4-tuple's */
    CHECK(strcmp(zk_history(&t, a), "Sh") == 0);
    CHECK(strcmp(zk_history(&t, b), "S") == 0);
    zk_send_last(&t, a, 3, 1, TCPS_ACK, 101, 501, 40000, &n);
    CHECK_EQ(n, a);                                    /* the right one, live */
    CHECK(strcmp(zk_history(&t, a), "ShA") == 0);
    for (int i = 0; i < 128; i++)                      /* b unanswered for 9 s: retired */
        zk_table_sweep(&t, 10000000);
    CHECK_EQ(zk_table_record(&t, b)->live, 0);
    zk_send_last(&t, b, 11, 1, TCPS_SYN, 900, 0, 40001, &n);
    CHECK_EQ(n, 3);                                    /* b retired: a new connection, b untouched */
    CHECK(strcmp(zk_history(&t, b), "S") == 0);
    CHECK_EQ(zk_table_conn_state(&t, zk_table_record(&t, b)), ZK_CS_S0);
    zk_send_last(&t, 99, 12, 1, TCPS_ACK, 901, 0, 40001, &n);
    CHECK_EQ(n, 3);                                    /* a number never made: looked up */
    zk_table_free(&t);

    /* A retired connection's `at` is its history's offset, not a slot: here
     * offset 0, the slot its own 4-tuple's new connection now holds. */
    zk_send(&t, 0, 1, TCPS_SYN, 100, 0, 41000, &a);
    for (int i = 0; i < 128; i++)
        zk_table_sweep(&t, 10000000);
    zk_send(&t, 11, 1, TCPS_SYN, 700, 0, 41000, &b);
    CHECK_EQ(zk_table_record(&t, a)->live, 0);
    CHECK_EQ(zk_table_record(&t, a)->at, 0);
    CHECK_EQ(zk_table_record(&t, b)->at, 0);
    zk_send_last(&t, a, 12, 1, TCPS_ACK, 701, 0, 41000, &n);
    CHECK_EQ(n, b);
    CHECK(strcmp(zk_history(&t, a), "S") == 0);
    zk_table_free(&t);
}

static void test_zeek_table(void)
{
    struct zk_table t = { 0 };
    uint32_t a, b, a2, b2;

    zk_send(&t, 0, 1, TCPS_SYN, 100, 0, 40000, &a);
    zk_send(&t, 1, 1, TCPS_SYN, 900, 0, 40001, &b);
    zk_send(&t, 2, 0, TCPS_SYN | TCPS_ACK, 500, 101, 40000, &a2);
    CHECK_EQ(a, 1);
    CHECK_EQ(b, 2);
    CHECK_EQ(a2, 1);                                   /* the SYN-ACK continues connection 1 */
    CHECK(strcmp(zk_history(&t, 1), "Sh") == 0);
    CHECK_EQ(zk_table_record(&t, 1)->start_us, 0);
    CHECK_EQ(zk_table_record(&t, 2)->start_us, 1000000);
    CHECK_EQ(zk_table_record(&t, 2)->side0_port, 40001);
    CHECK_EQ(t.live_len, 256);
    CHECK_EQ(t.live_free, 254);
    for (int i = 0; i < 128; i++)                      /* 2 slots per call: the whole pool */
        zk_table_sweep(&t, 10000000);
    CHECK_EQ(zk_table_record(&t, 2)->live, 0);          /* unanswered for 9 s > 5 s: retired */
    CHECK_EQ(zk_table_record(&t, 1)->live, 1);          /* answered: kept */
    CHECK_EQ(zk_table_conn_state(&t, zk_table_record(&t, 2)), ZK_CS_S0);
    CHECK(strcmp(zk_history(&t, 2), "S") == 0);
    CHECK_EQ(t.live_free, 255);
    zk_send(&t, 11, 1, TCPS_SYN, 900, 0, 40001, &b2);
    CHECK_EQ(b2, 3);                                   /* a new connection for the old 4-tuple */
    CHECK(zk_table_record(&t, 4) == NULL);
    CHECK(zk_table_record(&t, 0) == NULL);
    CHECK_EQ(t.live_len, 256);                          /* the freed slot was reused */
    for (uint16_t port = 0; port < 300; port++)         /* 300 more live connections: the pool doubles */
        zk_send(&t, 12, 1, TCPS_SYN, 1, 0, (uint16_t)(50000 + port), &b2);
    CHECK_EQ(b2, 303);
    CHECK_EQ(t.live_len, 512);
    CHECK(strcmp(zk_history(&t, 1), "Sh") == 0);       /* untouched by the growth */
    zk_table_free(&t);
    CHECK_EQ(t.used, 0);
}

/* The watches with small limits: CLOSE_WAIT longer than 1 s, 3 server
 * TIME_WAIT entries per 60 s window, 2 SYN_SENT connections per host. */
static const struct tcps_watch_limits limits = {
    .close_wait_max_us = 1000000, .fin_wait_2_max_us = 1000000, .time_wait_window_us = 60000000,
    .server_time_wait_many = 3, .syn_sent_many = 2,
};

static struct tcps_result states(enum tcps_side sender, enum tcps_state c_before, enum tcps_state s_before,
                                 enum tcps_state c_after, enum tcps_state s_after)
{
    struct tcps_result r;

    memset(&r, 0, sizeof r);
    r.sender = sender;
    r.prev = (uint8_t)(c_before << 4 | s_before);
    r.states = (uint8_t)(c_after << 4 | s_after);
    return r;
}

static uint8_t watch(struct tcps_watch *w, struct tcps_conn_watch *c, uint64_t t_ms, uint16_t cport,
                     uint8_t flags, struct tcps_result r)
{
    struct tcps_segment s = seg(t_ms, r.sender == TCPS_CLIENT, flags, 0, 0, cport);
    return tcps_watch_segment(w, c, &limits, &s, &r);
}

static void test_watch(void)
{
    struct tcps_watch w = { 0 };
    struct tcps_conn_watch c1 = { { 0, 0 } }, c[5];
    const enum tcps_state E = TCPS_ESTABLISHED, CW = TCPS_CLOSE_WAIT, TW = TCPS_TIME_WAIT, CL = TCPS_CLOSED;

    memset(c, 0, sizeof c);
    /* The server enters CLOSE_WAIT at 1 s; a segment 0.5 s later is fine, one at 2.5 s is late. */
    CHECK_EQ(watch(&w, &c1, 1000, 40000, TCPS_FIN, states(TCPS_CLIENT, E, E, TCPS_FIN_WAIT_1, CW)), 0);
    CHECK_EQ(watch(&w, &c1, 1500, 40000, TCPS_ACK, states(TCPS_CLIENT, TCPS_FIN_WAIT_1, CW, TCPS_FIN_WAIT_1, CW)), 0);
    CHECK_EQ(watch(&w, &c1, 2500, 40000, TCPS_ACK, states(TCPS_SERVER, TCPS_FIN_WAIT_1, CW, TCPS_FIN_WAIT_2, CW)),
             TCPS_WATCH_CLOSE_WAIT_LONG);
    /* An RST reaching an end in TIME_WAIT (RFC 1337). */
    CHECK_EQ(watch(&w, &c1, 3000, 40000, TCPS_RST, states(TCPS_SERVER, TW, CL, CL, CL)), TCPS_WATCH_RST_IN_TIME_WAIT);
    /* The server (address 2) enters TIME_WAIT in three connections within the window: the third is "many". */
    for (int i = 0; i < 3; i++)
        CHECK_EQ(watch(&w, &c[i], 10000 + 1000u * i, (uint16_t)(41000 + i), TCPS_ACK, states(TCPS_CLIENT, CL, TCPS_CLOSING, CL, TW)),
                 i < 2 ? TCPS_WATCH_SERVER_TIME_WAIT : TCPS_WATCH_SERVER_TIME_WAIT | TCPS_WATCH_SERVER_TW_MANY);
    /* 70 s later a new window starts: the count begins again. */
    CHECK_EQ(watch(&w, &c[3], 80000, 41003, TCPS_ACK, states(TCPS_CLIENT, CL, TCPS_CLOSING, CL, TW)),
             TCPS_WATCH_SERVER_TIME_WAIT);
    /* Client host 1: two connections in SYN_SENT is "many"; one answered leaves one; a third makes two again. */
    memset(c, 0, sizeof c);
    CHECK_EQ(watch(&w, &c[0], 90000, 42000, TCPS_SYN, states(TCPS_CLIENT, TCPS_NONE, TCPS_NONE, TCPS_SYN_SENT, TCPS_LISTEN)), 0);
    CHECK_EQ(watch(&w, &c[1], 90001, 42001, TCPS_SYN, states(TCPS_CLIENT, TCPS_NONE, TCPS_NONE, TCPS_SYN_SENT, TCPS_LISTEN)),
             TCPS_WATCH_SYN_SENT_MANY);
    CHECK_EQ(watch(&w, &c[0], 90002, 42000, TCPS_SYN | TCPS_ACK, states(TCPS_SERVER, TCPS_SYN_SENT, TCPS_LISTEN, E, TCPS_SYN_RCVD)), 0);
    CHECK_EQ(watch(&w, &c[2], 90003, 42002, TCPS_SYN, states(TCPS_CLIENT, TCPS_NONE, TCPS_NONE, TCPS_SYN_SENT, TCPS_LISTEN)),
             TCPS_WATCH_SYN_SENT_MANY);
    CHECK_EQ(w.hosts_used, 2);                          /* the server's address and the client's */
    tcps_watch_free(&w);
}

/* Kept results: the first layer by frame, further layers and far Zeek
 * connections aside. */
static void test_results(void)
{
    struct tcps_results t = { 0 };
    struct tcps_kept k, k2;
    struct tcps_result r, back;

    memset(&r, 0, sizeof r);
    r.states = TCPS_ESTABLISHED << 4 | TCPS_CLOSE_WAIT;
    r.prev = TCPS_ESTABLISHED << 4 | TCPS_ESTABLISHED;
    r.seglen = TCPS_SEGLEN_MAX;
    r.teardown = TCPS_TD_ACK_SIMULTANEOUS;
    r.sender = TCPS_SERVER;
    r.notes = TCPS_NOTE_CLOSED_PEER | TCPS_NOTE_ACK;
    r.order = TCPS_ORDER_GAP | TCPS_ORDER_OUT_OF_ORDER;
    r.seq = 5;                                           /* not kept: what the header says again */
    r.ack = 6;
    memset(&k, 0, sizeof k);
    tcps_kept_pack(&k, &r);
    tcps_kept_unpack(&k, &back);
    r.seq = r.ack = r.seglen = r.sender = 0;
    CHECK(memcmp(&r, &back, sizeof r) == 0);
    CHECK_EQ(sizeof(struct tcps_kept), 16);

    tcps_results_keep(&t, 7, 0, &k);
    k2 = k;
    k2.states = TCPS_CLOSED << 4 | TCPS_CLOSED;
    tcps_results_keep(&t, 7, 2, &k2);
    CHECK(tcps_results_get(&t, 7, 0) != NULL && tcps_results_get(&t, 7, 0)->states == r.states);
    CHECK(tcps_results_first(&t, 7) == tcps_results_get(&t, 7, 0));
    CHECK(tcps_results_get(&t, 7, 2) != NULL && tcps_results_get(&t, 7, 2)->states == k2.states);
    CHECK(tcps_results_get(&t, 7, 1) == NULL);
    CHECK(tcps_results_get(&t, 8, 0) == NULL);           /* in an existing chunk, never kept */
    CHECK(tcps_results_get(&t, 9000, 0) == NULL);        /* beyond every chunk */
    CHECK(tcps_results_get(&t, 7, TCPS_MAX_LAYERS) == NULL);
    memset(&k2, 0, sizeof k2);
    k2.kind = TCPS_LAYER_TRUNCATED;                     /* a header that was not a segment still counts */
    tcps_results_keep(&t, 8, 0, &k2);
    CHECK(tcps_results_get(&t, 8, 0) != NULL);
    CHECK_EQ(tcps_results_frames(&t), 2);

    /* A Zeek connection is kept as its part of the tcpstate connection
     * (0: the first); a part beyond the record's 5 bits goes aside. */
    memset(&k2, 0, sizeof k2);
    CHECK_EQ(k2.zk, TCPS_ZK_NONE);                      /* a zeroed result has none */
    tcps_results_keep_zeek(&t, 7, 0, &k2, 0, 200);
    CHECK_EQ(k2.zk, TCPS_ZK_PART_0);
    tcps_results_keep_zeek(&t, 7, 0, &k2, TCPS_ZK_PART_MAX, 5000);
    CHECK_EQ(k2.zk, 31);                                /* the largest code */
    CHECK_EQ(tcps_results_zeek_aside(&t, 7, 0), 0);     /* nothing aside */
    tcps_results_keep_zeek(&t, 7, 1, &k2, TCPS_ZK_PART_MAX + 1, 216);
    CHECK_EQ(k2.zk, TCPS_ZK_ASIDE);
    CHECK_EQ(tcps_results_zeek_aside(&t, 7, 1), 216);
    tcps_results_keep_zeek(&t, 9, 1, &k2, 1000, 1200);
    CHECK_EQ(tcps_results_zeek_aside(&t, 9, 1), 1200);
    CHECK_EQ(tcps_results_zeek_aside(&t, 7, 1), 216);   /* per (frame, layer) */
    tcps_results_free(&t);
    CHECK(tcps_results_get(&t, 7, 0) == NULL);
}

/* Latest-only mode (a run that shows each frame's result only while it
 * dissects it): the latest frame's results are there as in the full mode,
 * an earlier frame's are gone, and nothing grows with the frames. */
static void test_results_latest_only(void)
{
    struct tcps_results t = { 0 };
    struct tcps_kept k, k2;
    size_t bytes;

    tcps_results_keep_latest_only(&t);
    memset(&k, 0, sizeof k);
    k.states = TCPS_ESTABLISHED << 4 | TCPS_ESTABLISHED;
    k2 = k;
    k2.states = TCPS_ESTABLISHED << 4 | TCPS_CLOSE_WAIT;
    tcps_results_keep_zeek(&t, 7, 0, &k, 1000, 1200);   /* a part too far: aside */
    tcps_results_keep(&t, 7, 0, &k);
    tcps_results_keep(&t, 7, 2, &k2);
    CHECK(tcps_results_get(&t, 7, 0) != NULL && tcps_results_get(&t, 7, 0)->states == k.states);
    CHECK(tcps_results_get(&t, 7, 2) != NULL && tcps_results_get(&t, 7, 2)->states == k2.states);
    CHECK(tcps_results_get(&t, 7, 1) == NULL);
    CHECK_EQ(tcps_results_get(&t, 7, 0)->zk, TCPS_ZK_ASIDE);
    CHECK_EQ(tcps_results_zeek_aside(&t, 7, 0), 1200);
    CHECK(tcps_results_get(&t, 6, 0) == NULL);           /* never kept */
    CHECK(tcps_results_get(&t, 8, 0) == NULL);           /* not yet */

    tcps_results_keep(&t, 8, 0, &k2);                    /* frame 8 replaces frame 7 */
    CHECK(tcps_results_get(&t, 8, 0) != NULL && tcps_results_get(&t, 8, 0)->states == k2.states);
    CHECK(tcps_results_get(&t, 8, 2) == NULL);
    CHECK(tcps_results_get(&t, 7, 0) == NULL && tcps_results_get(&t, 7, 2) == NULL);
    CHECK_EQ(tcps_results_zeek_aside(&t, 7, 0), 0);
    CHECK(tcps_results_get(&t, 9, 0) == NULL);           /* a frame without TCP after the latest */
    CHECK_EQ(tcps_results_frames(&t), 2);

    bytes = tcps_results_bytes(&t);
    for (uint32_t frame = 9; frame < 9 + 3 * TCPS_CHUNK_LEN; frame++) {
        tcps_results_keep(&t, frame, 0, &k);
        tcps_results_keep(&t, frame, 1, &k2);
    }
    /* The same chunks and map (kept in full, these frames would take three
     * chunks more of each kind, and a map of 12,288 entries). */
    CHECK_EQ(tcps_results_bytes(&t), bytes);
    CHECK_EQ(t.extra_used, 1);
    CHECK_EQ(tcps_results_frames(&t), 2 + 3 * TCPS_CHUNK_LEN);
    tcps_results_free(&t);
    CHECK(!t.latest_only);                               /* the next file decides again */
}

/* The analysis of a capture, layer by layer: a handshake on stream 0 with
 * 100 bytes from the client, an ICMP-quoted copy of its SYN, a header cut
 * short, a layer the hook never saw, and the server's reply; each result
 * whole again from its header, as a later pass shows it. */
static struct tcps_layer layer_of(struct tcps_segment s, uint32_t len, uint32_t stream, uint8_t kind)
{
    struct tcps_layer in;

    memset(&in, 0, sizeof in);
    s.len = len;
    in.seg = s;
    in.stream = stream;
    in.kind = kind;
    in.captured = TCPS_CAPTURED_HEADER | TCPS_CAPTURED_PAYLOAD;
    return in;
}

static struct tcps_result *unpacked(const struct tcps_kept *k, struct tcps_result *r)
{
    tcps_kept_unpack(k, r);
    return r;
}

static void test_capture(void)
{
    static const struct tcps_capture_config cfg = { .fsm = { .msl_s = 30 }, .zeek = { no_server_ports },
                                                    .watch = { UINT64_MAX, UINT64_MAX, UINT64_MAX, 100, 100 } };
    struct tcps_capture cap = { 0 };
    struct tcps_layer in, data;
    const struct tcps_kept *k;
    struct tcps_result r;
    uint32_t conn = 99;

    in = layer_of(seg(0, 1, TCPS_SYN, 100, 0, 40000), 0, 0, TCPS_LAYER_SEGMENT);
    tcps_capture_layer(&cap, &cfg, 1, 0, &in);
    in = layer_of(seg(1, 0, TCPS_SYN | TCPS_ACK, 500, 101, 40000), 0, 0, TCPS_LAYER_SEGMENT);
    tcps_capture_layer(&cap, &cfg, 2, 0, &in);
    data = layer_of(seg(2, 1, TCPS_ACK | TCPS_PSH, 101, 501, 40000), 100, 0, TCPS_LAYER_SEGMENT);
    tcps_capture_layer(&cap, &cfg, 3, 0, &data);
    k = tcps_results_get(&cap.results, 3, 0);
    CHECK(k != NULL);
    CHECK_EQ(k->states, TCPS_ESTABLISHED << 4 | TCPS_ESTABLISHED);
    CHECK_EQ(k->prev, TCPS_ESTABLISHED << 4 | TCPS_SYN_RCVD);
    CHECK_EQ(k->handshake, TCPS_HS_ACK);
    CHECK_EQ(k->kind, TCPS_LAYER_SEGMENT);
    CHECK_EQ(k->bytes[TCPS_CLIENT], 100);             /* Zeek's orig_bytes: the client's payload */
    CHECK_EQ(k->bytes[TCPS_SERVER], 0);
    CHECK_EQ(k->conn_state, ZK_CS_S1);                /* established, not closed */
    CHECK_EQ(k->hist, 3);                              /* "ShD": Zeek's 'A' is for a pure ACK */
    {
        unsigned len;
        const char *h = zk_table_history(&cap.zeek, zk_table_record(&cap.zeek, 1), &len);
        CHECK(len == 3 && memcmp(h, "ShD", 3) == 0);
    }
    CHECK(tcps_capture_segment(&cap, &data.seg, data.stream, true, unpacked(k, &r), &conn));
    CHECK_EQ(conn, 0);
    CHECK_EQ(r.sender, TCPS_CLIENT);
    CHECK_EQ(r.seglen, 100);
    CHECK_EQ(r.seq, 1);                                /* 101 - ISN 100 */
    CHECK_EQ(r.ack, 1);                                /* 501 - ISN 500 */
    CHECK_EQ(r.states, k->states);
    CHECK_EQ(r.handshake, TCPS_HS_ACK);
    CHECK(tcps_capture_segment(&cap, &data.seg, data.stream, false, unpacked(k, &r), &conn));
    CHECK_EQ(r.seq, 0);                                /* numbers not asked for */
    CHECK_EQ(r.seglen, 100);
    CHECK_EQ(tcps_capture_zeek_conn(&cap, 3, 0, k, 0), 1);
    CHECK_EQ(tcps_table_links(&cap.conns, 0)->last_frame, 3);
    /* Frame 4: an ICMP error quoting the SYN (layer 1), after the IP layer's own TCP... here alone. */
    in = layer_of(seg(0, 1, TCPS_SYN, 100, 0, 40000), 0, 0, TCPS_LAYER_QUOTED);
    tcps_capture_layer(&cap, &cfg, 4, 0, &in);
    k = tcps_results_get(&cap.results, 4, 0);
    CHECK(k && k->kind == TCPS_LAYER_QUOTED && k->zk == TCPS_ZK_NONE);
    CHECK_EQ(k->states, TCPS_ESTABLISHED << 4 | TCPS_ESTABLISHED); /* its connection's, unchanged */
    CHECK_EQ(k->prev, k->states);
    CHECK_EQ(tcps_table_links(&cap.conns, 0)->last_frame, 3);      /* not a segment of it */
    unpacked(k, &r);                                    /* shown with its states, no segment fields */
    CHECK_EQ(r.states, k->states);
    CHECK_EQ(r.seglen, 0);
    /* Frame 5: a cut header of an unknown stream, a second layer the hook
     * never saw, and a third that TCP gave no stream (taken as cut short). */
    in = layer_of(seg(3, 1, TCPS_ACK, 1, 1, 45000), 0, 9, TCPS_LAYER_TRUNCATED);
    tcps_capture_layer(&cap, &cfg, 5, 0, &in);
    in = layer_of(seg(3, 1, TCPS_ACK, 1, 1, 45000), 0, TCPS_NO_STREAM, TCPS_LAYER_NOT_SEEN);
    tcps_capture_layer(&cap, &cfg, 5, 1, &in);
    in = layer_of(seg(3, 1, TCPS_ACK, 1, 1, 45000), 0, TCPS_NO_STREAM, TCPS_LAYER_SEGMENT);
    tcps_capture_layer(&cap, &cfg, 5, 2, &in);
    k = tcps_results_get(&cap.results, 5, 0);
    CHECK(k && k->kind == TCPS_LAYER_TRUNCATED && k->states == 0);
    k = tcps_results_get(&cap.results, 5, 1);
    CHECK(k && k->kind == TCPS_LAYER_NOT_SEEN && k->states == 0);
    k = tcps_results_get(&cap.results, 5, 2);
    CHECK(k && k->kind == TCPS_LAYER_TRUNCATED && k->states == 0);
    CHECK_EQ(cap.conns.used, 1);                        /* none made a connection */
    /* Frame 6: the server's reply, a segment of a connection whose ISNs
     * were both seen. */
    in = layer_of(seg(4, 0, TCPS_ACK, 501, 201, 40000), 0, 0, TCPS_LAYER_SEGMENT);
    tcps_capture_layer(&cap, &cfg, 6, 0, &in);
    k = tcps_results_get(&cap.results, 6, 0);
    CHECK(k && tcps_capture_segment(&cap, &in.seg, in.stream, true, unpacked(k, &r), &conn));
    CHECK_EQ(r.sender, TCPS_SERVER);
    CHECK_EQ(r.seq, 1);                                /* 501 - ISN 500 */
    CHECK_EQ(r.ack, 101);                              /* 201 - ISN 100 */
    CHECK_EQ(r.seglen, 0);
    CHECK_EQ(r.notes & (TCPS_NOTE_ACK | TCPS_NOTE_ACK_UNSEEN), TCPS_NOTE_ACK); /* the client's 100 bytes exactly */
    /* The same result with a header of no known stream (a later pass that
     * found none) is shown as no segment, rather than with a wrong one. */
    in.stream = 7;
    CHECK(!tcps_capture_segment(&cap, &in.seg, in.stream, true, unpacked(k, &r), &conn));
    CHECK(tcps_capture_side0_is_client(zk_table_record(&cap.zeek, 1), tcps_table_fsm(&cap.conns, 0)));
    tcps_capture_free(&cap);
}

/* Without the Zeek model (a run that shows none of it): the same states and
 * numbers, no Zeek connection made or kept. */
static void test_capture_without_zeek(void)
{
    static const struct tcps_capture_config cfgs[2] = {
        { .fsm = { .msl_s = 30 }, .zeek = { no_server_ports }, .watch = { UINT64_MAX, UINT64_MAX, UINT64_MAX, 100, 100 } },
        { .fsm = { .msl_s = 30 }, .zeek = { no_server_ports }, .watch = { UINT64_MAX, UINT64_MAX, UINT64_MAX, 100, 100 },
          .without_zeek = true },
    };
    struct tcps_capture caps[2];

    memset(caps, 0, sizeof caps);
    for (unsigned i = 0; i < 2; i++) {
        struct tcps_layer in = layer_of(seg(0, 1, TCPS_SYN, 100, 0, 40000), 0, 0, TCPS_LAYER_SEGMENT);
        tcps_capture_layer(&caps[i], &cfgs[i], 1, 0, &in);
        in = layer_of(seg(1, 0, TCPS_SYN | TCPS_ACK, 500, 101, 40000), 0, 0, TCPS_LAYER_SEGMENT);
        tcps_capture_layer(&caps[i], &cfgs[i], 2, 0, &in);
        in = layer_of(seg(2, 1, TCPS_FIN | TCPS_ACK, 101, 501, 40000), 10, 0, TCPS_LAYER_SEGMENT);
        tcps_capture_layer(&caps[i], &cfgs[i], 3, 0, &in);
    }
    for (uint32_t frame = 1; frame <= 3; frame++) {
        const struct tcps_kept *with = tcps_results_get(&caps[0].results, frame, 0);
        const struct tcps_kept *without = tcps_results_get(&caps[1].results, frame, 0);
        CHECK(with && without);
        CHECK_EQ(without->states, with->states);
        CHECK_EQ(without->prev, with->prev);
        CHECK_EQ(without->notes, with->notes);
        CHECK(with->zk != TCPS_ZK_NONE && without->zk == TCPS_ZK_NONE);
        CHECK_EQ(without->hist, 0);
        CHECK_EQ(tcps_capture_zeek_conn(&caps[1], frame, 0, without, 0), 0);
    }
    CHECK_EQ(tcps_results_get(&caps[1].results, 3, 0)->states, TCPS_FIN_WAIT_1 << 4 | TCPS_CLOSE_WAIT); /* the FIN, taken as delivered */
    CHECK_EQ(caps[0].zeek.used, 1);
    CHECK_EQ(caps[1].zeek.used, 0);
    CHECK(tcps_table_zeek(&caps[0].conns, 0) && !tcps_table_zeek(&caps[1].conns, 0)); /* no Zeek connection made */
    tcps_capture_free(&caps[0]);
    tcps_capture_free(&caps[1]);
}

/* A one-pass run without Zeek and without the watches: the same states, no
 * watch bits, and per connection the state machine alone (no watch
 * timestamps, no links).  The server closes first, so with the watches its
 * TIME_WAIT is reported. */
static void test_capture_state_machine_only(void)
{
    static const struct tcps_capture_config cfgs[2] = {
        { .fsm = { .msl_s = 30 }, .zeek = { no_server_ports }, .watch = { UINT64_MAX, UINT64_MAX, UINT64_MAX, 100, 100 },
          .without_zeek = true },
        { .fsm = { .msl_s = 30 }, .zeek = { no_server_ports }, .watch = { UINT64_MAX, UINT64_MAX, UINT64_MAX, 100, 100 },
          .without_zeek = true, .one_pass = true, .without_watches = true },
    };
    const struct tcps_segment segs[] = {
        seg(0, 1, TCPS_SYN, 100, 0, 40000), seg(1, 0, TCPS_SYN | TCPS_ACK, 500, 101, 40000),
        seg(2, 1, TCPS_ACK, 101, 501, 40000), seg(3, 0, TCPS_FIN | TCPS_ACK, 501, 101, 40000),
        seg(4, 1, TCPS_FIN | TCPS_ACK, 101, 502, 40000), seg(5, 0, TCPS_ACK, 502, 102, 40000),
    };
    struct tcps_capture caps[2];

    memset(caps, 0, sizeof caps);
    for (uint32_t f = 0; f < sizeof segs / sizeof segs[0]; f++) {
        const struct tcps_kept *k[2];
        for (unsigned i = 0; i < 2; i++) {
            struct tcps_layer in = layer_of(segs[f], 0, 0, TCPS_LAYER_SEGMENT);
            tcps_capture_layer(&caps[i], &cfgs[i], f + 1, 0, &in);
            k[i] = tcps_results_get(&caps[i].results, f + 1, 0);
        }
        CHECK(k[0] && k[1]);
        CHECK_EQ(k[1]->states, k[0]->states);
        CHECK_EQ(k[1]->notes, k[0]->notes);
        CHECK_EQ(k[1]->watch, 0);
        if (f == 4) { /* the client's FIN acknowledges the server's: the server is in TIME_WAIT */
            CHECK_EQ(k[0]->states, TCPS_LAST_ACK << 4 | TCPS_TIME_WAIT);
            CHECK_EQ(k[0]->watch, TCPS_WATCH_SERVER_TIME_WAIT);
        }
    }
    CHECK(tcps_table_watch(&caps[0].conns, 0) && tcps_table_links(&caps[0].conns, 0));
    CHECK(tcps_table_fsm(&caps[1].conns, 0) && !tcps_table_watch(&caps[1].conns, 0) &&
          !tcps_table_links(&caps[1].conns, 0));
    CHECK_EQ(tcps_watch_bytes(&caps[1].watch), 0);
    tcps_capture_free(&caps[0]);
    tcps_capture_free(&caps[1]);
}

/* A tshark -2 run: the first pass leaves Zeek's model and the watches out,
 * the second catches them up frame by frame.  Every kept result, Zeek
 * connection and connection record must then be what a first pass that
 * ran everything kept.  Two connections interleaved, the server closing
 * first (a watch finding), a reset, a header quoted by an ICMP error as a
 * frame's second layer, and the first 4-tuple used again by a new SYN. */
static void test_capture_catch_up(void)
{
    static const struct tcps_capture_config all = {
        .fsm = { .msl_s = 30 }, .zeek = { no_server_ports }, .watch = { UINT64_MAX, UINT64_MAX, UINT64_MAX, 1, 2 } };
    struct tcps_capture_config first = all;
    struct {
        struct tcps_segment seg;
        uint32_t len, stream;
        uint8_t kind;
    } frames[][2] = {
        { { seg(0, 1, TCPS_SYN, 100, 0, 40000), 0, 0, TCPS_LAYER_SEGMENT } },
        { { seg(1, 0, TCPS_SYN | TCPS_ACK, 500, 101, 40000), 0, 0, TCPS_LAYER_SEGMENT } },
        { { seg(2, 1, TCPS_SYN, 900, 0, 40001), 0, 1, TCPS_LAYER_SEGMENT } },
        { { seg(3, 1, TCPS_ACK, 101, 501, 40000), 20, 0, TCPS_LAYER_SEGMENT } },
        { { seg(4, 0, TCPS_SYN | TCPS_ACK, 300, 901, 40001), 0, 1, TCPS_LAYER_SEGMENT },
          { seg(4, 1, TCPS_SYN, 100, 0, 40000), 0, 0, TCPS_LAYER_QUOTED } },
        { { seg(5, 0, TCPS_FIN | TCPS_ACK, 501, 121, 40000), 0, 0, TCPS_LAYER_SEGMENT } },
        { { seg(6, 1, TCPS_RST, 901, 0, 40001), 0, 1, TCPS_LAYER_SEGMENT } },
        { { seg(7, 1, TCPS_FIN | TCPS_ACK, 121, 502, 40000), 0, 0, TCPS_LAYER_SEGMENT } },
        { { seg(8, 0, TCPS_ACK, 502, 122, 40000), 0, 0, TCPS_LAYER_SEGMENT } },
        { { seg(70000, 1, TCPS_SYN, 5000, 0, 40000), 0, 2, TCPS_LAYER_SEGMENT } },
    };
    const unsigned n = sizeof frames / sizeof frames[0];
    struct tcps_capture caps[2];
    bool differed = false;

    first.without_zeek = first.without_watches = true;
    memset(caps, 0, sizeof caps);
    for (unsigned pass = 0; pass < 2; pass++)
        for (uint32_t f = 0; f < n; f++)
            for (unsigned l = 0; l < 2 && frames[f][l].seg.flags; l++) {
                struct tcps_layer in = layer_of(frames[f][l].seg, frames[f][l].len, frames[f][l].stream,
                                                frames[f][l].kind);
                if (pass == 0) {
                    tcps_capture_layer(&caps[0], &all, f + 1, l, &in);
                    tcps_capture_layer(&caps[1], &first, f + 1, l, &in);
                    differed |= memcmp(tcps_results_get(&caps[0].results, f + 1, l),
                                       tcps_results_get(&caps[1].results, f + 1, l), sizeof(struct tcps_kept)) != 0;
                } else {
                    tcps_capture_catch_up(&caps[1], &all, f + 1, l, &in);
                }
            }
    CHECK(differed); /* the first pass alone kept less */
    for (uint32_t f = 0; f < n; f++)
        for (unsigned l = 0; l < 2 && frames[f][l].seg.flags; l++) {
            const struct tcps_kept *want = tcps_results_get(&caps[0].results, f + 1, l);
            const struct tcps_kept *got = tcps_results_get(&caps[1].results, f + 1, l);
            CHECK(want && got && memcmp(want, got, sizeof *want) == 0);
        }
    /* The SYN-ACK (its sender the server) took host 1's first open out of
     * SYN_SENT, so its second is not "many". */
    CHECK_EQ(tcps_results_get(&caps[1].results, 3, 0)->watch, 0);
    CHECK_EQ(tcps_results_get(&caps[1].results, 8, 0)->watch, TCPS_WATCH_SERVER_TIME_WAIT | TCPS_WATCH_SERVER_TW_MANY);
    CHECK_EQ(tcps_results_get(&caps[1].results, 4, 0)->bytes[TCPS_CLIENT], 20);
    CHECK_EQ(caps[0].zeek.used, 3);
    CHECK_EQ(caps[1].zeek.used, caps[0].zeek.used);
    for (uint32_t z = 1; z <= caps[0].zeek.used; z++) {
        unsigned len0, len1;
        const char *h0 = zk_table_history(&caps[0].zeek, zk_table_record(&caps[0].zeek, z), &len0);
        const char *h1 = zk_table_history(&caps[1].zeek, zk_table_record(&caps[1].zeek, z), &len1);
        CHECK(len0 == len1 && memcmp(h0, h1, len0) == 0);
    }
    CHECK_EQ(caps[1].conns.used, 3);
    for (uint32_t c = 0; c < caps[1].conns.used; c++) {
        CHECK(memcmp(tcps_table_zeek(&caps[0].conns, c), tcps_table_zeek(&caps[1].conns, c),
                     sizeof(struct tcps_conn_zeek)) == 0);
        CHECK(memcmp(tcps_table_watch(&caps[0].conns, c), tcps_table_watch(&caps[1].conns, c),
                     sizeof(struct tcps_conn_watch)) == 0);
    }
    tcps_capture_free(&caps[0]);
    tcps_capture_free(&caps[1]);
}

int main(void)
{
    test_chunks();
    test_conn_table_reuse();
    test_conn_table_pseudo_isn();
    test_conn_table_zeek_parts();
    test_conn_table_holes();
    test_zeek_table();
    test_zeek_table_last();
    test_watch();
    test_results();
    test_results_latest_only();
    test_capture();
    test_capture_without_zeek();
    test_capture_state_machine_only();
    test_capture_catch_up();
    return checks_done();
}
