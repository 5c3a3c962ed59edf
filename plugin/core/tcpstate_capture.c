/* tcpstate_capture.c - see tcpstate_capture.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpstate_capture.h"

#include <string.h>

/* What the kept result's narrow fields must hold (tcpstate_results.h). */
_Static_assert(ZK_HISTORY_MAX < TCPS_HIST_WAS_H, "tcps_kept.hist has 6 bits, one value taken");
_Static_assert(ZK_CS_COUNT <= 16, "tcps_kept.conn_state has 4 bits");
_Static_assert(TCPS_WATCH_ALL < 64, "tcps_kept.watch has 6 bits");

static uint32_t saturate32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

static bool side0_is_client(uint32_t side0_addr, uint16_t side0_port, const struct tcps_conn *conn)
{
    return side0_addr == conn->client_addr && side0_port == conn->client_port;
}

bool tcps_capture_side0_is_client(const struct zk_record *zk, const struct tcps_conn *conn)
{
    return side0_is_client(zk->side0_addr, zk->side0_port, conn);
}

/* Zeek's view of the segment: its own connection (Zeek splits and times
 * out by its own rules), history and conn_state so far.  `last` is the
 * Zeek connection of the tcpstate connection's previous segment (0: none).
 * The Zeek connection's number. */
static uint32_t zeek_segment(struct tcps_capture *cap, const struct zk_config *cfg, const struct tcps_layer *in,
                             const struct tcps_conn *fsm, uint32_t last, struct tcps_kept *k)
{
    const struct tcps_segment *seg = &in->seg;
    struct zk_packet pkt = {
        .time_us = seg->time_us, .seq = seg->seq, .ack = seg->ack, .len = seg->len,
        .src_addr = seg->src_addr, .sport = seg->sport, .dport = seg->dport, .win = seg->win,
        .flags = seg->flags, .header_truncated = !(in->captured & TCPS_CAPTURED_HEADER),
        .payload_truncated = !(in->captured & TCPS_CAPTURED_PAYLOAD),
    };
    uint32_t number;
    const struct zk_conn *zk = zk_table_packet(&cap->zeek, cfg, tcps_tuple_key(seg), &pkt, last, &number);
    int client_side = side0_is_client(zk->side0_addr, zk->side0_port, fsm) ? 0 : 1;

    k->hist = zk->history_len == 1 && zk->history[0] == 'H' ? TCPS_HIST_WAS_H : zk->history_len;
    k->conn_state = zk_conn_state(zk);
    k->bytes[TCPS_CLIENT] = saturate32(zk_side_bytes(zk, client_side));
    k->bytes[TCPS_SERVER] = saturate32(zk_side_bytes(zk, !client_side));
    zk_table_sweep(&cap->zeek, seg->time_us);
    return number;
}

/* The watches and Zeek's model take a segment of connection `conn`, whose
 * state machine said `r` (each unless `cfg` says nothing will show it).
 * They need only what the state machine said, so they can also run on a
 * later pass (tcps_capture_catch_up).  The client of a connection is
 * fixed by its first segment, so a later run sees the same ends. */
static void watch_and_zeek(struct tcps_capture *cap, const struct tcps_capture_config *cfg, uint32_t frame,
                           unsigned layer, const struct tcps_layer *in, uint32_t conn, const struct tcps_result *r,
                           struct tcps_kept *k)
{
    uint32_t zk;

    if (!cfg->without_watches)
        k->watch = tcps_watch_segment(&cap->watch, tcps_table_watch_make(&cap->conns, conn), &cfg->watch, &in->seg, r);
    if (cfg->without_zeek)
        return;
    zk = zeek_segment(cap, &cfg->zeek, in, tcps_table_fsm(&cap->conns, conn),
                      tcps_table_zeek_make(&cap->conns, conn)->last, k);
    tcps_results_keep_zeek(&cap->results, frame, layer, k, tcps_table_zeek_seen(&cap->conns, conn, zk), zk);
}

/* A segment: the state machine takes it, then the watches and Zeek's model. */
static void analyse_segment(struct tcps_capture *cap, const struct tcps_capture_config *cfg, uint32_t frame,
                            unsigned layer, const struct tcps_layer *in, struct tcps_kept *k, struct tcps_result *r)
{
    struct tcps_conn_links *links;
    uint32_t conn = tcps_table_conn_of_segment(&cap->conns, in->stream, &in->seg, !cfg->one_pass);

    tcps_table_segment_seen(&cap->conns, conn, in->stream, &cfg->fsm, &in->seg, r);
    if ((links = tcps_table_links(&cap->conns, conn)))
        links->last_frame = frame;
    if (!cfg->without_watches || !cfg->without_zeek) /* most one-pass runs: neither */
        watch_and_zeek(cap, cfg, frame, layer, in, conn, r, k);
}

