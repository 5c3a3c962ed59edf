/* fuzz_fsm.c - libFuzzer target for the two plain-C cores: the RFC state
 * machine (tcpstate_fsm.c) and the Zeek summary (tcpstate_zeek.c).
 *
 * The input is a sequence of 16-byte segment records between two ends A and
 * B (see decode()): arbitrary flags, sequence numbers relative to what each
 * end sent or absolute (so wrap-around near 2^32 is reached both ways),
 * lengths, windows, window scales and time steps from microseconds to hours.
 * After every segment the cores' own invariants are checked; a violation
 * aborts, which libFuzzer reports as a crash with the input that caused it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpstate_fsm.h"
#include "tcpstate_zeek.h"

#define RECORD 16

static void violated(const char *what, int segment)
{
    fprintf(stderr, "invariant violated at segment %d: %s\n", segment, what);
    abort();
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Record layout:
 *   0     TCP flags byte, as is (garbage combinations included)
 *   1     bit 0: sent by B; bit 1: seq absolute; bit 2: ack absolute;
 *         bits 3-4: time unit (us, ms, s, 100 s); bit 5: window scale option
 *   2-5   seq: absolute, or (low 16 bits, signed) relative to what the sender sent last
 *   6-9   ack: absolute, or relative to what the peer sent last
 *   10-11 payload length
 *   12-13 window
 *   14    time step, in the unit of byte 1
 *   15    window scale value
 */
static void decode(const uint8_t *r, uint64_t *now, uint32_t last_end[2], struct tcps_segment *seg, int *from_b)
{
    static const uint64_t unit[4] = { 1, 1000, 1000000, 100000000 };
    int b = r[1] & 1;

    *from_b = b;
    *now += r[14] * unit[(r[1] >> 3) & 3];
    memset(seg, 0, sizeof *seg);
    seg->time_us = *now;
    seg->flags = r[0];
    seg->seq = (r[1] & 2) ? be32(r + 2) : last_end[b] + (uint32_t)(int32_t)(int16_t)be16(r + 4);
    seg->ack = (r[1] & 4) ? be32(r + 6) : last_end[!b] + (uint32_t)(int32_t)(int16_t)be16(r + 8);
    seg->len = be16(r + 10);
    seg->win = be16(r + 12);
    seg->wscale = (r[1] & 0x20) ? (int8_t)(r[15] % 15) : -1;
    seg->src_addr = b ? 0x0a000002u : 0x0a000001u;
    seg->dst_addr = b ? 0x0a000001u : 0x0a000002u;
    seg->sport = b ? 80 : 40000;
    seg->dport = b ? 40000 : 80;
    last_end[b] = seg->seq + seg->len + !!(seg->flags & TCPS_SYN) + !!(seg->flags & TCPS_FIN);
}

static void check_fsm(const struct tcps_conn *conn, const struct tcps_segment *seg, const struct tcps_result *r,
                      int n)
{
    for (int side = TCPS_CLIENT; side <= TCPS_SERVER; side++) {
        enum tcps_state before = tcps_result_prev(r, (enum tcps_side)side);
        enum tcps_state after = tcps_result_state(r, (enum tcps_side)side);
        if (after <= TCPS_NONE || after >= TCPS_STATE_COUNT)
            violated("a state after the segment is not one of the 11", n);
        if (before >= TCPS_STATE_COUNT)
            violated("a state before the segment is out of range", n);
        if (before == TCPS_CLOSED && after != TCPS_CLOSED && !(seg->flags & TCPS_SYN))
            violated("left CLOSED without a SYN", n);
        if (!tcps_state_name(after))
            violated("state without a name", n);
    }
    if (r->states != tcps_conn_states(conn))
        violated("result states differ from the connection's", n);
    {
        uint32_t seglen = seg->len + !!(seg->flags & TCPS_SYN) + !!(seg->flags & TCPS_FIN);
        if (r->seglen != (seglen > TCPS_SEGLEN_MAX ? TCPS_SEGLEN_MAX : seglen))
            violated("seglen is not payload + SYN + FIN", n);
    }
    if ((r->order & TCPS_ORDER_OUT_OF_ORDER) && (r->notes & TCPS_NOTE_RETRANSMISSION))
        violated("a segment both fills a hole and repeats what was seen", n);
    if (r->seq != seg->seq - conn->isn[r->sender])
        violated("relative seq is not seq - sender's ISN", n);
    if ((r->notes & TCPS_NOTE_ACK) && r->ack != seg->ack - conn->isn[!r->sender])
        violated("relative ack is not ack - receiver's ISN", n);
    if (r->handshake > TCPS_HS_SIM_SYNACK || r->teardown >= TCPS_TD_COUNT)
        violated("handshake/teardown label out of range", n);
    if ((r->handshake && !tcps_handshake_name((enum tcps_handshake)r->handshake)) ||
        (r->teardown && !tcps_teardown_name((enum tcps_teardown)r->teardown)))
        violated("label without a name", n);
    if (tcps_sender(conn, seg) != (enum tcps_side)r->sender)
        violated("tcps_sender disagrees with the result", n);
}

