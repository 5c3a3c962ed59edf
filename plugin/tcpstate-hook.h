/* tcpstate-hook.h - the TCP headers of a frame, as they go to Wireshark's
 * TCP dissector.
 *
 * tcpstate puts a handle of its own in front of TCP in the "ip.proto" table:
 * it reads each TCP header from the bytes TCP is given, calls TCP, and asks
 * TCP's conversation for tcp.stream.  No protocol tree is needed for that,
 * so installing tcpstate does not make tshark build one (README,
 * "Performance").  The postdissector takes the frame's headers from here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_HOOK_H
#define TCPSTATE_HOOK_H

#include <epan/packet.h>

#include "tcpstate_capture.h"

/* One TCP header of the frame. */
typedef struct {
    struct tcps_segment seg;  /* TCPS_LAYER_SEGMENT: the header's fields and tcp.len */
    tvbuff_t *ds_tvb;         /* the data source the header lies in (the frame's, or reassembled bytes) */
    gint offset;              /* where the header starts in ds_tvb */
    guint32 stream;           /* tcp.stream; TCPS_NO_STREAM when TCP got no stream for it (on a later
                                 pass: once stream_asked) */
    address src, dst;         /* the addresses TCP was given, where its conversation will be asked
                                 (shallow: valid while the frame is dissected) */
    guint position;           /* where TCP's entry is in pinfo->layers (0-based) */
    guint8 kind;              /* enum tcps_layer_kind */
    guint8 captured;          /* TCPS_CAPTURED_* bits (tcpstate_segment.h) */
    guint8 stream_asked;      /* a later pass: stream was asked of TCP's conversations */
} tcp_layer_t;

/* Find TCP and make the hook's handle (from the plugin's handoff).  The
 * capture's connections tell the tcp.stream of most segments without
 * asking TCP (tcps_table_newest_stream). */
void tcpstate_hook_handoff(const struct tcps_conn_table *capture_conns);

/* The frame's capture time in microseconds, the state machine's clock. */
static inline guint64 tcpstate_time_us(const packet_info *pinfo)
{
    return (guint64)pinfo->abs_ts.secs * 1000000u + (guint64)(pinfo->abs_ts.nsecs / 1000);
}

/* At every file open: put the hook into "ip.proto" 6 while tcpstate is
 * enabled, and TCP itself back while it is not (a disabled tcpstate then
 * costs nothing).  Warns when something else has taken the entry. */
void tcpstate_hook_install(gboolean enabled);

/* Forget the capture file's headers (its cleanup: at file close). */
void tcpstate_hook_reset(void);

/* The frame's TCP layers in order, each the header the hook saw in this
 * dissection of the frame (on every pass), or NULL for one that reached TCP other than through IP
 * (Decode As over UDP, a tunnel that calls TCP directly, an exported PDU,
 * or IP protocol 6 taken by someone else); their number. */
guint tcpstate_frame_tcp_layers(const packet_info *pinfo, const tcp_layer_t *hooked[TCPS_MAX_LAYERS]);

/* tcp.stream of a header the hook saw: as TCP gave it on the first pass;
 * on a later pass, asked of TCP's conversations (about a thousand
 * instructions, so only where a result needs its connection). */
guint32 tcpstate_layer_stream(const packet_info *pinfo, const tcp_layer_t *layer);

#endif /* TCPSTATE_HOOK_H */
