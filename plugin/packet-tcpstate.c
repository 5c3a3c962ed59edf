/* packet-tcpstate.c - Wireshark glue for the tcpstate postdissector.
 *
 * Runs after the TCP dissector.  On the first pass over a capture it takes
 * each TCP layer of a frame as the hook in front of TCP read it (the header,
 * tcp.len and tcp.stream: tcpstate-hook.c), feeds the segment to the
 * connection's state machine (tcpstate_fsm.c) and keeps the result, indexed
 * by frame number.  On every pass it only shows the kept
 * result, so one-pass, two-pass (-2) and random access in the GUI agree.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define WS_BUILD_DLL
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto.h>
#include <epan/proto_data.h>
#include <epan/range.h>
#include <epan/tap.h>
#include <epan/ftypes/ftypes.h>

#include "packet-tcpstate.h"
#include "tcpstate-alias.h"
#include "tcpstate-hook.h"
#include "ws_compat.h"
#include "tcpstate_map.h"
#include "tcpstate_fsm.h"
#include "tcpstate_zeek.h"

static int proto_tcpstate = -1;

static int hf_client = -1;
static int hf_server = -1;
static int hf_client_prev = -1;
static int hf_server_prev = -1;
static int hf_sender = -1;
static int hf_transition = -1;
static int hf_seq = -1;
static int hf_ack = -1;
static int hf_nxtseq = -1;
static int hf_isn_client = -1;
static int hf_isn_server = -1;
static int hf_handshake = -1;
static int hf_teardown = -1;
static int hf_inferred = -1;
static int hf_conn_state = -1;
static int hf_history = -1;
static int hf_duration = -1;
static int hf_bytes_client = -1;
static int hf_bytes_server = -1;
static int hf_final = -1;
static int hf_final_client = -1;
static int hf_final_server = -1;
static int hf_final_conn_state = -1;
static int hf_final_history = -1;
static int hf_final_orig = -1;
static int hf_zeek_conn = -1;

static gint ett_tcpstate = -1;
static gint ett_final = -1;
static int tcpstate_tap = -1;

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

static guint pref_msl_s = 30;
static guint pref_close_wait_max_s = 60;
static guint pref_fin_wait_2_max_s = 60;
static guint pref_server_time_wait_many = 100;
static guint pref_syn_sent_many = 50;

/* Zeek's likely_server_ports for TCP in its default (full) configuration:
 * the ports its base scripts register for their analyzers.  They decide the
 * originator of a connection whose SYN was not seen. */
#define ZEEK_SERVER_PORTS "21-22,25,53,79-81,88,135,139,143,389,443,445,465,502,514,563,585,587,614,631,636," \
    "989-990,992-993,995,1080,1434,1883,2811,3128,3268,3306,3389,5222-5223,5269,5432,6379,6666-6669,8000,8080,8888,20000"
static range_t *pref_zeek_ports;
static guint8 zeek_port_bits[65536 / 8];

/* One kept result: what the state machine and the Zeek model said about one
 * TCP layer of a frame, 28 bytes.  The relative sequence and acknowledgement
 * numbers are not kept: they are the packet's own numbers minus the ISNs, so
 * they are recomputed from the frame's bytes when shown (only the offset of
 * the TCP header is kept), except for headers outside the frame's bytes
 * (reassembled IP), whose numbers are kept aside.  The Zeek connection is
 * kept as a difference from the connection's first one.  Results of a
 * frame's first TCP layer live in chunks indexed by frame number; further
 * layers, rare, in the frame's proto data. */
typedef struct {
    guint32 bytes[2];           /* bytes each side (client, server) sent so far, saturating */
    guint32 conn : 29;          /* connection number (conn_at) */
    guint32 not_seen : 1;       /* a TCP layer that reached TCP other than through IP: not analysed */
    guint32 icmp_quoted : 1;    /* a header quoted by an ICMP error: no state change */
    guint32 truncated : 1;      /* header or length not captured: no state change */
    guint32 seglen : 17;        /* as struct tcps_result */
    guint32 handshake : 3;
    guint32 teardown : 4;
    guint32 sender : 1;
    guint32 order : 2;
    guint32 more_layers : 1;    /* (first layer) the frame has more TCP layers, in its proto data */
    guint32 numbers_aside : 1;  /* relative numbers kept in proto data (KEY_NUMBERS) */
    guint32 has_zk : 1;         /* a Zeek connection took the segment */
    guint32 hist_was_h : 1;     /* history was "H", later rewritten "^h" by a role flip */
    guint8 states, prev;        /* as struct tcps_result */
    guint16 notes;
    guint16 tcp_off;            /* where the TCP header starts in the frame's bytes */
    gint8 zk_delta;             /* Zeek connection - the connection's first one; ZK_ASIDE: in proto data */
    guint8 hist_len;            /* Zeek history so far: this many letters of the final one */
    guint8 conn_state;          /* enum zk_conn_state so far */
    guint8 watch;               /* WATCH_*: pathologies seen across time or connections */
} frame_result_t;

#define ZK_ASIDE G_MININT8
/* proto data keys (file scope): frame_result_t of layer i >= 1 at i, kept
 * numbers at KEY_NUMBERS + i, Zeek connection at KEY_ZK + i. */
#define KEY_NUMBERS 16
#define KEY_ZK 32

typedef struct {
    guint32 seq, ack;
    guint16 tcp_flags;
} numbers_t;

/* The flags of a TCP header (byte 13) and its AE bit (byte 12, bit 0). */
#define TCP_FLAGS_MASK 0x1ffu

/* A kept result made ready to show: the state machine's result with its
 * relative numbers, and the Zeek connection's index. */
typedef struct {
    struct tcps_result r;
    const frame_result_t *kept;
    guint32 zk;
    guint16 tcp_flags;         /* as the tap gives them (tcpstate_tap_info_t) */
} shown_t;

/* Pathologies that need time or other connections (bits of frame_result_t.watch). */
#define WATCH_CLOSE_WAIT_LONG   0x01 /* CLOSE_WAIT lasted longer than tcpstate.close_wait_max */
#define WATCH_FIN_WAIT_2_LONG   0x02 /* FIN_WAIT_2 lasted longer than tcpstate.fin_wait_2_max */
#define WATCH_SERVER_TIME_WAIT  0x04 /* the server closed actively: its end is in TIME_WAIT */
#define WATCH_SERVER_TW_MANY    0x08 /* ... and that server has many ends in TIME_WAIT */
#define WATCH_SYN_SENT_MANY     0x10 /* the client host has many connections in SYN_SENT */
#define WATCH_RST_IN_TIME_WAIT  0x20 /* RST arriving at an end in TIME_WAIT (RFC 1337) */

/* Per connection, for the watches: when each side entered its state, and
 * the connection's last frame (to say how it ended, once that is known). */
typedef struct {
    guint64 since_us[2];
    guint32 last_frame;
} conn_watch_t;

/* Per host, for the watches that count across connections. */
typedef struct {
    guint64 window_start_us;    /* server TIME_WAIT entries: counted per 2*MSL window */
    guint32 time_wait;
    guint32 syn_sent;           /* client connections now in SYN_SENT */
} host_watch_t;

/* Per capture file.  Connections are numbered as they appear; every
 * tcp.stream maps to one.  Two streams share a connection when Wireshark
 * split it at a SYN that its receiver takes as part of it (a SYN on an
 * ESTABLISHED connection: RFC 5961 challenge ACK, no new connection). */
