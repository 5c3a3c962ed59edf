/* ws_seq_analysis.h - the part of Wireshark's epan/sequence_analysis.h that
 * the "TCP State Flows" graph uses.
 *
 * libwireshark exports register_seq_analysis() and its helpers, but Debian's
 * libwireshark-dev (4.0, 4.4, 4.6) does not install the header.  A flow
 * graph's tap fills in a seq_analysis_item_t that Wireshark allocated, so the
 * layout below must be Wireshark's, field for field, up to the last field
 * written (`display`, `line_style`).  It was read from 4.0.17's source and
 * checked in each release's libwireshark.so, where the code that walks the
 * items shows the offsets:
 *
 *   4.0.17  display at 0x70 (gboolean: movl), src_node 0x74, dst_node 0x78
 *   4.4.19, 4.6.9  has_color_filter 0x6c and display 0x6d (bool: movb);
 *           from 4.6 a free_info_ptr callback follows info_ptr (zeroed by
 *           sequence_analysis_create_sai_with_addresses, never set here)
 *   all     seq_analysis_info_t.items at 0x10
 *
 * The gboolean-to-bool change happened between 4.0 and 4.4; for 4.2 the
 * layout was not checked, so there the graph is not registered
 * (TCPSTATE_HAS_FLOW_GRAPH 0) rather than risk writing a wrong field.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_WS_SEQ_ANALYSIS_H
#define TCPSTATE_WS_SEQ_ANALYSIS_H

#include <stdbool.h>

#include <epan/address.h>
#include <epan/packet_info.h>
#include <epan/tap.h>

#include "ws_compat.h"

#if TCPSTATE_WS_AT_LEAST(4, 4)
#define TCPSTATE_HAS_FLOW_GRAPH 1
typedef bool tcpstate_sa_bool;
#elif !TCPSTATE_WS_AT_LEAST(4, 1)
#define TCPSTATE_HAS_FLOW_GRAPH 1
typedef gboolean tcpstate_sa_bool;
#else
#define TCPSTATE_HAS_FLOW_GRAPH 0
typedef gboolean tcpstate_sa_bool;
#endif

typedef struct _seq_analysis_item {
    guint32 frame_number;
    address src_addr;
    guint16 port_src;
    address dst_addr;
    guint16 port_dst;
    gchar *frame_label;          /* above the arrow (g_malloc'd: Wireshark frees it) */
    gchar *time_str;
    gchar *comment;              /* right of the graph (g_malloc'd) */
    guint16 conv_num;            /* separates conversations in the ASCII dump */
    unsigned fg_color;
    unsigned bg_color;
    tcpstate_sa_bool has_color_filter;
    tcpstate_sa_bool display;    /* drawn at all */
    guint src_node;
    guint dst_node;
    guint16 line_style;
    /* info_type, info_ptr (and from 4.6 free_info_ptr) follow: left zero */
} seq_analysis_item_t;

typedef struct _seq_analysis_info {
    const char *name;
    tcpstate_sa_bool any_addr;
    int nconv;
    GQueue *items;
    /* more fields follow: only Wireshark allocates this struct */
} seq_analysis_info_t;

WS_DLL_PUBLIC void register_seq_analysis(const char *name, const char *ui_name, const int proto_id,
                                         const char *tap_listener, guint tap_flags, tap_packet_cb tap_func);
WS_DLL_PUBLIC seq_analysis_item_t *sequence_analysis_create_sai_with_addresses(packet_info *pinfo,
                                                                               seq_analysis_info_t *sainfo);
WS_DLL_PUBLIC void sequence_analysis_use_color_filter(packet_info *pinfo, seq_analysis_item_t *sai);

#endif /* TCPSTATE_WS_SEQ_ANALYSIS_H */
