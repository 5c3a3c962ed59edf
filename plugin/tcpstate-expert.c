/* tcpstate-expert.c - tcpstate's expert infos: what the analysis noticed,
 * as Wireshark's expert system shows it (see tcpstate-expert.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define WS_BUILD_DLL
#include <epan/expert.h>
#include <epan/packet.h>

#include "tcpstate-alias.h"
#include "tcpstate-expert.h"

static expert_field ei_retransmission = EI_INIT;
static expert_field ei_rst_out_of_window = EI_INIT;
static expert_field ei_rst_not_exact = EI_INIT;
static expert_field ei_rst_unacceptable = EI_INIT;
static expert_field ei_syn_ignored = EI_INIT;
static expert_field ei_bad_synack = EI_INIT;
static expert_field ei_data_after_fin = EI_INIT;
static expert_field ei_time_wait_expired = EI_INIT;
static expert_field ei_syn_unanswered = EI_INIT;
static expert_field ei_invalid_flags = EI_INIT;
static expert_field ei_ack_unseen = EI_INIT;
static expert_field ei_closed_peer = EI_INIT;
static expert_field ei_icmp_quoted = EI_INIT;
static expert_field ei_truncated = EI_INIT;
static expert_field ei_not_seen = EI_INIT;
static expert_field ei_gap = EI_INIT;
static expert_field ei_out_of_order = EI_INIT;
static expert_field ei_close_wait_long = EI_INIT;
static expert_field ei_fin_wait_2_long = EI_INIT;
static expert_field ei_server_time_wait = EI_INIT;
static expert_field ei_server_tw_many = EI_INIT;
static expert_field ei_syn_sent_many = EI_INIT;
static expert_field ei_rst_in_time_wait = EI_INIT;
static expert_field ei_half_open_unanswered = EI_INIT;
static expert_field ei_half_open_incomplete = EI_INIT;

/* The state machine's notes that are expert infos. */
static const struct {
    guint16 note;
    expert_field *ei;
} note_experts[] = {
    { TCPS_NOTE_RETRANSMISSION, &ei_retransmission },
    { TCPS_NOTE_RST_OUT_OF_WINDOW, &ei_rst_out_of_window },
    { TCPS_NOTE_RST_NOT_EXACT, &ei_rst_not_exact },
    { TCPS_NOTE_RST_UNACCEPTABLE, &ei_rst_unacceptable },
    { TCPS_NOTE_SYN_IGNORED, &ei_syn_ignored },
    { TCPS_NOTE_BAD_SYNACK, &ei_bad_synack },
    { TCPS_NOTE_DATA_AFTER_FIN, &ei_data_after_fin },
    { TCPS_NOTE_TW_EXPIRED, &ei_time_wait_expired },
    { TCPS_NOTE_SYN_UNANSWERED, &ei_syn_unanswered },
    { TCPS_NOTE_INVALID_FLAGS, &ei_invalid_flags },
    { TCPS_NOTE_ACK_UNSEEN, &ei_ack_unseen },
    { TCPS_NOTE_CLOSED_PEER, &ei_closed_peer },
};

/* What the watches saw (tcpstate_watch.h) that are expert infos. */
static const struct {
    guint8 bit;
    expert_field *ei;
} watch_experts[] = {
    { TCPS_WATCH_CLOSE_WAIT_LONG, &ei_close_wait_long },
    { TCPS_WATCH_FIN_WAIT_2_LONG, &ei_fin_wait_2_long },
    { TCPS_WATCH_SERVER_TIME_WAIT, &ei_server_time_wait },
    { TCPS_WATCH_SERVER_TW_MANY, &ei_server_tw_many },
    { TCPS_WATCH_SYN_SENT_MANY, &ei_syn_sent_many },
    { TCPS_WATCH_RST_IN_TIME_WAIT, &ei_rst_in_time_wait },
};

/* An expert info, and its old name when that is asked for. */
static void add_expert(packet_info *pinfo, proto_item *ti, expert_field *ei)
{
    expert_add_info(pinfo, ti, ei);
    if (tcpstate_alias(ti, ei->hf) >= 0)
        tcpstate_alias_expert(ti, ei);
}

void tcpstate_expert_header(packet_info *pinfo, proto_item *ti, const struct tcps_kept *k)
{
    if (k->kind == TCPS_LAYER_QUOTED)
        add_expert(pinfo, ti, &ei_icmp_quoted);
    else if (k->kind == TCPS_LAYER_TRUNCATED)
        add_expert(pinfo, ti, &ei_truncated);
    else if (k->kind == TCPS_LAYER_NOT_SEEN)
        add_expert(pinfo, ti, &ei_not_seen);
}

