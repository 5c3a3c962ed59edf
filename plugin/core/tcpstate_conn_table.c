/* tcpstate_conn_table.c - see tcpstate_conn_table.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpstate_conn_table.h"

#include <string.h>

bool tcps_table_conn_of_stream(const struct tcps_conn_table *t, uint32_t stream, uint32_t *conn)
{
    const uint32_t *slot = tcps_chunk_get(&t->stream_conns, stream, sizeof *slot);

    if (!slot || !*slot)
        return false;
    *conn = *slot - 1;
    return true;
}

static uint32_t new_conn(struct tcps_conn_table *t, uint32_t stream, bool keep_links)
{
    uint32_t conn = t->used++;

    tcps_conn_init(tcps_chunk_make(&t->fsms, conn, sizeof(struct tcps_conn)));
    if (keep_links)
        ((struct tcps_conn_links *)tcps_chunk_make(&t->links, conn, sizeof(struct tcps_conn_links)))->stream = stream;
    return conn;
}

/* A SYN on the 4-tuple of an earlier stream that Wireshark split off: does
 * the earlier connection's receiver take it as its own?  Its connection, + 1,
 * or 0. */
static uint32_t conn_keeping_syn(struct tcps_conn_table *t, uint64_t key, const struct tcps_segment *seg)
{
    uint32_t prev_stream = tcps_map_get(&t->tuple_stream, key), prev_conn;

    if (!prev_stream || (seg->flags & (TCPS_SYN | TCPS_ACK | TCPS_RST)) != TCPS_SYN)
        return 0;
    if (!tcps_table_conn_of_stream(t, prev_stream - 1, &prev_conn))
        return 0;
    return tcps_syn_stays_in_connection(tcps_table_fsm(t, prev_conn), seg) ? prev_conn + 1 : 0;
}

uint32_t tcps_table_conn_of_segment(struct tcps_conn_table *t, uint32_t stream, const struct tcps_segment *seg,
                                    bool keep_links)
{
    uint32_t *slot = tcps_chunk_make(&t->stream_conns, stream, sizeof *slot);
    uint64_t key;

    if (*slot)
        return *slot - 1;
    key = tcps_tuple_key(seg);
    *slot = conn_keeping_syn(t, key, seg);
    if (!*slot)
        *slot = new_conn(t, stream, keep_links) + 1;
    tcps_map_put(&t->tuple_stream, key, stream + 1);
    return *slot - 1;
}

/* Both ends are done: a SYN on this 4-tuple now opens a new connection
 * whatever came before. */
static bool both_ends_done(uint8_t states)
{
    enum tcps_state c = (enum tcps_state)(states >> 4), s = (enum tcps_state)(states & 0x0f);
    return (c == TCPS_CLOSED || c == TCPS_TIME_WAIT) && (s == TCPS_CLOSED || s == TCPS_TIME_WAIT);
}

/* Connection `conn`'s record aside, NULL when it has none. */
static void *aside_get(const struct tcps_aside *a, uint32_t conn, size_t elem)
{
    uint32_t n = tcps_map_get(&a->index_of, conn);
    return n ? tcps_chunk_get(&a->items, n - 1, elem) : NULL;
}

/* Connection `conn`'s record aside, made (zeroed) when it has none. */
static void *aside_make(struct tcps_aside *a, uint32_t conn, size_t elem)
{
    void *item = aside_get(a, conn, elem);

    if (!item) {
        tcps_map_put(&a->index_of, conn, ++a->used);
        item = tcps_chunk_make(&a->items, a->used - 1, elem);
    }
    return item;
}

static size_t aside_bytes(const struct tcps_aside *a, size_t elem)
{
    return tcps_map_bytes(&a->index_of) + tcps_chunks_bytes(&a->items, elem);
}

static void aside_free(struct tcps_aside *a)
{
    tcps_map_free(&a->index_of);
    tcps_chunks_free(&a->items);
    a->used = 0;
}

/* A sequence base replaced by the real ISN (a SYN seen after the capture
 * picked the connection up mid-stream): earlier results used the old one. */
static void remember_pseudo_isn(struct tcps_conn_table *t, uint32_t conn, enum tcps_side side, uint32_t old_isn)
{
    const struct tcps_conn *fsm = tcps_table_fsm(t, conn);
    uint32_t *pseudo = aside_get(&t->pseudo_isns, conn, 2 * sizeof *pseudo);

    if (!pseudo) {
        pseudo = aside_make(&t->pseudo_isns, conn, 2 * sizeof *pseudo);
        pseudo[TCPS_CLIENT] = fsm->isn[TCPS_CLIENT];
        pseudo[TCPS_SERVER] = fsm->isn[TCPS_SERVER];
    }
    pseudo[side] = old_isn;
}

/* The state machine, with the connection's holes when it has any (kept
 * aside: few connections ever have one). */
static void run_fsm(struct tcps_conn_table *t, uint32_t conn, struct tcps_conn *fsm, const struct tcps_config *cfg,
                    const struct tcps_segment *seg, struct tcps_result *r)
{
    struct tcps_holes none = { { 0, 0 }, { 0, 0 } };
    struct tcps_holes *holes = tcps_has_holes(fsm) ? aside_get(&t->holes, conn, sizeof *holes) : NULL;

    if (!holes)
        holes = &none;
    tcps_segment_seen(fsm, holes, cfg, seg, r);
    if (holes == &none && tcps_has_holes(fsm))
        *(struct tcps_holes *)aside_make(&t->holes, conn, sizeof none) = none;
}