typedef struct {
    struct tcps_conn fsm;      /* the state machine (64 bytes) */
    conn_watch_t watch;
    guint32 stream;            /* its first tcp.stream */
    guint32 zk_first;          /* its first Zeek connection */
} conn_t;
static wmem_map_t *conn_pseudo_isn; /* connection -> guint32[2]: sequence bases used before the ISN was seen */
static wmem_map_t *host_watch;     /* address digest -> host_watch_t */
static guint32 conns_used;
static struct tcps_map tuple_stream; /* 4-tuple digest -> latest tcp.stream + 1 */

/* Arrays that grow by fixed chunks: no copying, and no more than one chunk
 * of slack (an array doubling by realloc wastes up to half of itself). */
#define CHUNK_SHIFT 12
#define CHUNK_LEN (1u << CHUNK_SHIFT)
typedef struct {
    void **chunks;
    guint32 n_chunks;
} chunked_t;

static void *chunk_elem(chunked_t *a, guint32 i, size_t elem, gboolean create)
{
    guint32 c = i >> CHUNK_SHIFT;

    if (c >= a->n_chunks) {
        guint32 n = a->n_chunks ? a->n_chunks : 16;
        if (!create)
            return NULL;
        while (n <= c)
            n *= 2;
        a->chunks = g_renew(void *, a->chunks, n);
        memset(a->chunks + a->n_chunks, 0, (n - a->n_chunks) * sizeof *a->chunks);
        a->n_chunks = n;
    }
    if (!a->chunks[c]) {
        if (!create)
            return NULL;
        a->chunks[c] = g_malloc0(CHUNK_LEN * elem);
    }
    return (char *)a->chunks[c] + (size_t)(i & (CHUNK_LEN - 1)) * elem;
}

/* A header the state machine did not take: quoted by an ICMP error, too
 * short, or not seen by the hook.  It changes no state and has no segment
 * fields. */
static gboolean not_a_segment(const frame_result_t *r)
{
    return r->icmp_quoted || r->truncated || r->not_seen;
}

/* Does this record hold a result (a segment's, or a header that was not one)? */
static gboolean is_kept(const frame_result_t *r)
{
    return r->states || not_a_segment(r);
}

static size_t chunked_bytes(const chunked_t *a, size_t elem)
{
    size_t n = 0;
    for (guint32 c = 0; c < a->n_chunks; c++)
        n += a->chunks[c] ? CHUNK_LEN * elem : 0;
    return n + a->n_chunks * sizeof *a->chunks;
}

static void chunked_free(chunked_t *a)
{
    for (guint32 c = 0; c < a->n_chunks; c++)
        g_free(a->chunks[c]);
    g_free(a->chunks);
    a->chunks = NULL;
    a->n_chunks = 0;
}

static chunked_t results;          /* frame_result_t by frame number */
static chunked_t conns;            /* conn_t by connection number */
static chunked_t stream_conns;     /* per tcp.stream: connection number + 1, 0 = none yet */

static conn_t *conn_at(guint32 ci)
{
    return (conn_t *)chunk_elem(&conns, ci, sizeof(conn_t), FALSE);
}

/* Zeek's connections, numbered by appearance.  What the display needs of one
 * is kept for every connection (zk_rec_t, 24 bytes, plus its history once it
 * is final); the full model (struct zk_conn, a few hundred bytes) lives in a
 * slot of the live pool only while Zeek would keep the connection, and the
 * slot is reused once Zeek's timers would have removed it. */
typedef struct {
    guint64 start_us;
    guint32 side0_addr;        /* address digest and port of the end that sent first */
    guint16 side0_port;
    guint8 conn_state;         /* final conn_state, once retired */
    guint8 hist_len;           /* final history length, once retired */
    guint32 live : 1;          /* `at` is a slot of zk_live; else an offset into zk_hist */
    guint32 side0_orig : 1;    /* final: the first sender is Zeek's originator */
    guint32 at : 30;
} zk_rec_t;

typedef struct {
    struct zk_conn c;
    guint64 key;               /* its 4-tuple digest in tuple_zeek */
    guint32 rec;               /* its zk_rec_t index + 1; 0 = free slot */
} zk_live_t;

static chunked_t zk_recs;
static guint32 zk_recs_used;
static zk_live_t *zk_live;         /* the live pool */
static guint32 zk_live_len, zk_live_free, zk_sweep_at;
static guint32 *zk_free_slots;     /* stack of free slot numbers */
static chunked_t zk_hist;          /* final histories, back to back (chunks of CHUNK_LEN bytes) */
static guint32 zk_hist_used;
static struct tcps_map tuple_zeek; /* 4-tuple digest -> live Zeek connection index + 1 */

/* What the plugin holds, in bytes, split into what grows with frames and
 * what grows with connections (hash map entries counted as a key block plus
 * wmem's item of three pointers).  Printed to stderr when the capture is
 * closed if TCPSTATE_MEMSTATS is set: the benchmark reads it. */
static guint32 extra_layer_results;
#define MAP_ENTRY_BYTES (3 * sizeof(void *))

static void report_memory(void)
{
    size_t per_frame, per_conn;
    guint32 frames = 0;

    if (!g_getenv("TCPSTATE_MEMSTATS") || !results.n_chunks)
        return;
    for (guint32 c = 0; c < results.n_chunks; c++)
        for (guint32 i = 0; results.chunks[c] && i < CHUNK_LEN; i++) {
            const frame_result_t *r = (const frame_result_t *)results.chunks[c] + i;
            frames += is_kept(r);
        }
    per_frame = chunked_bytes(&results, sizeof(frame_result_t)) + (size_t)extra_layer_results * sizeof(frame_result_t);
    per_conn = chunked_bytes(&conns, sizeof(conn_t)) +
               chunked_bytes(&stream_conns, sizeof(guint32)) + tcps_map_bytes(&tuple_stream) +
               chunked_bytes(&zk_recs, sizeof(zk_rec_t)) + chunked_bytes(&zk_hist, 1) +
               (size_t)zk_live_len * (sizeof *zk_live + sizeof *zk_free_slots) + tcps_map_bytes(&tuple_zeek) +
               (size_t)wmem_map_size(host_watch) * (sizeof(host_watch_t) + MAP_ENTRY_BYTES) +
               tcpstate_hook_bytes();
    fprintf(stderr, "tcpstate memory: %u TCP frames, %u connections, %u Zeek connections (%u live at most); "
            "per-frame state %zu bytes (%.1f per frame), per-connection state %zu bytes (%.1f per connection)\n",
            frames, conns_used, zk_recs_used, zk_live_len, per_frame, frames ? (double)per_frame / frames : 0.0,
            per_conn, conns_used ? (double)per_conn / conns_used : 0.0);
}

/* At capture close (and before the next file): forget everything. */
static void tcpstate_reset(void)
{
    report_memory();
    tcpstate_hook_reset();
    extra_layer_results = 0;
    chunked_free(&conns);
    conns_used = 0;
    chunked_free(&stream_conns);
    chunked_free(&results);
    tcps_map_free(&tuple_stream);
    chunked_free(&zk_recs);
    zk_recs_used = 0;
    g_free(zk_live);
    zk_live = NULL;
    g_free(zk_free_slots);
    zk_free_slots = NULL;
    zk_live_len = zk_live_free = zk_sweep_at = 0;
    chunked_free(&zk_hist);
    zk_hist_used = 0;
    tcps_map_free(&tuple_zeek);
}

static void tcpstate_init(void)
{
    tcpstate_reset();
    tcpstate_hook_install(proto_is_protocol_enabled(find_protocol_by_id(proto_tcpstate)));
}

