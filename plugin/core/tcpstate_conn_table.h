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

/* What else a connection's segments tie it to.  Read only by Zeek's view
 * (its Zeek connections), the statistics tap (its first stream) and later
 * passes (its last frame), so a one-pass run without Zeek keeps none. */
struct tcps_conn_links {
    uint32_t stream;               /* its first tcp.stream */
    uint32_t zk_first;             /* its first Zeek connection (0: none yet) */
    uint32_t zk_last;              /* the Zeek connection of its latest segment (0: none yet) */
    uint32_t last_frame;           /* the frame of its latest segment */
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
 * every 40 packets). */
struct tcps_conn_table {
    struct tcps_chunks fsms;       /* struct tcps_conn by connection number */
    struct tcps_chunks watches;    /* struct tcps_conn_watch by connection number, when kept */
    struct tcps_chunks links;      /* struct tcps_conn_links by connection number, when kept */
    uint32_t used;
    struct tcps_chunks stream_conns; /* per tcp.stream: connection number + 1, 0 = none yet */
    struct tcps_map tuple_stream;  /* 4-tuple digest -> latest tcp.stream + 1, while it may be reused */
    struct tcps_aside holes;       /* struct tcps_holes of connections that had one */
    struct tcps_aside pseudo_isns; /* uint32_t[2]: sequence bases used before the ISN was seen */
};

/* What a new connection keeps besides its state machine (bits). */
#define TCPS_KEEP_WATCH 0x1u /* struct tcps_conn_watch */
#define TCPS_KEEP_LINKS 0x2u /* struct tcps_conn_links */

/* The connection that segment `seg` of tcp.stream `stream` belongs to
 * (created, with what `keep` says, when it is the stream's first segment). */
uint32_t tcps_table_conn_of_segment(struct tcps_conn_table *t, uint32_t stream, const struct tcps_segment *seg,
                                    unsigned keep);

/* The newest tcp.stream of the 4-tuple `key` (tcps_tuple_key), + 1, while
 * its connection may still be in use; else 0.  Wireshark's TCP starts a
 * stream only at a SYN, so a later segment without SYN belongs to it. */
static inline uint32_t tcps_table_newest_stream(const struct tcps_conn_table *t, uint64_t key)
{
    return tcps_map_get(&t->tuple_stream, key);
}

/* The connection tcp.stream `stream` belongs to, if any segment of it was seen. */
bool tcps_table_conn_of_stream(const struct tcps_conn_table *t, uint32_t stream, uint32_t *conn);

/* Connection `conn`'s state machine, watch timestamps and links; NULL when
 * there is no such connection (or its links are not kept). */
static inline struct tcps_conn *tcps_table_fsm(const struct tcps_conn_table *t, uint32_t conn)
{
    return conn < t->used ? (struct tcps_conn *)tcps_chunk_get(&t->fsms, conn, sizeof(struct tcps_conn)) : NULL;
}
static inline struct tcps_conn_watch *tcps_table_watch(const struct tcps_conn_table *t, uint32_t conn)
{
    return conn < t->used ? (struct tcps_conn_watch *)tcps_chunk_get(&t->watches, conn,
                                                                      sizeof(struct tcps_conn_watch))
                          : NULL;
}
static inline struct tcps_conn_links *tcps_table_links(const struct tcps_conn_table *t, uint32_t conn)
{
    return conn < t->used ? (struct tcps_conn_links *)tcps_chunk_get(&t->links, conn,
                                                                      sizeof(struct tcps_conn_links))
                          : NULL;
}

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