/* How the connection ended is known once the capture has been read: say it
 * on its last segment when the handshake never completed. */
static void add_half_open(packet_info *pinfo, proto_item *ti, const struct tcps_conn *ended)
{
    guint8 st = tcps_conn_states(ended);
    enum tcps_state client = (enum tcps_state)(st >> 4), server = (enum tcps_state)(st & 0x0f);

    if (client == TCPS_SYN_SENT)
        add_expert(pinfo, ti, &ei_half_open_unanswered);
    else if (client == TCPS_ESTABLISHED && server == TCPS_SYN_RCVD)
        add_expert(pinfo, ti, &ei_half_open_incomplete);
}

void tcpstate_expert_segment(packet_info *pinfo, proto_item *ti, const struct tcps_kept *k,
                             const struct tcps_conn *ended)
{
    if (!tcpstate_expert_any(k, ended))
        return; /* most segments: nothing to say */
    for (size_t i = 0; i < G_N_ELEMENTS(note_experts); i++)
        if (k->notes & note_experts[i].note)
            add_expert(pinfo, ti, note_experts[i].ei);
    if (k->order & TCPS_ORDER_GAP)
        add_expert(pinfo, ti, &ei_gap);
    if (k->order & TCPS_ORDER_OUT_OF_ORDER)
        add_expert(pinfo, ti, &ei_out_of_order);
    for (size_t i = 0; i < G_N_ELEMENTS(watch_experts); i++)
        if (k->watch & watch_experts[i].bit)
            add_expert(pinfo, ti, watch_experts[i].ei);
    if (ended)
        add_half_open(pinfo, ti, ended);
}

/* Notes that are only facts about the segment, not expert infos. */
#define NOTES_NOT_EXPERT (TCPS_NOTE_INFERRED | TCPS_NOTE_ISN_CLIENT | TCPS_NOTE_ISN_SERVER | TCPS_NOTE_ACK)

gboolean tcpstate_expert_any(const struct tcps_kept *k, const struct tcps_conn *ended)
{
    return tcps_kept_not_a_segment(k) || (k->notes & ~NOTES_NOT_EXPERT) || k->order || k->watch || ended;
}