static guint32 *stream_slot(guint32 stream)
{
    return (guint32 *)chunk_elem(&stream_conns, stream, sizeof(guint32), TRUE);
}

static guint32 new_conn(guint32 stream)
{
    conn_t *c = (conn_t *)chunk_elem(&conns, conns_used, sizeof(conn_t), TRUE); /* zeroed */

    tcps_conn_init(&c->fsm);
    c->stream = stream;
    return conns_used++;
}

/* The connection a segment belongs to; its stream's first segment decides. */
static guint32 conn_of_segment(guint32 stream, const struct tcps_segment *seg)
{
    guint32 *slot = stream_slot(stream);
    guint64 key;
    guint32 prev_stream;

    if (*slot)
        return *slot - 1;
    key = tcps_tuple_key(seg);
    prev_stream = tcps_map_get(&tuple_stream, key);
    if (prev_stream && (seg->flags & (TCPS_SYN | TCPS_ACK | TCPS_RST)) == TCPS_SYN) {
        guint32 prev_conn = *stream_slot(prev_stream - 1);
        if (prev_conn && tcps_syn_stays_in_connection(&conn_at(prev_conn - 1)->fsm, seg))
            *slot = prev_conn;
    }
    if (!*slot)
        *slot = new_conn(stream) + 1;
    tcps_map_put(&tuple_stream, key, stream + 1);
    return *slot - 1;
}

static frame_result_t *result_slot(guint32 frame)
{
    return (frame_result_t *)chunk_elem(&results, frame, sizeof(frame_result_t), TRUE);
}

/* The result kept for a frame's first TCP layer, or NULL. */
static const frame_result_t *result_of(guint32 frame)
{
    const frame_result_t *r = (const frame_result_t *)chunk_elem(&results, frame, sizeof(frame_result_t), FALSE);
    return r && is_kept(r) ? r : NULL;
}

static zk_rec_t *zk_rec(guint32 idx)
{
    return (zk_rec_t *)chunk_elem(&zk_recs, idx - 1, sizeof(zk_rec_t), FALSE);
}

/* The full model of a live Zeek connection, or NULL once it is retired. */
static const struct zk_conn *zk_live_conn(const zk_rec_t *rec)
{
    return rec->live ? &zk_live[rec->at].c : NULL;
}

static const char *zk_final_history(const zk_rec_t *rec, guint *len)
{
    const struct zk_conn *c = zk_live_conn(rec);

    if (c) {
        *len = c->history_len;
        return c->history;
    }
    *len = rec->hist_len;
    return (const char *)chunk_elem(&zk_hist, rec->at, 1, FALSE);
}

static enum zk_conn_state zk_final_conn_state(const zk_rec_t *rec)
{
    const struct zk_conn *c = zk_live_conn(rec);
    return c ? zk_conn_state(c) : (enum zk_conn_state)rec->conn_state;
}

static gboolean zk_final_side0_orig(const zk_rec_t *rec)
{
    const struct zk_conn *c = zk_live_conn(rec);
    return c ? zk_side0_is_orig(c) : rec->side0_orig;
}

/* Zeek would no longer continue this connection: keep what the display
 * needs and give its slot back. */
static void zk_retire(guint32 slot)
{
    zk_live_t *l = &zk_live[slot];
    zk_rec_t *rec = zk_rec(l->rec);
    guint len = l->c.history_len;
    char *h;

    if ((zk_hist_used & (CHUNK_LEN - 1)) + len + 1 > CHUNK_LEN) /* a history never spans two chunks */
        zk_hist_used = (zk_hist_used | (CHUNK_LEN - 1)) + 1;
    h = (char *)chunk_elem(&zk_hist, zk_hist_used, 1, TRUE);
    memcpy(h, l->c.history, len);
    h[len] = '\0';
    rec->conn_state = (guint8)zk_conn_state(&l->c);
    rec->side0_orig = zk_side0_is_orig(&l->c);
    rec->hist_len = (guint8)len;
    rec->live = 0;
    rec->at = zk_hist_used;
    zk_hist_used += len + 1;
    tcps_map_remove_if(&tuple_zeek, l->key, l->rec);
    l->rec = 0;
    zk_free_slots[zk_live_free++] = slot;
}

/* Retire, a couple of slots per packet, the live connections Zeek's timers
 * have removed by `now`: O(1) per packet, the whole pool every few packets. */
static void zk_sweep(guint64 now)
{
    for (int n = 0; n < 2 && zk_live_len; n++) {
        guint32 slot = zk_sweep_at++ % zk_live_len;
        if (zk_live[slot].rec && zk_conn_removed_by(&zk_live[slot].c, now))
            zk_retire(slot);
    }
}

static guint32 new_zeek_conn(guint64 key, const struct zk_config *cfg, const struct zk_packet *pkt)
{
    guint32 slot, idx = ++zk_recs_used;
    zk_rec_t *rec = (zk_rec_t *)chunk_elem(&zk_recs, idx - 1, sizeof(zk_rec_t), TRUE);
    zk_live_t *l;

    if (!zk_live_free) {
        guint32 n = zk_live_len ? zk_live_len * 2 : 256;
        zk_live = g_renew(zk_live_t, zk_live, n);
        zk_free_slots = g_renew(guint32, zk_free_slots, n);
        for (guint32 i = n; i > zk_live_len; i--) {
            zk_live[i - 1].rec = 0;
            zk_free_slots[zk_live_free++] = i - 1;
        }
        zk_live_len = n;
    }
    slot = zk_free_slots[--zk_live_free];
    l = &zk_live[slot];
    zk_conn_init(&l->c, cfg, pkt);
    l->key = key;
    l->rec = idx;
    rec->start_us = l->c.start_us;
    rec->side0_addr = l->c.side0_addr;
    rec->side0_port = l->c.side0_port;
    rec->live = 1;
    rec->at = slot;
    tcps_map_put(&tuple_zeek, key, idx);
    return idx;
}

static guint32 saturate32(guint64 v) { return v > G_MAXUINT32 ? G_MAXUINT32 : (guint32)v; }

/* Is the end that sent a Zeek connection's first packet the RFC client? */
static gboolean side0_is_client(guint32 side0_addr, guint16 side0_port, const struct tcps_conn *conn)
{
    return side0_addr == conn->client_addr && side0_port == conn->client_port;
}

/* Zeek's view of the segment: its own connections (Zeek splits and times them
 * out by its own rules), history and conn_state so far. */
static guint32 zeek_segment(const struct tcps_segment *seg, guint captured, const struct tcps_conn *conn,
                            frame_result_t *res)
{
    static const struct zk_config cfg = { zeek_port_bits };
    struct zk_packet pkt = {
        .time_us = seg->time_us, .seq = seg->seq, .ack = seg->ack, .len = seg->len,
        .src_addr = seg->src_addr, .sport = seg->sport, .dport = seg->dport, .win = seg->win,
        .flags = seg->flags, .header_truncated = !(captured & 1), .payload_truncated = !(captured & 2),
    };
    guint64 key = tcps_tuple_key(seg);
    guint32 idx = tcps_map_get(&tuple_zeek, key);
    const zk_rec_t *rec = idx ? zk_rec(idx) : NULL;
    struct zk_conn *zk;
    int client_side;

    if (rec && !zk_packet_continues(zk_live_conn(rec), &pkt)) {
        zk_retire(rec->at);
        rec = NULL;
    }
    if (!rec) {
        idx = new_zeek_conn(key, &cfg, &pkt);
        rec = zk_rec(idx);
    }
    zk = &zk_live[rec->at].c;
    zk_packet_seen(zk, &pkt);
    res->has_zk = 1;
    res->hist_len = zk->history_len;
    res->hist_was_h = zk->history_len == 1 && zk->history[0] == 'H';
    res->conn_state = zk_conn_state(zk);
    client_side = side0_is_client(zk->side0_addr, zk->side0_port, conn) ? 0 : 1;
    res->bytes[TCPS_CLIENT] = saturate32(zk_side_bytes(zk, client_side));
    res->bytes[TCPS_SERVER] = saturate32(zk_side_bytes(zk, !client_side));
    zk_sweep(seg->time_us);
    return idx;
}

