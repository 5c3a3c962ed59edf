/* tcpstate_watch.h - what a single segment cannot show: how long a state
 * lasted, and what many connections of one host add up to (the seed
 * article's netstat advice: a server with many ends in TIME_WAIT closes
 * actively; a client with many in SYN_SENT is not being answered).
 *
 * Plain C, no Wireshark headers.  The thresholds are the caller's
 * preferences, passed in with every segment.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_WATCH_H
#define TCPSTATE_WATCH_H

#include "tcpstate_chunks.h"
#include "tcpstate_fsm.h"
#include "tcpstate_map.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the watches saw at one segment (bits). */
#define TCPS_WATCH_CLOSE_WAIT_LONG  0x01 /* CLOSE_WAIT lasted longer than close_wait_max_us */
#define TCPS_WATCH_FIN_WAIT_2_LONG  0x02 /* FIN_WAIT_2 lasted longer than fin_wait_2_max_us */
#define TCPS_WATCH_SERVER_TIME_WAIT 0x04 /* the server closed actively: its end is in TIME_WAIT */
#define TCPS_WATCH_SERVER_TW_MANY   0x08 /* ... and that server has many ends in TIME_WAIT */
#define TCPS_WATCH_SYN_SENT_MANY    0x10 /* the client host has many connections in SYN_SENT */
#define TCPS_WATCH_RST_IN_TIME_WAIT 0x20 /* RST arriving at an end in TIME_WAIT (RFC 1337) */
#define TCPS_WATCH_ALL              0x3f /* every bit above */

struct tcps_watch_limits {
    uint64_t close_wait_max_us;
    uint64_t fin_wait_2_max_us;
    uint64_t time_wait_window_us;  /* server TIME_WAIT entries are counted per window (2*MSL) */
    uint32_t server_time_wait_many;
    uint32_t syn_sent_many;
};

/* Per connection: when each side entered its state. */
struct tcps_conn_watch {
    uint64_t since_us[2];
};

/* Per capture: the counters of each host, by address digest. */
struct tcps_watch {
    struct tcps_map by_addr;       /* address digest -> host number + 1 */
    struct tcps_chunks hosts;      /* struct tcps_host_watch by host number */
    uint32_t hosts_used;
};

/* The segment `seg` of a connection, with its state machine's result `r`:
 * update the counters, and say what they show (TCPS_WATCH_* bits). */
uint8_t tcps_watch_segment(struct tcps_watch *w, struct tcps_conn_watch *conn,
                           const struct tcps_watch_limits *limits, const struct tcps_segment *seg,
                           const struct tcps_result *r);

size_t tcps_watch_bytes(const struct tcps_watch *w);
void tcps_watch_free(struct tcps_watch *w);

#ifdef __cplusplus
}
#endif

#endif
