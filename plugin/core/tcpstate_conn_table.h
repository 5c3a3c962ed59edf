/* tcpstate_conn_table.h - the connections of one capture and the segments
 * that belong to each.
 *
 * Plain C, no Wireshark headers.  Connections are numbered from 0 as they
 * appear; every tcp.stream maps to one.  Wireshark's TCP starts a new stream
 * at a SYN that reuses a 4-tuple; two streams share a connection when its
 * receiver takes that SYN as part of the connection (a SYN on an ESTABLISHED
 * connection draws an RFC 5961 challenge ACK, it opens nothing).  The table
 * also remembers the sequence bases a connection used before its real ISN
 * was seen, so that earlier results can still be shown relative to them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_CONN_TABLE_H
#define TCPSTATE_CONN_TABLE_H

#include "tcpstate_chunks.h"
#include "tcpstate_fsm.h"
#include "tcpstate_map.h"
#include "tcpstate_watch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What else a connection's segments tie it to, kept unless the run shows
 * each result as its frame is read (a one-pass run): the statistics tap
 * reads its first stream, later passes its last frame. */
struct tcps_conn_links {
    uint32_t stream;               /* its first tcp.stream */
    uint32_t last_frame;           /* the frame of its latest segment */
};

/* Its Zeek connections, kept when Zeek's model runs.  Zeek may split a
 * connection in several (its timers removed the last one before the next
 * segment came); the ones after the first are kept apart, in
 * tcps_conn_table.zeek_parts, numbered by connection. */
struct tcps_conn_zeek {
    uint32_t first;                /* its first Zeek connection (0: none yet) */
    uint32_t last;                 /* the Zeek connection of its latest segment (0: none yet) */
};

/* Records kept for a few connections only, by connection number. */
struct tcps_aside {
    struct tcps_map index_of;      /* connection number -> index + 1 in items */
    struct tcps_chunks items;
    uint32_t used;
};

/* Every connection has a state machine, in an array by connection number;
 * what fewer runs or fewer connections need is kept apart, so that the
 * common record stays small (the benchmark's captures have a connection
 * every 40 packets).  The watch timestamps and Zeek connections are made
 * when the watches or Zeek's model first take a segment of the
 * connection, which may be on a later pass (tcps_capture_catch_up). */
struct tcps_conn_table {
    struct tcps_chunks fsms;       /* struct tcps_conn by connection number */
    struct tcps_chunks watches;    /* struct tcps_conn_watch by connection number, when made */
    struct tcps_chunks links;      /* struct tcps_conn_links by connection number, when kept */
    struct tcps_chunks zeek;       /* struct tcps_conn_zeek by connection number, when made */
    struct tcps_map zeek_parts;    /* (connection, n >= 1) -> its Zeek connection n (0 is the first);
                                      (connection, 0) -> n of its latest; only where Zeek split it */
    uint32_t used;
    struct tcps_chunks stream_conns; /* per tcp.stream: connection number + 1, 0 = none yet */
    struct tcps_map tuple_stream;  /* 4-tuple digest -> latest tcp.stream + 1, while it may be reused */
    struct tcps_aside holes;       /* struct tcps_holes of connections that had one */
    struct tcps_aside pseudo_isns; /* uint32_t[2]: sequence bases used before the ISN was seen */
};

/* The connection that segment `seg` of tcp.stream `stream` belongs to
 * (created, with its links when `keep_links`, when it is the stream's first
 * segment). */
uint32_t tcps_table_conn_of_segment(struct tcps_conn_table *t, uint32_t stream, const struct tcps_segment *seg,
                                    bool keep_links);

/* The newest tcp.stream of the 4-tuple `key` (tcps_tuple_key), + 1, while
 * its connection may still be in use; else 0.  Wireshark's TCP starts a
 * stream only at a SYN, so a later segment without SYN belongs to it. */
