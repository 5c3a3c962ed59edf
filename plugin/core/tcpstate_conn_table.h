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

struct tcps_conn_entry {
    struct tcps_conn fsm;          /* the state machine (64 bytes) */
    struct tcps_conn_watch watch;
    uint32_t stream;               /* its first tcp.stream */
    uint32_t zk_first;             /* its first Zeek connection (0: none yet) */
    uint32_t zk_last;              /* the Zeek connection of its latest segment (0: none yet) */
    uint32_t last_frame;           /* the frame of its latest segment */
};

struct tcps_conn_table {
    struct tcps_chunks conns;      /* struct tcps_conn_entry by connection number */
    uint32_t used;
    struct tcps_chunks stream_conns; /* per tcp.stream: connection number + 1, 0 = none yet */
    struct tcps_map tuple_stream;  /* 4-tuple digest -> latest tcp.stream + 1, while it may be reused */
    struct tcps_map pseudo_of;     /* connection number -> index + 1 in pseudo_isns */
    struct tcps_chunks pseudo_isns;/* uint32_t[2]: sequence bases used before the ISN was seen */
    uint32_t pseudo_used;
};

/* The connection that segment `seg` of tcp.stream `stream` belongs to
 * (created when it is the stream's first segment). */
uint32_t tcps_table_conn_of_segment(struct tcps_conn_table *t, uint32_t stream, const struct tcps_segment *seg);

/* The connection tcp.stream `stream` belongs to, if any segment of it was seen. */
bool tcps_table_conn_of_stream(const struct tcps_conn_table *t, uint32_t stream, uint32_t *conn);

/* Connection `conn`, or NULL when there is no such connection. */
static inline struct tcps_conn_entry *tcps_table_conn(const struct tcps_conn_table *t, uint32_t conn)
{
    return conn < t->used ? (struct tcps_conn_entry *)tcps_chunk_get(&t->conns, conn, sizeof(struct tcps_conn_entry))
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
