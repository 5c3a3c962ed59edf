/* tcpstate-hook.c - reads each TCP header on its way to Wireshark's TCP
 * dissector (see tcpstate-hook.h).
 *
 * Why a hook and not the postdissector's wanted fields: a postdissector gets
 * TCP's fields only by declaring them, and tshark then builds a protocol
 * tree for every packet of every run, which cost 18 % of a plain tshark run
 * before tcpstate did anything (README, "Performance").  The hook's handle
 * has no protocol of its own: it adds no layer to the frame, and disabling
 * tcpstate can never disable TCP.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define WS_BUILD_DLL
#include <epan/conversation.h>
#include <epan/exceptions.h>
#include <epan/ipproto.h>
#include <epan/packet.h>
#include <epan/dissectors/packet-tcp.h>
#include <wsutil/wslog.h>

#include "tcpstate-hook.h"
#include "tcpstate_conn_table.h"
#include "ws_compat.h"

/* TCP reads its fixed header up to the window field, then finds the
 * conversation that gives tcp.stream: with fewer bytes captured it throws
 * before that, and the header has no stream. */
#define TCP_BYTES_BEFORE_STREAM 16

static dissector_handle_t tcp_handle;   /* Wireshark's TCP */
static dissector_handle_t hook_handle;  /* ours, in front of it */
static dissector_table_t ip_proto_table;
static int proto_tcp = -1;
static int proto_icmp = -1;
static int proto_icmpv6 = -1;

/* The TCP headers of the frame being dissected, on every pass. */
static struct {
    guint32 frame;
    guint n;
    tcp_layer_t layers[TCPS_MAX_LAYERS];
} seen;

/* The capture's connections, whose 4-tuple table serves as a memo of
 * tcp.stream.  TCP opens a new conversation on a 4-tuple only at a SYN, so
 * a segment without SYN belongs to the stream its 4-tuple had: asking TCP's
 * conversation table again costs as much as all the rest of the hook.  A
 * memo, never the truth: it forgets a 4-tuple once both ends of its
 * connection are done, and every SYN asks TCP. */
static const struct tcps_conn_table *conns;

/* Whether an ICMP or ICMPv6 error encloses the header.  Both set
 * in_error_pkt for the datagram they quote (so do a few others, whose TCP
 * headers TCP and tcpstate take as truncated): only then is pinfo->layers
 * walked. */
static gboolean quoted_by_icmp(const packet_info *pinfo)
{
    if (!pinfo->flags.in_error_pkt)
        return FALSE;
    for (wmem_list_frame_t *f = wmem_list_head(pinfo->layers); f; f = wmem_list_frame_next(f)) {
        int proto = GPOINTER_TO_INT(wmem_list_frame_data(f));
        if (proto == proto_icmp || proto == proto_icmpv6)
            return TRUE;
    }
    return FALSE;
}

/* How many TCP layers Wireshark counted in the frame, whatever route
 * reached TCP: pinfo->proto_layers maps a protocol to the number of its
 * layers so far (an int, in 4.0 to 4.6).  It never counts fewer than the
 * frame's list of layers holds; more when a layer was taken off the list
 * but kept its number. */
static guint tcp_layers_counted(const packet_info *pinfo)
{
    const int *n = pinfo->proto_layers ? (const int *)wmem_map_lookup(pinfo->proto_layers, GINT_TO_POINTER(proto_tcp))
                                       : NULL;
    return n && *n > 0 ? (guint)*n : 0;
}

/* The frame's TCP layers by a walk of its list of layers: each is the
 * header the hook saw at its position, or NULL (it reached TCP another way). */
static guint walk_tcp_layers(const packet_info *pinfo, guint n, const tcp_layer_t *hooked[TCPS_MAX_LAYERS])
{
    guint count = 0, at = 0;

    for (wmem_list_frame_t *f = wmem_list_head(pinfo->layers); f && count < TCPS_MAX_LAYERS;
         f = wmem_list_frame_next(f), at++) {
        if (GPOINTER_TO_INT(wmem_list_frame_data(f)) != proto_tcp)
            continue;
        hooked[count] = NULL;
        for (guint i = 0; i < n; i++)
            if (seen.layers[i].position == at)
                hooked[count] = &seen.layers[i];
        count++;
    }
    return count;
}

/* TCPSTATE_CHECK_LAYERS: every frame taken from the count is walked too,
 * the two compared, and how many frames each way took reported at file
 * close (tests/test_fields.py, hook). */
static struct {
    gboolean on, warned;
    guint counted, walked;
} check_layers;

static void compare_with_walk(const packet_info *pinfo, guint n, const tcp_layer_t *const counted[])
{
    const tcp_layer_t *walked[TCPS_MAX_LAYERS];

    check_layers.counted++;
    if ((walk_tcp_layers(pinfo, n, walked) != n || memcmp(walked, counted, n * sizeof *walked) != 0) &&
        !check_layers.warned) {
        ws_warning("TCP State: frame %u: its TCP layers by Wireshark's count differ from its list of layers",
                   pinfo->num);
        check_layers.warned = TRUE;
    }
}