static host_watch_t *host_of(guint32 addr)
{
    host_watch_t *h = (host_watch_t *)wmem_map_lookup(host_watch, GUINT_TO_POINTER(addr));
    if (!h) {
        h = wmem_new0(wmem_file_scope(), host_watch_t);
        wmem_map_insert(host_watch, GUINT_TO_POINTER(addr), h);
    }
    return h;
}

/* Watch what a single segment cannot show: how long a state lasted, and what
 * many connections of one host add up to (the seed's netstat advice). */
static void watch_segment(guint32 ci, const struct tcps_segment *seg, const struct tcps_result *r,
                          frame_result_t *res)
{
    conn_watch_t *w = &conn_at(ci)->watch;
    enum tcps_side receiver = r->sender == TCPS_CLIENT ? TCPS_SERVER : TCPS_CLIENT;
    guint32 client_addr = r->sender == TCPS_CLIENT ? seg->src_addr : seg->dst_addr;
    guint32 server_addr = r->sender == TCPS_CLIENT ? seg->dst_addr : seg->src_addr;
    guint64 now = seg->time_us;

    for (int side = TCPS_CLIENT; side <= TCPS_SERVER; side++) {
        enum tcps_state before = tcps_result_prev(r, (enum tcps_side)side);
        enum tcps_state after = tcps_result_state(r, (enum tcps_side)side);
        guint64 lasted = now - MIN(now, w->since_us[side]);

        if (before == TCPS_CLOSE_WAIT && lasted >= (guint64)pref_close_wait_max_s * 1000000u)
            res->watch |= WATCH_CLOSE_WAIT_LONG;
        if (before == TCPS_FIN_WAIT_2 && lasted >= (guint64)pref_fin_wait_2_max_s * 1000000u)
            res->watch |= WATCH_FIN_WAIT_2_LONG;
        if (before != after)
            w->since_us[side] = now;
    }
    if ((seg->flags & TCPS_RST) && tcps_result_prev(r, receiver) == TCPS_TIME_WAIT)
        res->watch |= WATCH_RST_IN_TIME_WAIT;

    if (tcps_result_state(r, TCPS_SERVER) == TCPS_TIME_WAIT && tcps_result_prev(r, TCPS_SERVER) != TCPS_TIME_WAIT) {
        host_watch_t *h = host_of(server_addr);
        if (now - MIN(now, h->window_start_us) >= 2ull * pref_msl_s * 1000000u || !h->window_start_us) {
            h->window_start_us = now;
            h->time_wait = 0;
        }
        res->watch |= WATCH_SERVER_TIME_WAIT;
        if (++h->time_wait >= pref_server_time_wait_many)
            res->watch |= WATCH_SERVER_TW_MANY;
    }
    if ((tcps_result_prev(r, TCPS_CLIENT) == TCPS_SYN_SENT) != (tcps_result_state(r, TCPS_CLIENT) == TCPS_SYN_SENT)) {
        host_watch_t *h = host_of(client_addr);
        if (tcps_result_state(r, TCPS_CLIENT) == TCPS_SYN_SENT) {
            h->syn_sent++;
            if (h->syn_sent >= pref_syn_sent_many)
                res->watch |= WATCH_SYN_SENT_MANY;
        } else if (h->syn_sent) {
            h->syn_sent--;
        }
    }
}

static gboolean both_ends_done(guint8 states)
{
    enum tcps_state c = (enum tcps_state)(states >> 4), sv = (enum tcps_state)(states & 0x0f);
    return (c == TCPS_CLOSED || c == TCPS_TIME_WAIT) && (sv == TCPS_CLOSED || sv == TCPS_TIME_WAIT);
}

/* Keep what the state machine said in the compact record. */
static void pack(frame_result_t *res, const struct tcps_result *r)
{
    res->seglen = r->seglen;
    res->handshake = r->handshake;
    res->teardown = r->teardown;
    res->sender = r->sender;
    res->order = r->order & 3;
    res->states = r->states;
    res->prev = r->prev;
    res->notes = r->notes;
}

/* A sequence base replaced by the real ISN (a SYN seen after the capture
 * picked the connection up mid-stream): earlier results used the old one. */
static void remember_pseudo_isn(guint32 ci, const gboolean had_base[2], const guint32 old_isn[2])
{
    for (int side = TCPS_CLIENT; side <= TCPS_SERVER; side++) {
        if (had_base[side] && conn_at(ci)->fsm.isn[side] != old_isn[side]) {
            guint32 *pseudo = (guint32 *)wmem_map_lookup(conn_pseudo_isn, GUINT_TO_POINTER(ci));
            if (!pseudo) {
                pseudo = wmem_alloc_array(wmem_file_scope(), guint32, 2);
                pseudo[TCPS_CLIENT] = conn_at(ci)->fsm.isn[TCPS_CLIENT];
                pseudo[TCPS_SERVER] = conn_at(ci)->fsm.isn[TCPS_SERVER];
                wmem_map_insert(conn_pseudo_isn, GUINT_TO_POINTER(ci), pseudo);
            }
            pseudo[side] = old_isn[side];
        }
    }
}

/* The base a result's relative numbers of `side` were computed against. */
static guint32 sequence_base(const frame_result_t *res, enum tcps_side side)
{
    guint16 seen = side == TCPS_CLIENT ? TCPS_NOTE_ISN_CLIENT : TCPS_NOTE_ISN_SERVER;
    const guint32 *pseudo;

    if (!(res->notes & seen) && (pseudo = (const guint32 *)wmem_map_lookup(conn_pseudo_isn,
                                                                           GUINT_TO_POINTER(res->conn))))
        return pseudo[side];
    return conn_at(res->conn)->fsm.isn[side];
}

/* The state machine, the Zeek model and the watches take a segment of TCP
 * layer i; *res and *r say what they made of it. */
static void analyse_segment(packet_info *pinfo, tvbuff_t *frame_tvb, const tcp_layer_t *layer, guint i,
                            frame_result_t *res, struct tcps_result *r)
{
    const struct tcps_config cfg = { .msl_s = pref_msl_s };
    const struct tcps_segment *seg = &layer->seg;
    conn_t *c;
    gboolean had_base[2];
    guint32 old_isn[2], zk;
    gint64 zk_delta;

    res->conn = conn_of_segment(layer->stream, seg);
    c = conn_at(res->conn);
    for (int side = TCPS_CLIENT; side <= TCPS_SERVER; side++) {
        had_base[side] = tcps_has_base(&c->fsm, (enum tcps_side)side);
        old_isn[side] = c->fsm.isn[side];
    }
    tcps_segment_seen(&c->fsm, &cfg, seg, r);
    remember_pseudo_isn(res->conn, had_base, old_isn);
    if (both_ends_done(r->states))
        /* A SYN on this 4-tuple now opens a new connection whatever came
         * before: the entry that finds this one can go. */
        tcps_map_remove_if(&tuple_stream, tcps_tuple_key(seg), layer->stream + 1);
    zk = zeek_segment(seg, layer->captured, &c->fsm, res);
    watch_segment(res->conn, seg, r, res);
    c->watch.last_frame = pinfo->num;
    if (layer->ds_tvb == frame_tvb && layer->offset >= 0 && layer->offset <= G_MAXUINT16) {
        res->tcp_off = (guint16)layer->offset;
    } else {
        numbers_t *kept = wmem_new(wmem_file_scope(), numbers_t);
        kept->seq = r->seq;
        kept->ack = r->ack;
        kept->tcp_flags = tvb_get_ntohs(layer->ds_tvb, layer->offset + 12) & TCP_FLAGS_MASK;
        res->numbers_aside = 1;
        p_add_proto_data(wmem_file_scope(), pinfo, proto_tcpstate, KEY_NUMBERS + i, kept);
    }
    if (!c->zk_first)
        c->zk_first = zk;
    zk_delta = (gint64)zk - c->zk_first;
    if (zk_delta > G_MININT8 && zk_delta <= G_MAXINT8) {
        res->zk_delta = (gint8)zk_delta;
    } else {
        res->zk_delta = ZK_ASIDE;
        p_add_proto_data(wmem_file_scope(), pinfo, proto_tcpstate, KEY_ZK + i, GUINT_TO_POINTER(zk));
    }
}