/* A header that is not a segment is shown with the states of its
 * connection, when it is known. */
static void connection_states(const struct tcps_capture *cap, uint32_t stream, struct tcps_result *r)
{
    uint32_t conn;

    if (stream != TCPS_NO_STREAM && tcps_table_conn_of_stream(&cap->conns, stream, &conn))
        r->states = r->prev = tcps_conn_states(tcps_table_fsm(&cap->conns, conn));
}

void tcps_capture_layer(struct tcps_capture *cap, const struct tcps_capture_config *cfg, uint32_t frame,
                        unsigned layer, const struct tcps_layer *in)
{
    struct tcps_kept k;
    struct tcps_result r;

    memset(&k, 0, sizeof k);
    memset(&r, 0, sizeof r);
    /* A quoted header is news about its connection, never a segment of it;
     * of a truncated one too little was captured to know what it did. */
    k.kind = in->kind == TCPS_LAYER_SEGMENT && in->stream == TCPS_NO_STREAM ? TCPS_LAYER_TRUNCATED : in->kind;
    if (tcps_layer_is_segment(in))
        analyse_segment(cap, cfg, frame, layer, in, &k, &r);
    else if (k.kind != TCPS_LAYER_NOT_SEEN)
        connection_states(cap, in->stream, &r);
    tcps_kept_pack(&k, &r);
    tcps_results_keep(&cap->results, frame, layer, &k);
}

/* The base a kept result's relative numbers of `side` were computed against. */
static uint32_t sequence_base(const struct tcps_capture *cap, uint32_t conn, const struct tcps_result *r,
                              enum tcps_side side)
{
    uint16_t seen = side == TCPS_CLIENT ? TCPS_NOTE_ISN_CLIENT : TCPS_NOTE_ISN_SERVER;
    return tcps_table_sequence_base(&cap->conns, conn, side, (r->notes & seen) != 0);
}

bool tcps_capture_segment(const struct tcps_capture *cap, const struct tcps_segment *seg, uint32_t stream,
                          bool numbers, struct tcps_result *r, uint32_t *conn)
{
    if (stream == TCPS_NO_STREAM || !tcps_table_conn_of_stream(&cap->conns, stream, conn))
        return false;
    r->sender = tcps_sender(tcps_table_fsm(&cap->conns, *conn), seg);
    r->seglen = tcps_seglen(seg);
    if (numbers) {
        enum tcps_side receiver = r->sender == TCPS_CLIENT ? TCPS_SERVER : TCPS_CLIENT;
        r->seq = seg->seq - sequence_base(cap, *conn, r, (enum tcps_side)r->sender);
        if (r->notes & TCPS_NOTE_ACK)
            r->ack = seg->ack - sequence_base(cap, *conn, r, receiver);
    }
    return true;
}

void tcps_capture_catch_up(struct tcps_capture *cap, const struct tcps_capture_config *cfg, uint32_t frame,
                           unsigned layer, const struct tcps_layer *in)
{
    struct tcps_kept *k = tcps_results_to_complete(&cap->results, frame, layer);
    struct tcps_result r;
    uint32_t conn;

    if (!k || tcps_kept_not_a_segment(k) || !tcps_layer_is_segment(in) ||
        !tcps_table_conn_of_stream(&cap->conns, in->stream, &conn))
        return;
    tcps_kept_unpack(k, &r);
    r.sender = tcps_sender(tcps_table_fsm(&cap->conns, conn), &in->seg);
    watch_and_zeek(cap, cfg, frame, layer, in, conn, &r, k);
}

uint32_t tcps_capture_zeek_conn(const struct tcps_capture *cap, uint32_t frame, unsigned layer,
                                const struct tcps_kept *k, uint32_t conn)
{
    if (k->zk == TCPS_ZK_NONE)
        return 0;
    if (k->zk == TCPS_ZK_ASIDE)
        return tcps_results_zeek_aside(&cap->results, frame, layer);
    return tcps_table_zeek_part(&cap->conns, conn, k->zk - TCPS_ZK_PART_0);
}

size_t tcps_capture_bytes_per_conn(const struct tcps_capture *cap)
{
    return tcps_table_bytes(&cap->conns) + zk_table_bytes(&cap->zeek) + tcps_watch_bytes(&cap->watch);
}

void tcps_capture_free(struct tcps_capture *cap)
{
    tcps_results_free(&cap->results);
    tcps_table_free(&cap->conns);
    zk_table_free(&cap->zeek);
    tcps_watch_free(&cap->watch);
}
