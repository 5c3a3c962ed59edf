/* tcpstate_segment.h - the segment a TCP header describes, from its bytes.
 *
 * Plain C, no Wireshark headers.  The hook (tcpstate-hook.c) hands over the
 * header's captured bytes and the length IP reports for it; this reads the
 * numbers, flags, window and window scale the state machine needs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_SEGMENT_H
#define TCPSTATE_SEGMENT_H

#include <stddef.h>

#include "tcpstate_fsm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The longest TCP header (data offset 15). */
#define TCPS_HEADER_MAX 60

/* How much of a segment was captured (bits of tcps_read_segment's *captured). */
#define TCPS_CAPTURED_HEADER  1u   /* the whole header, options included */
#define TCPS_CAPTURED_PAYLOAD 2u   /* the payload too */

/* The ports of the header at `hdr`, when its first 4 bytes were captured
 * (`have`); otherwise *seg is left as it is.  Every header has them, also
 * one too short or too odd for tcps_read_segment. */
void tcps_read_ports(const uint8_t *hdr, size_t have, struct tcps_segment *seg);

/* Read the header at `hdr`, of which `have` bytes were captured (at most
 * TCPS_HEADER_MAX are looked at) and `reported` bytes are the segment's
 * length per IP, into *seg: seq, ack, flags, win, wscale and len (payload).
 * Ports (tcps_read_ports), addresses and time are the caller's.  False when the state
 * machine cannot take it: fewer than 20 bytes captured, or a data offset
 * below 20 bytes or beyond the reported length. */
bool tcps_read_segment(const uint8_t *hdr, size_t have, size_t reported, struct tcps_segment *seg,
                       uint8_t *captured);

/* The window scale option of a header of hlen bytes, as far as it was
 * captured; -1 without one.  Shifts above 14 are taken as 14 (RFC 7323 2.3). */
int8_t tcps_window_scale(const uint8_t *hdr, size_t hlen, size_t have);

#ifdef __cplusplus
}
#endif

#endif