/* The state machine on a SYN, which may replace a side's base by its real
 * ISN (tcps_has_base): remember the base the earlier results used. */
static void run_fsm_on_syn(struct tcps_conn_table *t, uint32_t conn, struct tcps_conn *fsm,
                           const struct tcps_config *cfg, const struct tcps_segment *seg, struct tcps_result *r)
{
    bool had_base[2];
    uint32_t old_isn[2];

    for (int side = TCPS_CLIENT; side <= TCPS_SERVER; side++) {
        had_base[side] = tcps_has_base(fsm, (enum tcps_side)side);
        old_isn[side] = fsm->isn[side];
    }
    run_fsm(t, conn, fsm, cfg, seg, r);
    for (int side = TCPS_CLIENT; side <= TCPS_SERVER; side++)
        if (had_base[side] && fsm->isn[side] != old_isn[side])
            remember_pseudo_isn(t, conn, (enum tcps_side)side, old_isn[side]);
}

void tcps_table_segment_seen(struct tcps_conn_table *t, uint32_t conn, uint32_t stream,
                             const struct tcps_config *cfg, const struct tcps_segment *seg,
                             struct tcps_result *r)
{
    struct tcps_conn *fsm = tcps_table_fsm(t, conn);

    /* Only a SYN replaces a base, so other segments (nearly all) skip the
     * bookkeeping. */
    if (seg->flags & TCPS_SYN)
        run_fsm_on_syn(t, conn, fsm, cfg, seg, r);
    else
        run_fsm(t, conn, fsm, cfg, seg, r);
    if (both_ends_done(r->states))
        tcps_map_remove_if(&t->tuple_stream, tcps_tuple_key(seg), stream + 1);
}

uint32_t tcps_table_sequence_base(const struct tcps_conn_table *t, uint32_t conn, enum tcps_side side,
                                  bool isn_known)
{
    const uint32_t *pseudo = isn_known ? NULL : aside_get(&t->pseudo_isns, conn, 2 * sizeof *pseudo);
    return pseudo ? pseudo[side] : tcps_table_fsm(t, conn)->isn[side];
}

static uint64_t zeek_part_key(uint32_t conn, uint32_t n)
{
    return (uint64_t)conn << 32 | n;
}

/* n of the connection's latest Zeek connection. */
static uint32_t latest_zeek_part(const struct tcps_conn_table *t, uint32_t conn)
{
    return tcps_map_get(&t->zeek_parts, zeek_part_key(conn, 0));
}

uint32_t tcps_table_zeek_seen(struct tcps_conn_table *t, uint32_t conn, uint32_t zk)
{
    struct tcps_conn_zeek *z = tcps_table_zeek_make(t, conn);
    uint32_t n;

    if (!z->first)
        z->first = z->last = zk;
    if (zk == z->last) /* nearly always, and then mostly never split: no lookup */
        return zk == z->first ? 0 : latest_zeek_part(t, conn);
    n = latest_zeek_part(t, conn) + 1;
    tcps_map_put(&t->zeek_parts, zeek_part_key(conn, n), zk);
    tcps_map_put(&t->zeek_parts, zeek_part_key(conn, 0), n);
    z->last = zk;
    return n;
}

uint32_t tcps_table_zeek_part(const struct tcps_conn_table *t, uint32_t conn, uint32_t n)
{
    const struct tcps_conn_zeek *z = tcps_table_zeek(t, conn);

    if (!z)
        return 0;
    return n == 0 ? z->first : tcps_map_get(&t->zeek_parts, zeek_part_key(conn, n));
}

size_t tcps_table_bytes(const struct tcps_conn_table *t)
{
    return tcps_chunks_bytes(&t->fsms, sizeof(struct tcps_conn)) +
           tcps_chunks_bytes(&t->watches, sizeof(struct tcps_conn_watch)) +
           tcps_chunks_bytes(&t->links, sizeof(struct tcps_conn_links)) +
           tcps_chunks_bytes(&t->zeek, sizeof(struct tcps_conn_zeek)) + tcps_map_bytes(&t->zeek_parts) +
           tcps_chunks_bytes(&t->stream_conns, sizeof(uint32_t)) + tcps_map_bytes(&t->tuple_stream) +
           aside_bytes(&t->holes, sizeof(struct tcps_holes)) + aside_bytes(&t->pseudo_isns, 2 * sizeof(uint32_t));
}

void tcps_table_free(struct tcps_conn_table *t)
{
    tcps_chunks_free(&t->fsms);
    tcps_chunks_free(&t->watches);
    tcps_chunks_free(&t->links);
    tcps_chunks_free(&t->zeek);
    tcps_map_free(&t->zeek_parts);
    tcps_chunks_free(&t->stream_conns);
    tcps_map_free(&t->tuple_stream);
    aside_free(&t->holes);
    aside_free(&t->pseudo_isns);
    memset(t, 0, sizeof *t);
}