/* Keep the result of TCP layer i: the first in the frame-indexed chunks,
 * further ones in the frame's proto data. */
static void keep_result(packet_info *pinfo, guint i, frame_result_t *res, const struct tcps_result *r)
{
    pack(res, r);
    if (i == 0) {
        *result_slot(pinfo->num) = *res;
    } else {
        frame_result_t *extra = wmem_new(wmem_file_scope(), frame_result_t);
        *extra = *res;
        extra_layer_results++;
        result_slot(pinfo->num)->more_layers = 1;
        p_add_proto_data(wmem_file_scope(), pinfo, proto_tcpstate, i, extra);
    }
}

/* The hook's header for the frame's n-th TCP layer, or NULL when that layer
 * reached TCP other than through IP (Decode As over UDP, a tunnel that calls
 * TCP directly, an exported PDU, or IP protocol 6 taken by someone else). */
static const tcp_layer_t *hooked_layer(const tcp_layer_t *layers, guint n, guint16 ordinal)
{
    for (guint i = 0; i < n; i++)
        if (layers[i].ordinal == ordinal)
            return &layers[i];
    return NULL;
}

/* First pass: run the state machine for every TCP layer of the frame. */
static void analyse_frame(packet_info *pinfo, tvbuff_t *frame_tvb)
{
    const tcp_layer_t *layers;
    guint n = tcpstate_hook_layers(pinfo, &layers);
    guint count = tcpstate_tcp_layer_count(pinfo); /* not inside MIN(), which would walk twice */

    count = MIN(count, MAX_TCP_LAYERS);

    for (guint i = 0; i < count; i++) {
        const tcp_layer_t *layer = hooked_layer(layers, n, (guint16)(i + 1));
        frame_result_t res;
        struct tcps_result r;

        memset(&res, 0, sizeof res);
        memset(&r, 0, sizeof r);
        if (!layer)
            res.not_seen = 1;
        else if (layer->kind == TCP_LAYER_QUOTED)
            res.icmp_quoted = 1; /* news about the connection, never a segment of it */
        else if (layer->kind == TCP_LAYER_SEGMENT && layer->stream != G_MAXUINT32)
            analyse_segment(pinfo, frame_tvb, layer, i, &res, &r);
        else
            res.truncated = 1; /* too little of it was captured to know what it did */
        if (res.icmp_quoted || res.truncated) {
            /* Shown with the states of its connection, when it is known. */
            const guint32 *known = layer->stream != G_MAXUINT32
                                 ? (const guint32 *)chunk_elem(&stream_conns, layer->stream, sizeof(guint32), FALSE)
                                 : NULL;
            if (known && *known) {
                res.conn = *known - 1;
                r.states = r.prev = tcps_conn_states(&conn_at(res.conn)->fsm);
            }
        }
        keep_result(pinfo, i, &res, &r);
    }
}

/* Unpack a kept result of TCP layer `layer` for showing. */
static void unpack(packet_info *pinfo, tvbuff_t *tvb, const frame_result_t *kept, guint layer, shown_t *v)
{
    memset(v, 0, sizeof *v);
    v->kept = kept;
    v->r.states = kept->states;
    v->r.prev = kept->prev;
    v->r.notes = kept->notes;
    v->r.seglen = kept->seglen;
    v->r.handshake = kept->handshake;
    v->r.teardown = kept->teardown;
    v->r.sender = kept->sender;
    v->r.order = kept->order;
    if (not_a_segment(kept))
        return;
    if (kept->numbers_aside) {
        const numbers_t *n = (const numbers_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_tcpstate,
                                                                 KEY_NUMBERS + layer);
        if (n) {
            v->r.seq = n->seq;
            v->r.ack = n->ack;
            v->tcp_flags = n->tcp_flags;
        }
    } else if (tvb_bytes_exist(tvb, kept->tcp_off, 14)) {
        enum tcps_side sender = (enum tcps_side)kept->sender;
        enum tcps_side receiver = sender == TCPS_CLIENT ? TCPS_SERVER : TCPS_CLIENT;
        v->r.seq = tvb_get_ntohl(tvb, kept->tcp_off + 4) - sequence_base(kept, sender);
        if (kept->notes & TCPS_NOTE_ACK)
            v->r.ack = tvb_get_ntohl(tvb, kept->tcp_off + 8) - sequence_base(kept, receiver);
        v->tcp_flags = tvb_get_ntohs(tvb, kept->tcp_off + 12) & TCP_FLAGS_MASK;
    }
    if (kept->has_zk)
        v->zk = kept->zk_delta != ZK_ASIDE
              ? conn_at(kept->conn)->zk_first + (guint32)(gint32)kept->zk_delta
              : GPOINTER_TO_UINT(p_get_proto_data(wmem_file_scope(), pinfo, proto_tcpstate, KEY_ZK + layer));
}

/* ------------------------------------------------------------------------ */
/* Showing a result                                                           */

static const char *side_transition(wmem_allocator_t *pool, enum tcps_side side, const struct tcps_result *r)
{
    enum tcps_state before = tcps_result_prev(r, side), after = tcps_result_state(r, side);

    if (before == after || before == TCPS_NONE)
        return NULL;
    return wmem_strdup_printf(pool, "%s %s -> %s", tcps_side_name(side),
                              tcps_state_name(before), tcps_state_name(after));
}

/* An expert info, and its old name when that is asked for. */
static void add_expert(packet_info *pinfo, proto_item *ti, expert_field *ei)
{
    expert_add_info(pinfo, ti, ei);
    if (tcpstate_alias(ti, ei->hf) >= 0)
        tcpstate_alias_expert(ti, ei);
}

