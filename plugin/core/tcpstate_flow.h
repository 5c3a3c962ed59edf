/* tcpstate_flow.h - the text of one arrow of the "TCP State Flows" graph.
 *
 * Plain C, no Wireshark headers.  Each TCP segment is one arrow between its
 * two ends: above it the flags and payload length, as Wireshark's own "TCP
 * Flows" labels them; beside it both ends' states after the segment, the
 * transition where one happened, the segment's role in the opening or
 * closing, and the markers of a doubtful state.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_FLOW_H
#define TCPSTATE_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "tcpstate_fsm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Room enough for the longest label and comment (the tests check the bound). */
#define TCPS_FLOW_LABEL_SIZE 64
#define TCPS_FLOW_COMMENT_SIZE 256

/* The AE flag (RFC 3168 nonce bit, now AccECN), bit 0 of header byte 12,
 * taken as bit 8 beside the flags of byte 13. */
#define TCPS_FLAG_AE 0x100u

/* "SYN", "FIN, ACK", "PSH, ACK - Len: 77", "<None>": the flags in the
 * order Wireshark prints them, then the payload length when there is one. */
void tcps_flow_label(char *buf, size_t size, uint16_t flags, uint32_t payload);

/* "client SYN_SENT -> ESTABLISHED · server SYN_RCVD · ACK (3/3)": each end's
 * state after the segment ("before -> after" where it changed), the role
 * (tcps_handshake_name, tcps_teardown_name), then in brackets the markers of
 * a doubtful state: "inferred" (the handshake was not seen), "after a gap"
 * (the sender's earlier segments are missing), "closed peer" (an end was
 * CLOSED). */
void tcps_flow_comment(char *buf, size_t size, const struct tcps_result *r);

#ifdef __cplusplus
}
#endif

#endif /* TCPSTATE_FLOW_H */
