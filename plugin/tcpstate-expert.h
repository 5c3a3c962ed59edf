/* tcpstate-expert.h - tcpstate's expert infos (tcpstate.analysis.*).
 *
 * Everything the analysis noticed that deserves attention: the state
 * machine's notes (retransmissions, unacceptable RSTs, ignored SYNs, ...),
 * sequence gaps, the watches (states that lasted too long, hosts with many
 * TIME_WAIT or SYN_SENT ends), half-open endings, and headers that were not
 * analysed.  Each comes with its old name when that is asked for
 * (tcpstate-alias.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_EXPERT_H
#define TCPSTATE_EXPERT_H

#include <epan/packet.h>

#include "tcpstate_results.h"
#include "tcpstate_watch.h"

void tcpstate_expert_register(int proto);

/* Why a header was not analysed (quoted by ICMP, cut short, not seen). */
void tcpstate_expert_header(packet_info *pinfo, proto_item *ti, const struct tcps_kept *k);

/* What the analysis noticed about a segment.  `ended`: its connection, when
 * this is the connection's last segment and the capture has been read
 * (how it ended is known then); else NULL. */
void tcpstate_expert_segment(packet_info *pinfo, proto_item *ti, const struct tcps_kept *k,
                             const struct tcps_conn *ended);

/* Would the result get any expert info?  (A tree that wants no tcpstate
 * field gets only those.) */
gboolean tcpstate_expert_any(const struct tcps_kept *k, const struct tcps_conn *ended);

#endif