static void add_notes(packet_info *pinfo, proto_item *ti, guint16 notes)
{
    static const struct {
        guint16 note;
        expert_field *ei;
    } experts[] = {
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
    for (size_t i = 0; i < G_N_ELEMENTS(experts); i++)
        if (notes & experts[i].note)
            add_expert(pinfo, ti, experts[i].ei);
}

/* The Zeek history a result saw: a prefix of its connection's final history. */
static const char *history_so_far(wmem_allocator_t *pool, const shown_t *v)
{
    const frame_result_t *res = v->kept;
    guint len;
    const char *h = zk_final_history(zk_rec(v->zk), &len);

    if (res->hist_was_h)
        return "H";
    return wmem_strndup(pool, h, MIN(res->hist_len, len));
}

/* Is any of these fields asked for?  Always on a visible tree (-V, the GUI's
 * packet details); on a pruned tree only when a filter, a column or -e names
 * it: Wireshark would throw the other items away, so they are not built. */
static gboolean wanted(proto_tree *tree, const int *hfs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (proto_field_is_referenced(tree, hfs[i]))
            return TRUE;
    return FALSE;
}

/* Add a generated field only when it is wanted: a pruned tree would throw
 * the others away, and adding one costs a few hundred instructions even
 * then (Wireshark checks its length before it decides to drop it). */
static void add_string(proto_tree *st, int hf, tvbuff_t *tvb, const char *value)
{
    if (value && wanted(st, &hf, 1))
        proto_item_set_generated(proto_tree_add_string(st, hf, tvb, 0, 0, value));
    if (value && tcpstate_alias(st, hf) >= 0)
        tcpstate_alias_string(st, hf, tvb, value);
}

static void add_uint(proto_tree *st, int hf, tvbuff_t *tvb, guint32 value)
{
    if (wanted(st, &hf, 1))
        proto_item_set_generated(proto_tree_add_uint(st, hf, tvb, 0, 0, value));
    if (tcpstate_alias(st, hf) >= 0)
        tcpstate_alias_uint(st, hf, tvb, value);
}

static void add_boolean(proto_tree *st, int hf, tvbuff_t *tvb, gboolean value)
{
    if (wanted(st, &hf, 1))
        proto_item_set_generated(proto_tree_add_boolean(st, hf, tvb, 0, 0, value));
}

/* The connection summary as far as the capture has been read. */
static void show_final(proto_tree *st, tvbuff_t *tvb, const frame_result_t *res, const zk_rec_t *zk)
{
    const int fields[] = { hf_final, hf_final_client, hf_final_server, hf_final_conn_state, hf_final_history,
                           hf_final_orig };
    guint hist_len;
    const char *history, *final_cs;
    guint8 final_states;
    proto_item *fi;
    proto_tree *ft;

    if (!wanted(st, fields, G_N_ELEMENTS(fields)) && tcpstate_alias(st, hf_final_conn_state) < 0 &&
        tcpstate_alias(st, hf_final_history) < 0 && tcpstate_alias(st, hf_final_orig) < 0)
        return;
    history = zk_final_history(zk, &hist_len);
    final_cs = zk_conn_state_name(zk_final_conn_state(zk));
    final_states = tcps_conn_states(&conn_at(res->conn)->fsm);
    fi = proto_tree_add_none_format(st, hf_final, tvb, 0, 0, "Connection summary: client %s, server %s, %s %s",
                                    tcps_state_name((enum tcps_state)(final_states >> 4)),
                                    tcps_state_name((enum tcps_state)(final_states & 0x0f)),
                                    final_cs, history);
    proto_item_set_generated(fi);
    ft = proto_item_add_subtree(fi, ett_final);
    add_string(ft, hf_final_client, tvb, tcps_state_name((enum tcps_state)(final_states >> 4)));
    add_string(ft, hf_final_server, tvb, tcps_state_name((enum tcps_state)(final_states & 0x0f)));
    add_string(ft, hf_final_conn_state, tvb, final_cs);
    add_string(ft, hf_final_history, tvb, history);
    add_string(ft, hf_final_orig, tvb,
               tcps_side_name(zk_final_side0_orig(zk) == side0_is_client(zk->side0_addr, zk->side0_port,
                                                                         &conn_at(res->conn)->fsm)
                              ? TCPS_CLIENT : TCPS_SERVER));
}

static void show_summary(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const shown_t *v)
{
    const frame_result_t *res = v->kept;
    const zk_rec_t *zk = zk_rec(v->zk);
    nstime_t duration;
    guint64 since = tcpstate_time_us(pinfo);

    since = since >= zk->start_us ? since - zk->start_us : 0;
    duration.secs = (time_t)(since / 1000000u);
    duration.nsecs = (int)(since % 1000000u) * 1000;

    add_string(st, hf_conn_state, tvb, zk_conn_state_name((enum zk_conn_state)res->conn_state));
    if (wanted(st, &hf_history, 1) || tcpstate_alias(st, hf_history) >= 0)
        add_string(st, hf_history, tvb, history_so_far(pinfo->pool, v));
    if (wanted(st, &hf_duration, 1))
        proto_item_set_generated(proto_tree_add_time(st, hf_duration, tvb, 0, 0, &duration));
    if (tcpstate_alias(st, hf_duration) >= 0)
        tcpstate_alias_time(st, hf_duration, tvb, &duration);
    add_uint(st, hf_bytes_client, tvb, res->bytes[TCPS_CLIENT]);
    add_uint(st, hf_bytes_server, tvb, res->bytes[TCPS_SERVER]);
    add_uint(st, hf_zeek_conn, tvb, v->zk);

    show_final(st, tvb, res, zk);
}

static void queue_tap(packet_info *pinfo, const shown_t *v)
{
    const frame_result_t *res = v->kept;
    tcpstate_tap_info_t *info = wmem_new0(pinfo->pool, tcpstate_tap_info_t);
    const struct tcps_conn *conn = &conn_at(res->conn)->fsm;
    gboolean client_sent = v->r.sender == TCPS_CLIENT;

    info->conn = res->conn;
    info->stream = conn_at(res->conn)->stream;
    info->conn_state = res->conn_state;
    info->history = history_so_far(pinfo->pool, v);
    info->time_us = tcpstate_time_us(pinfo);
    info->time_wait_since_us = tcps_time_wait_since(conn);
    info->msl_s = pref_msl_s;
    info->bytes_client = res->bytes[TCPS_CLIENT];
    info->bytes_server = res->bytes[TCPS_SERVER];
    info->client_addr = client_sent ? &pinfo->src : &pinfo->dst;
    info->server_addr = client_sent ? &pinfo->dst : &pinfo->src;
    info->client_port = conn->client_port;
    info->server_port = (guint16)(client_sent ? pinfo->destport : pinfo->srcport);
    info->result = v->r;
    info->tcp_flags = v->tcp_flags;
    tap_queue_packet(tcpstate_tap, pinfo, info);
}

static void add_watch(packet_info *pinfo, proto_item *ti, const shown_t *v)
{
    const frame_result_t *res = v->kept;
    static const struct {
        guint16 bit;
        expert_field *ei;
    } experts[] = {
        { WATCH_CLOSE_WAIT_LONG, &ei_close_wait_long },
        { WATCH_FIN_WAIT_2_LONG, &ei_fin_wait_2_long },
        { WATCH_SERVER_TIME_WAIT, &ei_server_time_wait },
        { WATCH_SERVER_TW_MANY, &ei_server_tw_many },
        { WATCH_SYN_SENT_MANY, &ei_syn_sent_many },
        { WATCH_RST_IN_TIME_WAIT, &ei_rst_in_time_wait },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(experts); i++)
        if (res->watch & experts[i].bit)
            add_expert(pinfo, ti, experts[i].ei);

    /* How the connection ended is known once the capture has been read: say
     * it on its last segment when the handshake never completed. */
    if (PINFO_FD_VISITED(pinfo) && res->conn < conns_used && conn_at(res->conn)->watch.last_frame == pinfo->num) {
        guint8 st = tcps_conn_states(&conn_at(res->conn)->fsm);
        enum tcps_state client = (enum tcps_state)(st >> 4), server = (enum tcps_state)(st & 0x0f);
        if (client == TCPS_SYN_SENT)
            add_expert(pinfo, ti, &ei_half_open_unanswered);
        else if (client == TCPS_ESTABLISHED && server == TCPS_SYN_RCVD)
            add_expert(pinfo, ti, &ei_half_open_incomplete);
    }
}

static void add_experts(packet_info *pinfo, proto_item *ti, const shown_t *v)
{
    add_notes(pinfo, ti, v->r.notes);
    if (v->r.order & TCPS_ORDER_GAP)
        add_expert(pinfo, ti, &ei_gap);
    if (v->r.order & TCPS_ORDER_OUT_OF_ORDER)
        add_expert(pinfo, ti, &ei_out_of_order);
    add_watch(pinfo, ti, v);
}

static void show_result(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const shown_t *v)
{
    const frame_result_t *res = v->kept;
    const struct tcps_result *r = &v->r;
    enum tcps_state client = tcps_result_state(r, TCPS_CLIENT);
    enum tcps_state server = tcps_result_state(r, TCPS_SERVER);
    const struct tcps_conn *conn = res->conn < conns_used ? &conn_at(res->conn)->fsm : NULL;
    const char *tc, *ts;
    proto_item *ti;
    proto_tree *st;

    ti = proto_tree_add_item(tree, proto_tcpstate, tvb, 0, 0, ENC_NA);
    st = proto_item_add_subtree(ti, ett_tcpstate);
    if (res->icmp_quoted)
        add_expert(pinfo, ti, &ei_icmp_quoted);
    if (res->truncated)
        add_expert(pinfo, ti, &ei_truncated);
    if (res->not_seen)
        add_expert(pinfo, ti, &ei_not_seen);
    if (client == TCPS_NONE) {
        proto_item_append_text(ti, ": connection not seen yet");
        return;
    }
    if (!proto_field_is_referenced(tree, proto_tcpstate)) {
        /* A tree built for something else (a TCP field, another filter): no
         * tcpstate field is wanted, so only the expert infos, which the
         * expert statistics and _ws.expert filters see. */
        if (!not_a_segment(res))
            add_experts(pinfo, ti, v);
        return;
    }
    proto_item_append_text(ti, ": client %s, server %s", tcps_state_name(client), tcps_state_name(server));

    add_string(st, hf_client, tvb, tcps_state_name(client));
    add_string(st, hf_server, tvb, tcps_state_name(server));
    if (not_a_segment(res))
        return;
    add_string(st, hf_client_prev, tvb, tcps_state_name(tcps_result_prev(r, TCPS_CLIENT)));
    add_string(st, hf_server_prev, tvb, tcps_state_name(tcps_result_prev(r, TCPS_SERVER)));
    add_string(st, hf_sender, tvb, tcps_side_name((enum tcps_side)r->sender));

    tc = ts = NULL;
    if (wanted(st, &hf_transition, 1)) {
        tc = side_transition(pinfo->pool, TCPS_CLIENT, r);
        ts = side_transition(pinfo->pool, TCPS_SERVER, r);
    }
    if (tc || ts) {
        const char *both = (tc && ts) ? wmem_strdup_printf(pinfo->pool, "%s, %s", tc, ts)
                                      : (tc ? tc : ts);
        add_string(st, hf_transition, tvb, both);
    }
    add_string(st, hf_handshake, tvb, tcps_handshake_name((enum tcps_handshake)r->handshake));
    add_string(st, hf_teardown, tvb, tcps_teardown_name((enum tcps_teardown)r->teardown));

    add_uint(st, hf_seq, tvb, r->seq);
    if (r->notes & TCPS_NOTE_ACK)
        add_uint(st, hf_ack, tvb, r->ack);
    add_uint(st, hf_nxtseq, tvb, r->seq + r->seglen);
    if (conn && (r->notes & TCPS_NOTE_ISN_CLIENT))
        add_uint(st, hf_isn_client, tvb, conn->isn[TCPS_CLIENT]);
    if (conn && (r->notes & TCPS_NOTE_ISN_SERVER))
        add_uint(st, hf_isn_server, tvb, conn->isn[TCPS_SERVER]);
    add_boolean(st, hf_inferred, tvb, (r->notes & TCPS_NOTE_INFERRED) != 0);
    if (v->zk && v->zk <= zk_recs_used)
        show_summary(st, tvb, pinfo, v);
    add_experts(pinfo, ti, v);
}

/* Notes that are only facts about the segment, not expert infos. */
#define NOTES_NOT_EXPERT (TCPS_NOTE_INFERRED | TCPS_NOTE_ISN_CLIENT | TCPS_NOTE_ISN_SERVER | TCPS_NOTE_ACK)

/* Would this result add anything to a tree that wants no tcpstate field?
 * Only expert infos (the expert statistics and _ws.expert filters see them). */
static gboolean has_experts(packet_info *pinfo, const frame_result_t *res)
{
    return not_a_segment(res) || (res->notes & ~NOTES_NOT_EXPERT) || res->order || res->watch ||
           (PINFO_FD_VISITED(pinfo) && res->conn < conns_used && conn_at(res->conn)->watch.last_frame == pinfo->num);
}

/* The kept result of the frame's TCP layer `layer` (0: the first), or NULL. */
static const frame_result_t *layer_result(packet_info *pinfo, const frame_result_t *first, guint layer)
{
    if (layer == 0)
        return first;
    if (!first->more_layers || layer >= MAX_TCP_LAYERS)
        return NULL;
    return (const frame_result_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_tcpstate, layer);
}

static int dissect_tcpstate(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const frame_result_t *first, *kept;
    gboolean tapped, shown;
    shown_t v;

    if (!PINFO_FD_VISITED(pinfo))
        analyse_frame(pinfo, tvb);
    if (!(first = result_of(pinfo->num)))
        return 0;
    /* The statistics tap is fed with or without a tree: tshark's second pass
     * and the GUI's retapping for a statistics window build none unless a
     * tap asks for it.  A tree that references no tcpstate field (the common
     * case when tcpstate is installed but not asked for) gets only the expert
     * infos, and only when there are some. */
    tapped = have_tap_listener(tcpstate_tap);
    shown = tree && (first->more_layers || has_experts(pinfo, first) ||
                     proto_field_is_referenced(tree, proto_tcpstate));
    for (guint i = 0; (tapped || shown) && (kept = layer_result(pinfo, first, i)) != NULL; i++) {
        unpack(pinfo, tvb, kept, i, &v);
        if (tapped && v.zk)
            queue_tap(pinfo, &v);
        if (shown)
            show_result(tree, tvb, pinfo, &v);
    }
    return tree ? tvb_captured_length(tvb) : 0;
}

/* ------------------------------------------------------------------------ */
/* Registration                                                               */

static void apply_prefs(void)
{
    memset(zeek_port_bits, 0, sizeof zeek_port_bits);
    for (guint32 port = 0; port < 65536; port++)
        if (pref_zeek_ports && value_is_in_range(pref_zeek_ports, port))
            zeek_port_bits[port >> 3] |= (guint8)(1u << (port & 7));
}

const char *tcpstate_state_name(guint state)
{
    return tcps_state_name((enum tcps_state)state);
}

const char *tcpstate_conn_state_name(guint cs)
{
    return zk_conn_state_name((enum zk_conn_state)cs);
}

void proto_register_tcpstate(void)
{
    static hf_register_info hf[] = {
        { &hf_client, { "Client state", "tcpstate.client", FT_STRING, BASE_NONE, NULL, 0x0,
          "State of the client (the end that sent the first SYN) after this segment", HFILL } },
        { &hf_server, { "Server state", "tcpstate.server", FT_STRING, BASE_NONE, NULL, 0x0,
          "State of the server after this segment", HFILL } },
        { &hf_client_prev, { "Client state before", "tcpstate.client.prev", FT_STRING, BASE_NONE, NULL, 0x0,
          "State of the client before this segment", HFILL } },
        { &hf_server_prev, { "Server state before", "tcpstate.server.prev", FT_STRING, BASE_NONE, NULL, 0x0,
          "State of the server before this segment", HFILL } },
        { &hf_sender, { "Sender", "tcpstate.sender", FT_STRING, BASE_NONE, NULL, 0x0,
          "Who sent this segment: client or server", HFILL } },
        { &hf_transition, { "Transition", "tcpstate.transition", FT_STRING, BASE_NONE, NULL, 0x0,
          "The state changes this segment caused", HFILL } },
        { &hf_seq, { "Sequence number (relative to ISN)", "tcpstate.seq", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Sequence number relative to the sender's ISN", HFILL } },
        { &hf_ack, { "Acknowledgment number (relative to ISN)", "tcpstate.ack", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Acknowledgment number relative to the receiver's ISN", HFILL } },
        { &hf_nxtseq, { "Next sequence number (relative to ISN)", "tcpstate.nxtseq", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Sequence number after this segment: seq + payload + SYN + FIN", HFILL } },
        { &hf_isn_client, { "Client ISN", "tcpstate.isn.client", FT_UINT32, BASE_HEX, NULL, 0x0,
          "The client's raw initial sequence number", HFILL } },
        { &hf_isn_server, { "Server ISN", "tcpstate.isn.server", FT_UINT32, BASE_HEX, NULL, 0x0,
          "The server's raw initial sequence number", HFILL } },
        { &hf_handshake, { "Handshake", "tcpstate.handshake", FT_STRING, BASE_NONE, NULL, 0x0,
          "The segment's role in the opening handshake", HFILL } },
        { &hf_teardown, { "Teardown", "tcpstate.teardown", FT_STRING, BASE_NONE, NULL, 0x0,
          "The segment's role in the closing", HFILL } },
        { &hf_inferred, { "Inferred", "tcpstate.inferred", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "Roles and states inferred: the opening handshake was not captured", HFILL } },
        { &hf_conn_state, { "Zeek conn_state", "tcpstate.zeek.conn_state", FT_STRING, BASE_NONE, NULL, 0x0,
          "Zeek's conn.log conn_state of the connection so far (S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH)",
          HFILL } },
        { &hf_history, { "Zeek history", "tcpstate.zeek.history", FT_STRING, BASE_NONE, NULL, 0x0,
          "Zeek's conn.log history of the connection so far (upper case: originator)", HFILL } },
        { &hf_duration, { "Duration", "tcpstate.zeek.duration", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time since the connection's first packet", HFILL } },
        { &hf_bytes_client, { "Bytes from client", "tcpstate.zeek.bytes.client", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Bytes the client has sent so far, in sequence space without SYN and FIN (Zeek's orig_bytes)", HFILL } },
        { &hf_bytes_server, { "Bytes from server", "tcpstate.zeek.bytes.server", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Bytes the server has sent so far, in sequence space without SYN and FIN (Zeek's resp_bytes)", HFILL } },
        { &hf_final, { "Connection summary", "tcpstate.final", FT_NONE, BASE_NONE, NULL, 0x0,
          "How the connection ended (as far as the capture has been read)", HFILL } },
        { &hf_final_client, { "Final client state", "tcpstate.final.client", FT_STRING, BASE_NONE, NULL, 0x0,
          "The client's state after the connection's last segment", HFILL } },
        { &hf_final_server, { "Final server state", "tcpstate.final.server", FT_STRING, BASE_NONE, NULL, 0x0,
          "The server's state after the connection's last segment", HFILL } },
        { &hf_final_conn_state, { "Final Zeek conn_state", "tcpstate.zeek.final.conn_state", FT_STRING, BASE_NONE, NULL,
          0x0, "Zeek's conn_state for the whole connection", HFILL } },
        { &hf_final_history, { "Final Zeek history", "tcpstate.zeek.final.history", FT_STRING, BASE_NONE, NULL, 0x0,
          "Zeek's history for the whole connection", HFILL } },
        { &hf_final_orig, { "Zeek originator", "tcpstate.zeek.final.orig", FT_STRING, BASE_NONE, NULL, 0x0,
          "Which end Zeek calls the originator: client or server (they differ when Zeek flipped the roles)",
          HFILL } },
        { &hf_zeek_conn, { "Zeek connection", "tcpstate.zeek.conn", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Zeek's connection for this packet, numbered by appearance (Zeek splits a 4-tuple by its own "
          "timers and reuse rules, so this can differ from tcp.stream)", HFILL } },
    };
    static gint *ett[] = { &ett_tcpstate, &ett_final };
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
    module_t *module;
    expert_module_t *expert;

    proto_tcpstate = proto_register_protocol("TCP endpoint state", "TCP State", "tcpstate");
    proto_register_field_array(proto_tcpstate, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert = expert_register_protocol(proto_tcpstate);
    expert_register_field_array(expert, ei, array_length(ei));
    tcpstate_register_aliases(proto_tcpstate);

    module = prefs_register_protocol(proto_tcpstate, apply_prefs);
    prefs_register_uint_preference(module, "msl", "Maximum segment lifetime (seconds)",
        "TIME_WAIT lasts twice this long. 30 s gives Linux's 60 s TIME_WAIT; 120 s gives RFC 9293's 240 s.",
        10, &pref_msl_s);
    prefs_register_uint_preference(module, "close_wait_max", "CLOSE_WAIT warning after (seconds)",
        "Warn when an end stays in CLOSE_WAIT this long: its application has not closed the socket.",
        10, &pref_close_wait_max_s);
    prefs_register_uint_preference(module, "fin_wait_2_max", "FIN_WAIT_2 warning after (seconds)",
        "Warn when an end stays in FIN_WAIT_2 this long (Linux's tcp_fin_timeout is 60 s).",
        10, &pref_fin_wait_2_max_s);
    prefs_register_uint_preference(module, "server_time_wait_many", "Many server TIME_WAIT ends",
        "Warn when one server address has this many ends enter TIME_WAIT within 2*MSL.",
        10, &pref_server_time_wait_many);
    prefs_register_uint_preference(module, "syn_sent_many", "Many SYN_SENT connections",
        "Warn when one host has this many connections in SYN_SENT at once (the scanning pattern).",
        10, &pref_syn_sent_many);
    range_convert_str(wmem_epan_scope(), &pref_zeek_ports, ZEEK_SERVER_PORTS, 65535);
    prefs_register_range_preference(module, "zeek_server_ports", "Zeek likely server ports",
        "Ports Zeek takes as servers when a connection starts without its SYN (Zeek's likely_server_ports; "
        "the default is the TCP ports of Zeek's default analyzers). An empty range is Zeek run bare (-b).",
        &pref_zeek_ports, 65535);
    apply_prefs();

    conn_pseudo_isn = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash, g_direct_equal);
    host_watch = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash, g_direct_equal);
    tcpstate_tap = register_tap("tcpstate");
    register_tcpstate_stats();
    register_tcpstate_flow(proto_tcpstate);
    register_init_routine(tcpstate_init);
    register_cleanup_routine(tcpstate_reset);
}

void proto_reg_handoff_tcpstate(void)
{
    register_postdissector(create_dissector_handle(dissect_tcpstate, proto_tcpstate));
    tcpstate_hook_handoff(); /* and at every file open, tcpstate_hook_install() */
}