guint tcpstate_frame_tcp_layers(const packet_info *pinfo, const tcp_layer_t *hooked[TCPS_MAX_LAYERS])
{
    guint n = seen.frame == pinfo->num ? seen.n : 0;

    if (tcp_layers_counted(pinfo) != n) {
        check_layers.walked++;
        return walk_tcp_layers(pinfo, n, hooked);
    }
    /* Every TCP layer came through the hook (nearly every frame): they are
     * the hooked headers, in order, known without the walk, which cost
     * about 100 instructions a packet. */
    for (guint i = 0; i < n; i++)
        hooked[i] = &seen.layers[i];
    if (check_layers.on)
        compare_with_walk(pinfo, n, hooked);
    return n;
}

/* The segment in the header `hdr`, of which `have` bytes were captured.
 * FALSE when the state machine cannot take it: too little captured or an
 * impossible data offset (tcps_read_segment), or no tcp.len (TCP gives none
 * for a fragment or inside an ICMP error). */
static gboolean read_segment(const guint8 *hdr, guint have, tvbuff_t *tvb, const packet_info *pinfo,
                             tcp_layer_t *layer)
{
    if (have < 20 || pinfo->fragmented || pinfo->flags.in_error_pkt)
        return FALSE;
    layer->seg.time_us = tcpstate_time_us(pinfo);
    return tcps_read_segment(hdr, (size_t)have, tvb_reported_length(tvb), &layer->seg, &layer->captured);
}

/* A 32-bit digest of an address, the state machine's name for it.  An IPv4
 * address is its own digest, so no two collide. */
static guint32 address_digest(const address *addr)
{
    guint32 v4;

    if (addr->type == AT_IPv4 && addr->len == 4) {
        memcpy(&v4, addr->data, 4);
        return v4;
    }
    return add_address_to_hash(0, addr);
}

/* Before TCP: what the header says, for the frame's next TCP layer. */
static tcp_layer_t *layer_begin(tvbuff_t *tvb, const packet_info *pinfo)
{
    tcp_layer_t *layer;
    guint have = tvb_captured_length(tvb);
    const guint8 *hdr = have ? tvb_get_ptr(tvb, 0, (gint)MIN(have, TCPS_HEADER_MAX)) : NULL;
    /* TCP appends itself to pinfo->layers next; this handle adds nothing. */
    guint position = wmem_list_count(pinfo->layers);

    /* A frame's TCP layers come at rising positions; one at or before the
     * last one seen starts a new dissection of the same frame (the GUI
     * dissects a frame again at a click). */
    if (seen.frame != pinfo->num || (seen.n && position <= seen.layers[seen.n - 1].position)) {
        seen.frame = pinfo->num;
        seen.n = 0;
    }
    if (seen.n == TCPS_MAX_LAYERS)
        return NULL;
    layer = &seen.layers[seen.n++];
    memset(layer, 0, sizeof *layer);
    layer->position = position;
    layer->ds_tvb = tvb_get_ds_tvb(tvb);
    layer->offset = tvb_raw_offset(tvb);
    layer->stream = TCPS_NO_STREAM;
    tcps_read_ports(hdr, have, &layer->seg);
    layer->seg.src_addr = address_digest(&pinfo->src);
    layer->seg.dst_addr = address_digest(&pinfo->dst);
    if (quoted_by_icmp(pinfo))
        layer->kind = TCPS_LAYER_QUOTED;
    else
        layer->kind = read_segment(hdr, have, tvb, pinfo, layer) ? TCPS_LAYER_SEGMENT : TCPS_LAYER_TRUNCATED;
    return layer;
}

/* tcp.stream of a segment without SYN whose 4-tuple the memo knows: TCP
 * will not open a new conversation for it, so it is known before TCP runs. */
static gboolean stream_from_memo(tcp_layer_t *layer)
{
    guint32 memo;

    if (layer->kind != TCPS_LAYER_SEGMENT || (layer->seg.flags & TCPS_SYN))
        return FALSE;
    memo = tcps_table_newest_stream(conns, tcps_tuple_key(&layer->seg));
    if (memo)
        layer->stream = memo - 1;
    return memo != 0;
}

/* tcp.stream of the header: the newest TCP conversation of its 4-tuple. */
static guint32 conversation_stream(const packet_info *pinfo, const tcp_layer_t *layer)
{
    conversation_t *conv = find_conversation(pinfo->num, &layer->src, &layer->dst, CONVERSATION_TCP,
                                             layer->seg.sport, layer->seg.dport, 0);
    const struct tcp_analysis *tcpd = conv ? (const struct tcp_analysis *)conversation_get_proto_data(conv, proto_tcp)
                                           : NULL;
    return tcpd ? tcpd->stream : TCPS_NO_STREAM;
}