/* tcps_has_base's promise, which the connection table relies on to skip its
 * bookkeeping for all but SYNs: a base, once set, is replaced at most once,
 * and only by a SYN. */
static void check_bases(const struct tcps_conn *before, const struct tcps_conn *after,
                        const struct tcps_segment *seg, int replaced[2], int n)
{
    for (int side = TCPS_CLIENT; side <= TCPS_SERVER; side++) {
        if (!tcps_has_base(before, (enum tcps_side)side) || before->isn[side] == after->isn[side])
            continue;
        if (!(seg->flags & TCPS_SYN))
            violated("a sequence base replaced without a SYN", n);
        if (++replaced[side] > 1)
            violated("a sequence base replaced twice", n);
    }
}

static void check_zeek(const struct zk_conn *zk, int n)
{
    enum zk_conn_state cs = zk_conn_state(zk);

    if (cs <= ZK_CS_NONE || cs >= ZK_CS_COUNT || !zk_conn_state_name(cs))
        violated("conn_state out of range", n);
    if (zk->history_len > ZK_HISTORY_MAX || strlen(zk->history) != zk->history_len)
        violated("history length", n);
    for (const char *h = zk->history; *h; h++)
        if (!strchr("SsHhAaDdFfRrTtWwGgIiQq^", *h))
            violated("history letter outside Zeek's alphabet", n);
    if (zk->ep[0].is_orig == zk->ep[1].is_orig)
        violated("both or neither end is the originator", n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t ports[65536 / 8] = { [80 / 8] = 1u << (80 % 8) };
    const struct tcps_config cfg = { .msl_s = 30 };
    const struct zk_config zcfg = { ports };
    struct tcps_conn conn;
    struct tcps_holes conn_holes = { { 0, 0 }, { 0, 0 } };
    struct zk_conn zk;
    uint32_t last_end[2] = { 1000, 0xfffff000u }; /* B starts near the wrap */
    int bases_replaced[2] = { 0, 0 };
    uint64_t now = 1000000;
    int zk_started = 0;

    tcps_conn_init(&conn);
    for (size_t i = 0; i + RECORD <= size; i += RECORD) {
        struct tcps_segment seg;
        struct tcps_result r;
        struct tcps_conn before;
        struct zk_packet p;
        int from_b, n = (int)(i / RECORD);

        decode(data + i, &now, last_end, &seg, &from_b);
        if (n > 0)
            (void)tcps_syn_stays_in_connection(&conn, &seg);
        memcpy(&before, &conn, sizeof before);
        tcps_segment_seen(&conn, &conn_holes, &cfg, &seg, &r);
        check_fsm(&conn, &seg, &r, n);
        check_bases(&before, &conn, &seg, bases_replaced, n);
        for (int side = TCPS_CLIENT; side <= TCPS_SERVER; side++)
            if (!!(conn.open_holes & (1u << side)) != (conn_holes.lo[side] != conn_holes.hi[side]))
                violated("open_holes disagrees with the holes", n);

        memset(&p, 0, sizeof p);
        p.time_us = seg.time_us;
        p.seq = seg.seq;
        p.ack = seg.ack;
        p.len = seg.len;
        p.src_addr = seg.src_addr;
        p.sport = seg.sport;
        p.dport = seg.dport;
        p.win = seg.win;
        p.flags = seg.flags;
        p.header_truncated = (data[i + 15] & 0x80) != 0;
        p.payload_truncated = (data[i + 15] & 0x40) != 0;
        if (!zk_started || !zk_packet_continues(&zk, &p)) {
            zk_conn_init(&zk, &zcfg, &p);
            zk_started = 1;
        }
        zk_packet_seen(&zk, &p);
        check_zeek(&zk, n);
        (void)zk_side_bytes(&zk, from_b);
    }
    return 0;
}
