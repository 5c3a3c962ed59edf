/* tcpstate_results.h - what the analysis said about every TCP header of a
 * capture, kept for showing it on any later pass.
 *
 * Plain C, no Wireshark headers.  One kept result is 24 bytes.  The relative
 * sequence and acknowledgement numbers are not kept: they are the packet's
 * own numbers minus the ISNs, so they are recomputed from the frame's bytes
 * when shown (only the offset of the TCP header is kept), except for headers
 * outside the frame's bytes (reassembled IP), whose numbers are kept aside.
 * The Zeek connection is kept as a difference from its tcpstate
 * connection's first one, or aside when that does not fit.  Results of a
 * frame's first TCP layer live in chunks indexed by frame number; further
 * layers, rare, in a table by (frame, layer).
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

/* Where a header lies in the frame's bytes, if it fits tcps_kept.tcp_off;
 * further in (a header behind 4 KiB of encapsulation), its numbers are kept
 * aside like those of a header outside the frame's bytes. */
#define TCPS_TCP_OFF_MAX 4095

/* tcps_kept.zk_delta: a Zeek connection this far from its tcpstate
 * connection's first one; further, kept aside. */
#define TCPS_ZK_DELTA_MAX 15
#define TCPS_ZK_ASIDE (-16)

/* One kept result: 24 bytes, one per TCP frame of the capture. */
struct tcps_kept {
    uint32_t bytes[2];          /* bytes each side (client, server) sent so far, saturating */
    uint32_t conn : 29;         /* connection number (tcpstate_conn_table.h) */
    uint32_t not_seen : 1;      /* a TCP layer that reached TCP other than through IP: not analysed */
    uint32_t icmp_quoted : 1;   /* a header quoted by an ICMP error: no state change */
    uint32_t truncated : 1;     /* header or length not captured: no state change */
    uint8_t states, prev;       /* as struct tcps_result */
    uint16_t notes;
    uint64_t seglen : 17;       /* as struct tcps_result */
    uint64_t handshake : 3;
    uint64_t teardown : 4;
    uint64_t sender : 1;
    uint64_t order : 2;
    uint64_t more_layers : 1;   /* (first layer) the frame has more TCP layers */
    uint64_t numbers_aside : 1; /* relative numbers kept aside (tcps_results_numbers) */
    uint64_t has_zk : 1;        /* a Zeek connection took the segment */
    uint64_t hist_was_h : 1;    /* history was "H", later rewritten "^h" by a role flip */
    uint64_t tcp_off : 12;      /* where the TCP header starts in the frame's bytes (TCPS_TCP_OFF_MAX) */
    int64_t zk_delta : 5;       /* Zeek connection - the connection's first one; TCPS_ZK_ASIDE: aside */
    uint64_t hist_len : 6;      /* Zeek history so far: this many letters of the final one */
    uint64_t conn_state : 4;    /* enum zk_conn_state so far */
    uint64_t watch : 6;         /* TCPS_WATCH_* bits */
};

/* The numbers of a header outside the frame's bytes. */
struct tcps_kept_numbers {
    uint32_t seq, ack;          /* relative */
    uint16_t tcp_flags;
};

struct tcps_results {
    struct tcps_chunks first;   /* struct tcps_kept by frame number */
    struct tcps_map aside_of;   /* (frame, layer, what) -> index + 1 in the array of `what` */
    struct tcps_chunks extra_layers;
    struct tcps_chunks numbers;
    uint32_t extra_used, numbers_used;
    uint32_t frames;            /* frames whose first layer has a kept result */
    bool latest_only;           /* only the latest frame's results are kept, in slot 0 */
    uint32_t latest;            /* latest_only: the frame they are of */
};

/* A header the state machine did not take: quoted by an ICMP error, too
 * short, or not seen by the hook.  It changes no state and has no segment
 * fields. */
static inline bool tcps_kept_not_a_segment(const struct tcps_kept *k)
{
    return k->icmp_quoted || k->truncated || k->not_seen;
}

/* Copy what the state machine said into the compact record. */
void tcps_kept_pack(struct tcps_kept *k, const struct tcps_result *r);
/* ... and back (relative numbers excluded: see the file comment). */
void tcps_kept_unpack(const struct tcps_kept *k, struct tcps_result *r);

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

/* The kept result of a frame's TCP layer, or NULL.  Inline: asked for every
 * packet on every pass. */
static inline const struct tcps_kept *tcps_results_get(const struct tcps_results *t, uint32_t frame, unsigned layer)
{
    const struct tcps_kept *first;
    uint32_t slot;

    if (!tcps_results_slot(t, frame, &slot))
        return NULL;
    first = (const struct tcps_kept *)tcps_chunk_get(&t->first, slot, sizeof *first);
    if (!first || !tcps_kept_is_kept(first))
        return NULL;
    if (layer == 0)
        return first;
    return first->more_layers ? tcps_results_further(t, frame, layer) : NULL;
}

/* Numbers kept aside for a header outside the frame's bytes (numbers_aside). */
void tcps_results_keep_numbers(struct tcps_results *t, uint32_t frame, unsigned layer,
                               const struct tcps_kept_numbers *n);
const struct tcps_kept_numbers *tcps_results_numbers(const struct tcps_results *t, uint32_t frame, unsigned layer);

/* The Zeek connection `zk` of a result whose tcpstate connection began with
 * Zeek connection `first`. */
void tcps_results_keep_zeek(struct tcps_results *t, uint32_t frame, unsigned layer, struct tcps_kept *k,
                            uint32_t first, uint32_t zk);
uint32_t tcps_results_zeek(const struct tcps_results *t, uint32_t frame, unsigned layer,
                           const struct tcps_kept *k, uint32_t first);

/* How many frames had a result kept (for the memory report), also those
 * forgotten in latest-only mode. */
uint32_t tcps_results_frames(const struct tcps_results *t);
size_t tcps_results_bytes(const struct tcps_results *t);
void tcps_results_free(struct tcps_results *t);

#ifdef __cplusplus
}
#endif

#endif