/* After TCP (or its exception): tcp.stream from TCP's conversation, when TCP
 * got that far. */
static void stream_from_tcp(tcp_layer_t *layer, const packet_info *pinfo, tvbuff_t *tvb)
{
    if (tvb_captured_length(tvb) < TCP_BYTES_BEFORE_STREAM)
        return;
    layer->stream = conversation_stream(pinfo, layer);
}

guint32 tcpstate_layer_stream(const packet_info *pinfo, const tcp_layer_t *layer)
{
    tcp_layer_t *own;

    /* A segment has its header's first 20 bytes: TCP got as far as its
     * conversation, on the first pass as on this one. */
    if (!PINFO_FD_VISITED(pinfo) || layer->kind != TCPS_LAYER_SEGMENT)
        return layer->stream;
    /* Asked once a dissection: the layer is one of the hook's own. */
    own = &seen.layers[layer - seen.layers];
    if (!own->stream_asked) {
        own->stream = conversation_stream(pinfo, layer);
        own->stream_asked = TRUE;
    }
    return own->stream;
}

static int dissect_tcp_hook(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    tcp_layer_t *volatile asking = NULL; /* the header whose tcp.stream TCP must tell */
    volatile int done = 0;
    tcp_layer_t *layer = layer_begin(tvb, pinfo);

    /* On a later pass tcp.stream is asked for only where it is needed
     * (tcpstate_layer_stream). */
    if (!PINFO_FD_VISITED(pinfo))
        asking = layer && !stream_from_memo(layer) ? layer : NULL;
    /* Where TCP's conversation will be asked: TCP's subdissectors may set
     * other addresses before TCP returns. */
    if (layer && (asking || PINFO_FD_VISITED(pinfo))) {
        copy_address_shallow(&layer->src, &pinfo->src);
        copy_address_shallow(&layer->dst, &pinfo->dst);
    }
    /* Calling through a handle decrements can_desegment once more than a
     * direct call from IP would: give TCP what IP gave us. */
    pinfo->can_desegment = pinfo->saved_can_desegment;
    if (!asking)
        return call_dissector_only(tcp_handle, tvb, pinfo, tree, data);
    TRY {
        done = call_dissector_only(tcp_handle, tvb, pinfo, tree, data);
    }
    FINALLY {
        stream_from_tcp(asking, pinfo, tvb);
    }
    ENDTRY;
    return done;
}

void tcpstate_hook_handoff(const struct tcps_conn_table *capture_conns)
{
    conns = capture_conns;
    proto_tcp = proto_get_id_by_filter_name("tcp");
    proto_icmp = proto_get_id_by_filter_name("icmp");
    proto_icmpv6 = proto_get_id_by_filter_name("icmpv6");
    tcp_handle = find_dissector("tcp");
    ip_proto_table = find_dissector_table("ip.proto");
    /* No protocol: the frame gets no extra layer, and "Decode As" lists it
     * under this (unique, required) description. */
    hook_handle = create_dissector_handle_with_name_and_description(dissect_tcp_hook, -1, "tcpstate_tcp",
                                                                    "TCP (read by TCP State)");
    dissector_add_uint("ip.proto", IP_PROTO_TCP, hook_handle);
}

void tcpstate_hook_reset(void)
{
    if (check_layers.on && (check_layers.counted || check_layers.walked))
        ws_message("TCP State: TCP layers of %u frames taken from Wireshark's count, of %u by a walk",
                   check_layers.counted, check_layers.walked);
    memset(&check_layers, 0, sizeof check_layers);
    check_layers.on = g_getenv("TCPSTATE_CHECK_LAYERS") != NULL;
    seen.frame = 0;
    seen.n = 0;
}

void tcpstate_hook_install(gboolean enabled)
{
    dissector_handle_t now = dissector_get_uint_handle(ip_proto_table, IP_PROTO_TCP);

    tcpstate_hook_reset();
    if (!enabled) {
        if (now == hook_handle)
            dissector_add_uint("ip.proto", IP_PROTO_TCP, tcp_handle);
        return;
    }
    /* TCP there: tcpstate was disabled before, or TCP was chosen again
     * explicitly (-d ip.proto==6,tcp); the hook hands everything to TCP. */
    if (now == tcp_handle)
        dissector_add_uint("ip.proto", IP_PROTO_TCP, hook_handle);
    if (now == tcp_handle || now == hook_handle)
        return;
    /* Decode As, a Lua script or another plugin gave IP protocol 6 to
     * another dissector: TCP segments that reach TCP that way are shown as
     * not analysed (tcpstate.analysis.not_analysed), and the user is told why. */
    ws_warning("TCP State: IP protocol 6 goes to \"%s\", not through TCP State's hook; "
               "TCP segments will be marked as not analysed",
               now ? dissector_handle_get_description(now) : "nothing");
}
