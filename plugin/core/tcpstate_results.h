/* tcpstate_results.h - what the analysis said about every TCP header of a
 * capture, kept for showing it on any later pass.
 *
 * Plain C, no Wireshark headers.  One kept result is 16 bytes: what the
 * analysis said and nothing that the header itself says again on any pass.
 * The hook reads every TCP header on every pass (tcpstate-hook.h), so its
 * relative numbers (the packet's own minus the ISNs), flags, payload length,
 * sender and connection (by tcp.stream) are recomputed when a result is
 * shown (tcps_capture_segment).  The Zeek connection is kept as which of
 * its tcpstate connection's Zeek connections it is (tcps_table_zeek_seen),
 * or aside when that does not fit.  Results of a frame's first TCP layer
 * live in chunks indexed by frame number; further layers, rare, in a table
 * by (frame, layer).
 *
 * A run that shows each frame's result only while it dissects that frame
 * (tshark's single pass) keeps the latest frame's results only
 * (tcps_results_keep_latest_only): then nothing grows with the frames.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_RESULTS_H
#define TCPSTATE_RESULTS_H

#include "tcpstate_chunks.h"
#include "tcpstate_fsm.h"
#include "tcpstate_map.h"

#ifdef __cplusplus
extern "C" {
#endif

/* More TCP layers than this in one frame are left alone. */
#define TCPS_MAX_LAYERS 8

enum tcps_layer_kind {
    TCPS_LAYER_SEGMENT,   /* a segment the state machine can take */
    TCPS_LAYER_QUOTED,    /* a header quoted by an ICMP or ICMPv6 error: news, never a segment */
    TCPS_LAYER_TRUNCATED, /* too little captured (or a fragment) to know what it did */
    TCPS_LAYER_NOT_SEEN   /* reached TCP other than through IP: not analysed */
};

/* tcps_kept.zk: no Zeek connection, one kept aside, or TCPS_ZK_PART_0 + n:
 * Zeek connection n of its tcpstate connection (tcps_table_zeek_seen), n up
 * to TCPS_ZK_PART_MAX. */
#define TCPS_ZK_NONE 0
#define TCPS_ZK_ASIDE 1
#define TCPS_ZK_PART_0 2
#define TCPS_ZK_PART_MAX 29

/* tcps_kept.hist: the history so far was "H", later rewritten "^h" by a
 * role flip (any other value: this many letters of the final history). */
#define TCPS_HIST_WAS_H 63

/* One kept result: 16 bytes, one per TCP frame of the capture. */
struct tcps_kept {
    uint32_t bytes[2];          /* bytes each side (client, server) sent so far, saturating */
    uint8_t states, prev;       /* as struct tcps_result */
    uint16_t notes;
    uint32_t handshake : 3;     /* as struct tcps_result */
    uint32_t teardown : 4;
    uint32_t order : 2;
    uint32_t kind : 2;          /* enum tcps_layer_kind */
    uint32_t zk : 5;            /* TCPS_ZK_* */
    uint32_t hist : 6;          /* Zeek history so far: this many letters of the final one, or TCPS_HIST_WAS_H */
    uint32_t conn_state : 4;    /* enum zk_conn_state so far */
    uint32_t watch : 6;         /* TCPS_WATCH_* bits */
};

struct tcps_results {
    struct tcps_chunks first;   /* struct tcps_kept by frame number */
    struct tcps_map aside_of;   /* (frame, layer, what) -> index + 1 in the array of `what` */
    struct tcps_chunks extra_layers;
    uint32_t extra_used;
    uint32_t frames;            /* frames whose first layer has a kept result */
    bool latest_only;           /* only the latest frame's results are kept, in slot 0 */
    uint32_t latest;            /* latest_only: the frame they are of */
};

/* A header the state machine did not take: quoted by an ICMP error, too
 * short, or not seen by the hook.  It changes no state and has no segment
 * fields. */