static inline uint32_t tcps_table_newest_stream(const struct tcps_conn_table *t, uint64_t key)
{
    return tcps_map_get(&t->tuple_stream, key);
}

/* The connection tcp.stream `stream` belongs to, if any segment of it was seen. */
bool tcps_table_conn_of_stream(const struct tcps_conn_table *t, uint32_t stream, uint32_t *conn);

/* Connection `conn`'s state machine, links, watch timestamps and Zeek connections; NULL when
 * there is no such connection (or nothing of the kind was kept for it). */
static inline struct tcps_conn *tcps_table_fsm(const struct tcps_conn_table *t, uint32_t conn)
{
    return conn < t->used ? (struct tcps_conn *)tcps_chunk_get(&t->fsms, conn, sizeof(struct tcps_conn)) : NULL;
}
static inline struct tcps_conn_links *tcps_table_links(const struct tcps_conn_table *t, uint32_t conn)
{
    return conn < t->used ? (struct tcps_conn_links *)tcps_chunk_get(&t->links, conn,
                                                                      sizeof(struct tcps_conn_links))
                          : NULL;
}
static inline struct tcps_conn_watch *tcps_table_watch(const struct tcps_conn_table *t, uint32_t conn)
{
    return conn < t->used ? (struct tcps_conn_watch *)tcps_chunk_get(&t->watches, conn,
                                                                      sizeof(struct tcps_conn_watch))
                          : NULL;
}
static inline struct tcps_conn_zeek *tcps_table_zeek(const struct tcps_conn_table *t, uint32_t conn)
{
    return conn < t->used ? (struct tcps_conn_zeek *)tcps_chunk_get(&t->zeek, conn, sizeof(struct tcps_conn_zeek))
                          : NULL;
}

/* Connection `conn`'s watch timestamps and Zeek connections, made (zero)
 * at the first call.  `conn` must exist. */
static inline struct tcps_conn_watch *tcps_table_watch_make(struct tcps_conn_table *t, uint32_t conn)
{
    return (struct tcps_conn_watch *)tcps_chunk_make(&t->watches, conn, sizeof(struct tcps_conn_watch));
}
static inline struct tcps_conn_zeek *tcps_table_zeek_make(struct tcps_conn_table *t, uint32_t conn)
{
    return (struct tcps_conn_zeek *)tcps_chunk_make(&t->zeek, conn, sizeof(struct tcps_conn_zeek));
}

/* Zeek connection `zk` took a segment of connection `conn`: which of the
 * connection's Zeek connections it is, 0 for the first, 1 for the one
 * Zeek started next for it, and so on.  A frame's result keeps that small
 * number (tcps_results_keep_zeek), not the Zeek connection's own: Zeek
 * numbers connections as they start, so when it splits one, the later
 * part's number is far from the first part's. */
uint32_t tcps_table_zeek_seen(struct tcps_conn_table *t, uint32_t conn, uint32_t zk);

/* Zeek connection `n` of connection `conn` (tcps_table_zeek_seen), or 0. */
uint32_t tcps_table_zeek_part(const struct tcps_conn_table *t, uint32_t conn, uint32_t n);

/* Run connection `conn`'s state machine on its segment `seg` (of `stream`). */
void tcps_table_segment_seen(struct tcps_conn_table *t, uint32_t conn, uint32_t stream,
                             const struct tcps_config *cfg, const struct tcps_segment *seg,
                             struct tcps_result *r);

/* The base the relative numbers of `side` were computed against in a result
 * of connection `conn`; `isn_known` is whether that result knew the side's
 * real ISN (TCPS_NOTE_ISN_CLIENT / _SERVER). */
uint32_t tcps_table_sequence_base(const struct tcps_conn_table *t, uint32_t conn, enum tcps_side side,
                                  bool isn_known);

size_t tcps_table_bytes(const struct tcps_conn_table *t);
void tcps_table_free(struct tcps_conn_table *t);

#ifdef __cplusplus
}
#endif

#endif