void tcpstate_expert_register(int proto)
{
    static ei_register_info ei[] = {
        { &ei_retransmission, { "tcpstate.analysis.retransmission", PI_SEQUENCE, PI_NOTE,
          "Sequence space seen before: no state change", EXPFILL } },
        { &ei_rst_out_of_window, { "tcpstate.analysis.rst.out_of_window", PI_SEQUENCE, PI_WARN,
          "RST outside the receive window: ignored (RFC 5961)", EXPFILL } },
        { &ei_rst_not_exact, { "tcpstate.analysis.rst.not_exact", PI_SEQUENCE, PI_WARN,
          "RST in the window but not at RCV.NXT: challenge ACK, ignored (RFC 5961)", EXPFILL } },
        { &ei_rst_unacceptable, { "tcpstate.analysis.rst.unacceptable", PI_SEQUENCE, PI_WARN,
          "RST not acceptable in the receiver's state: ignored", EXPFILL } },
        { &ei_syn_ignored, { "tcpstate.analysis.syn.ignored", PI_SEQUENCE, PI_WARN,
          "SYN on a synchronized connection: challenge ACK, no reset (RFC 5961)", EXPFILL } },
        { &ei_bad_synack, { "tcpstate.analysis.synack.bad_ack", PI_SEQUENCE, PI_WARN,
          "SYN-ACK does not acknowledge the SYN: the client answers with RST", EXPFILL } },
        { &ei_data_after_fin, { "tcpstate.analysis.data_after_fin", PI_PROTOCOL, PI_WARN,
          "Data beyond the sender's own FIN", EXPFILL } },
        { &ei_time_wait_expired, { "tcpstate.analysis.time_wait.expired", PI_SEQUENCE, PI_CHAT,
          "2*MSL passed since TIME_WAIT began: that end is CLOSED", EXPFILL } },
        { &ei_syn_unanswered, { "tcpstate.analysis.syn.unanswered", PI_SEQUENCE, PI_WARN,
          "SYN retransmitted without an answer: the server did not take it", EXPFILL } },
        { &ei_invalid_flags, { "tcpstate.analysis.flags.invalid", PI_PROTOCOL, PI_WARN,
          "Flag combination no TCP stack sends: no state change", EXPFILL } },
        { &ei_ack_unseen, { "tcpstate.analysis.ack.unseen", PI_SEQUENCE, PI_WARN,
          "Acknowledges data the capture does not show (capture gap)", EXPFILL } },
        { &ei_closed_peer, { "tcpstate.analysis.closed_peer", PI_SEQUENCE, PI_WARN,
          "Segment from or to an endpoint that is CLOSED", EXPFILL } },
        { &ei_icmp_quoted, { "tcpstate.analysis.icmp_quoted", PI_SEQUENCE, PI_NOTE,
          "ICMP error about this connection: not used for its state", EXPFILL } },
        { &ei_truncated, { "tcpstate.analysis.truncated", PI_SEQUENCE, PI_NOTE,
          "TCP header or length not captured: segment not used for the state", EXPFILL } },
        { &ei_not_seen, { "tcpstate.analysis.not_analysed", PI_UNDECODED, PI_WARN,
          "TCP layer that reached TCP other than through IP (Decode As over another protocol, a tunnel "
          "calling TCP directly, an exported PDU, or IP protocol 6 given to another dissector): not analysed",
          EXPFILL } },
        { &ei_gap, { "tcpstate.analysis.gap", PI_SEQUENCE, PI_WARN,
          "Begins beyond what its sender was seen to send: segments missing from the capture (or reordered); "
          "states inferred across the gap", EXPFILL } },
        { &ei_out_of_order, { "tcpstate.analysis.out_of_order", PI_SEQUENCE, PI_NOTE,
          "Fills a hole left by a later segment: sent earlier, captured later (not a retransmission)", EXPFILL } },
        { &ei_close_wait_long, { "tcpstate.analysis.close_wait.long", PI_SEQUENCE, PI_WARN,
          "CLOSE_WAIT lasted longer than tcpstate.close_wait_max: the application did not close its socket",
          EXPFILL } },
        { &ei_fin_wait_2_long, { "tcpstate.analysis.fin_wait_2.long", PI_SEQUENCE, PI_WARN,
          "FIN_WAIT_2 lasted longer than tcpstate.fin_wait_2_max (tcp_fin_timeout): the peer never closed",
          EXPFILL } },
        { &ei_server_time_wait, { "tcpstate.analysis.time_wait.server", PI_SEQUENCE, PI_NOTE,
          "The server closed actively: its end waits in TIME_WAIT", EXPFILL } },
        { &ei_server_tw_many, { "tcpstate.analysis.time_wait.server_many", PI_SEQUENCE, PI_WARN,
          "Many server ends in TIME_WAIT within 2*MSL (tcpstate.server_time_wait_many): let clients close first",
          EXPFILL } },
        { &ei_syn_sent_many, { "tcpstate.analysis.syn_sent.many", PI_SEQUENCE, PI_WARN,
          "Host has many connections in SYN_SENT (tcpstate.syn_sent_many): scanning, or servers unreachable",
          EXPFILL } },
        { &ei_rst_in_time_wait, { "tcpstate.analysis.rst.time_wait", PI_SEQUENCE, PI_WARN,
          "RST to an end in TIME_WAIT: TIME-WAIT assassination (RFC 1337)", EXPFILL } },
        { &ei_half_open_unanswered, { "tcpstate.analysis.half_open.unanswered", PI_SEQUENCE, PI_WARN,
          "Half-open: the connection ended with its SYN never answered", EXPFILL } },
        { &ei_half_open_incomplete, { "tcpstate.analysis.half_open.incomplete", PI_SEQUENCE, PI_WARN,
          "Half-open: the SYN was answered but the handshake never completed", EXPFILL } },
    };

    int watch_hfs[G_N_ELEMENTS(watch_experts)];
    int all_hfs[G_N_ELEMENTS(ei)];

    expert_register_field_array(expert_register_protocol(proto), ei, array_length(ei));
    for (size_t i = 0; i < G_N_ELEMENTS(watch_experts); i++)
        watch_hfs[i] = watch_experts[i].ei->hf;
    tcpstate_wanted_group_add(WANTED_WATCHES, watch_hfs, G_N_ELEMENTS(watch_hfs));
    for (size_t i = 0; i < G_N_ELEMENTS(ei); i++)
        all_hfs[i] = ei[i].ids->hf;
    tcpstate_wanted_group_add(WANTED_EXPERTS, all_hfs, G_N_ELEMENTS(all_hfs));
}
