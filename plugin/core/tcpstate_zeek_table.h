/* tcpstate_zeek_table.h - Zeek's connections of one capture, by 4-tuple.
 *
 * Plain C, no Wireshark headers.  Zeek splits and times out connections by
 * its own rules (tcpstate_zeek.h), so they are numbered apart from tcpstate's
 * (from 1, as they appear).  What the display needs of one is kept for every
 * connection (struct zk_record, 24 bytes, plus its history once it is
 * final); the full model (struct zk_conn, a few hundred bytes) lives in a
 * slot of the live pool only while Zeek would keep the connection, and the
 * slot is reused once Zeek's timers would have removed it.  So the memory
 * follows the live connections, not every connection of the capture.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_ZEEK_TABLE_H
#define TCPSTATE_ZEEK_TABLE_H

#include "tcpstate_chunks.h"
#include "tcpstate_map.h"
#include "tcpstate_zeek.h"

#ifdef __cplusplus
extern "C" {
#endif

struct zk_record {
    uint64_t start_us;
    uint32_t side0_addr;       /* address digest and port of the end that sent first */
    uint16_t side0_port;
    uint8_t conn_state;        /* final conn_state, once retired */
    uint8_t hist_len;          /* final history length, once retired */
    uint32_t live : 1;         /* `at` is a slot of the live pool; else an offset into the history archive */
    uint32_t side0_orig : 1;   /* final: the first sender is Zeek's originator */
    uint32_t at : 30;
};

struct zk_live;

struct zk_table {
    struct tcps_chunks records;    /* struct zk_record by connection number - 1 */
    uint32_t used;                 /* connections numbered so far */
    struct zk_live *live;          /* the live pool */
    uint32_t live_len, live_free, sweep_at;
    uint32_t *free_slots;          /* stack of free slot numbers */
    struct tcps_chunks histories;  /* final histories, back to back, NUL-terminated */
    uint32_t histories_used;
    struct tcps_map by_tuple;      /* 4-tuple digest -> live connection number */
};

/* The packet `pkt` of 4-tuple `key`: the Zeek connection that takes it (a
 * new one when Zeek would not continue the last one), after the packet.
 * `last` (or 0) is the connection the 4-tuple's previous packet went to, as
 * the caller remembers it: while it is live it is the 4-tuple's, and the
 * table is not searched.  The pointer is valid until the next call. */
const struct zk_conn *zk_table_packet(struct zk_table *t, const struct zk_config *cfg, uint64_t key,
                                      const struct zk_packet *pkt, uint32_t last, uint32_t *number);

/* Retire, a couple of slots per call, the live connections Zeek's timers
 * have removed by `now_us`: O(1) per packet, the whole pool every few. */
void zk_table_sweep(struct zk_table *t, uint64_t now_us);

/* Connection `number` (1 ... used), or NULL. */
const struct zk_record *zk_table_record(const struct zk_table *t, uint32_t number);

/* What a connection is as far as the capture has been read. */
const char *zk_table_history(const struct zk_table *t, const struct zk_record *rec, unsigned *len);
enum zk_conn_state zk_table_conn_state(const struct zk_table *t, const struct zk_record *rec);
bool zk_table_side0_orig(const struct zk_table *t, const struct zk_record *rec);

size_t zk_table_bytes(const struct zk_table *t);
void zk_table_free(struct zk_table *t);

#ifdef __cplusplus
}
#endif

#endif