static inline bool tcps_kept_not_a_segment(const struct tcps_kept *k)
{
    return k->kind != TCPS_LAYER_SEGMENT;
}

/* Copy what the state machine said into the compact record. */
void tcps_kept_pack(struct tcps_kept *k, const struct tcps_result *r);
/* ... and back (what the header says again excluded: see the file comment). */
void tcps_kept_unpack(const struct tcps_kept *k, struct tcps_result *r);

/* One end's state after the header, without unpacking the rest
 * (tcps_result_state of the unpacked result). */
static inline enum tcps_state tcps_kept_state(const struct tcps_kept *k, enum tcps_side side)
{
    return (enum tcps_state)(side == TCPS_CLIENT ? k->states >> 4 : k->states & 0x0f);
}

/* Does this record hold a result (a segment's, or a header that was not one)? */
static inline bool tcps_kept_is_kept(const struct tcps_kept *k)
{
    return k->states || tcps_kept_not_a_segment(k);
}

/* From now on keep only the latest frame's results: a run that never asks
 * for an earlier frame's.  Set before the first result is kept. */
void tcps_results_keep_latest_only(struct tcps_results *t);

/* Where the results of `frame` are kept: its number, or slot 0 for the
 * latest frame in latest-only mode.  False when they are not kept (an
 * earlier frame in that mode). */
static inline bool tcps_results_slot(const struct tcps_results *t, uint32_t frame, uint32_t *slot)
{
    *slot = t->latest_only ? 0 : frame;
    return !t->latest_only || frame == t->latest;
}

/* Keep the result of the frame's TCP layer `layer` (0: the first). */
void tcps_results_keep(struct tcps_results *t, uint32_t frame, unsigned layer, const struct tcps_kept *k);

/* A kept result of a frame's TCP layer after the first, or NULL. */
const struct tcps_kept *tcps_results_further(const struct tcps_results *t, uint32_t frame, unsigned layer);

/* The kept result of a frame's first TCP layer, or NULL.  Inline: asked
 * for every packet on every pass.  A frame's further layers, which the
 * hook counts, are in tcps_results_further. */
static inline const struct tcps_kept *tcps_results_first(const struct tcps_results *t, uint32_t frame)
{
    const struct tcps_kept *first;
    uint32_t slot;

    if (!tcps_results_slot(t, frame, &slot))
        return NULL;
    first = (const struct tcps_kept *)tcps_chunk_get(&t->first, slot, sizeof *first);
    return first && tcps_kept_is_kept(first) ? first : NULL;
}

/* The kept result of a frame's TCP layer `layer` (0: the first), or NULL. */
static inline const struct tcps_kept *tcps_results_get(const struct tcps_results *t, uint32_t frame, unsigned layer)
{
    return layer == 0 ? tcps_results_first(t, frame) : tcps_results_further(t, frame, layer);
}

/* The kept result of a frame's TCP layer `layer`, to be completed on a
 * later pass (tcps_capture_catch_up), or NULL. */
struct tcps_kept *tcps_results_to_complete(struct tcps_results *t, uint32_t frame, unsigned layer);

/* The Zeek connection of a result: `zk`, which is Zeek connection `part`
 * of its tcpstate connection.  Kept as `part` when it fits, else aside. */
void tcps_results_keep_zeek(struct tcps_results *t, uint32_t frame, unsigned layer, struct tcps_kept *k,
                            uint32_t part, uint32_t zk);

/* The Zeek connection kept aside for a result (tcps_kept.zk == TCPS_ZK_ASIDE). */
uint32_t tcps_results_zeek_aside(const struct tcps_results *t, uint32_t frame, unsigned layer);

/* How many frames had a result kept (for the memory report), also those
 * forgotten in latest-only mode. */
uint32_t tcps_results_frames(const struct tcps_results *t);
size_t tcps_results_bytes(const struct tcps_results *t);
void tcps_results_free(struct tcps_results *t);

#ifdef __cplusplus
}
#endif

#endif
