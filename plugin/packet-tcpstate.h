/* packet-tcpstate.h - the tcpstate postdissector: registration and its tap.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PACKET_TCPSTATE_H
#define PACKET_TCPSTATE_H

#include <epan/address.h>
#include <glib.h>

#include "tcpstate_fsm.h"

void proto_register_tcpstate(void);
void proto_reg_handoff_tcpstate(void);
void register_tcpstate_stats(void);
void register_tcpstate_flow(int proto);

/* What the "tcpstate" tap gets for every TCP segment the state machine saw
 * (not for quoted or truncated headers).  Valid during the tap callback. */
typedef struct {
    guint32 conn;              /* tcpstate connection, numbered by appearance */
    guint32 stream;            /* its first tcp.stream */
    guint8 conn_state;         /* enum zk_conn_state so far */
    const char *history;       /* Zeek history so far */
    guint64 time_us;           /* capture time of the segment */
    guint64 time_wait_since_us;/* when an end of the connection entered TIME_WAIT (0: never) */
    guint32 msl_s;             /* the tcpstate.msl preference */
    guint32 bytes_client;      /* bytes each side sent so far (sequence space) */
    guint32 bytes_server;
    const address *client_addr;
    const address *server_addr;
    guint16 client_port;
    guint16 server_port;
    struct tcps_result result; /* what the state machine said: both ends' states after the
                                  segment and before it, roles, notes, relative numbers */
    guint16 tcp_flags;         /* the header's flags, TCPS_FLAG_AE (bit 8) included */
} tcpstate_tap_info_t;

/* State and conn_state names for the statistics. */
const char *tcpstate_state_name(guint state);
const char *tcpstate_conn_state_name(guint cs);

#endif /* PACKET_TCPSTATE_H */
