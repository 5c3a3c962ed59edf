/* tcpstate-flow.c - "TCP State Flows": Wireshark's flow graph with both
 * endpoints' states.
 *
 *   Statistics > Flow Graph, flow type "TCP State Flows"
 *   tshark -q -z flow,tcpstate,standard[,FILTER]   (or network)
 *
 * A sequence analysis over the "tcpstate" tap, registered as packet-tcp.c
 * registers "TCP Flows": every TCP segment the state machine took is one
 * arrow from its sender's endpoint (address:port) to the receiver's,
 * labelled with its flags and length; the comment (tcpstate_flow.c) gives
 * the states.  Headers quoted by ICMP errors and
 * truncated ones are not tapped, so they draw no arrow.  The tap is fed with
 * or without a protocol tree, so the graph is the same in one pass, with -2
 * and after any re-dissection in the GUI.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define WS_BUILD_DLL
#include <epan/address.h>
#include <epan/packet.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "packet-tcpstate.h"
#include "tcpstate_flow.h"
#include "ws_seq_analysis.h"

#if TCPSTATE_HAS_FLOW_GRAPH
/* The graph's vertical lines are its items' addresses.  An endpoint is an
 * address and a port: make it the node, so that the two ends of a loopback
 * connection (one address) get a line each, as they do in the ladder. */
static void make_endpoint(address *addr, guint16 port)
{
    char *host = address_to_str(NULL, addr);
    char *endpoint = addr->type == AT_IPv6 ? g_strdup_printf("[%s]:%u", host, port)
                                           : g_strdup_printf("%s:%u", host, port);

    free_address(addr);
    alloc_address_wmem(NULL, addr, AT_STRINGZ, (int)strlen(endpoint) + 1, endpoint);
    g_free(endpoint);
    wmem_free(NULL, host);
}

static tap_packet_status flow_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
                                     tap_flags_t flags _U_)
{
    seq_analysis_info_t *sainfo = (seq_analysis_info_t *)tapdata;
    const tcpstate_tap_info_t *info = (const tcpstate_tap_info_t *)data;
    seq_analysis_item_t *sai = sequence_analysis_create_sai_with_addresses(pinfo, sainfo);
    gboolean client_sent = info->result.sender == TCPS_CLIENT;
    guint32 payload = info->result.seglen - ((info->tcp_flags & TCPS_SYN) != 0) - ((info->tcp_flags & TCPS_FIN) != 0);
    char text[TCPS_FLOW_COMMENT_SIZE];

    if (!sai)
        return TAP_PACKET_DONT_REDRAW;
    sai->frame_number = pinfo->num;
    sai->port_src = client_sent ? info->client_port : info->server_port;
    sai->port_dst = client_sent ? info->server_port : info->client_port;
    make_endpoint(&sai->src_addr, sai->port_src);
    make_endpoint(&sai->dst_addr, sai->port_dst);
    tcps_flow_label(text, sizeof text, info->tcp_flags, payload);
    sai->frame_label = g_strdup(text);
    tcps_flow_comment(text, sizeof text, &info->result);
    sai->comment = g_strdup(text);
    sai->line_style = 1;
    sai->conv_num = (guint16)info->stream;
    sai->display = TRUE;
    sequence_analysis_use_color_filter(pinfo, sai); /* the packet's coloring rule, in the GUI */
    g_queue_push_tail(sainfo->items, sai);
    return TAP_PACKET_REDRAW;
}
#endif

void register_tcpstate_flow(int proto)
{
#if TCPSTATE_HAS_FLOW_GRAPH
    register_seq_analysis("tcpstate", "TCP State Flows", proto, "tcpstate", TL_REQUIRES_NOTHING, flow_packet);
#else
    (void)proto;
#endif
}
