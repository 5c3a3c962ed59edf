/* tcpstate_results.c - see tcpstate_results.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpstate_results.h"

#include <string.h>

_Static_assert(sizeof(struct tcps_kept) == 16, "one kept result per TCP frame: 16 bytes");
_Static_assert(TCPS_ZK_PART_0 + TCPS_ZK_PART_MAX < 32, "tcps_kept.zk has 5 bits");

/* What is kept aside, per (frame, layer). */
enum aside { ASIDE_LAYER = 1, ASIDE_ZEEK };

static uint64_t aside_key(uint32_t frame, unsigned layer, enum aside what)
{
    return (uint64_t)frame << 8 | (uint64_t)what << 3 | (layer & (TCPS_MAX_LAYERS - 1));
}

void tcps_kept_pack(struct tcps_kept *k, const struct tcps_result *r)
{
    k->handshake = r->handshake;
    k->teardown = r->teardown;
    k->order = r->order & 3;
    k->states = r->states;
    k->prev = r->prev;
    k->notes = r->notes;
}

void tcps_kept_unpack(const struct tcps_kept *k, struct tcps_result *r)
{
    memset(r, 0, sizeof *r);
    r->states = k->states;
    r->prev = k->prev;
    r->notes = k->notes;
    r->handshake = k->handshake;
    r->teardown = k->teardown;
    r->order = k->order;
}

void tcps_results_keep_latest_only(struct tcps_results *t)
{
    t->latest_only = true;
}

/* The slot `frame`'s results go to.  In latest-only mode, a frame after the
 * latest one replaces it: what was kept of the latest is forgotten. */
static uint32_t keeping_slot(struct tcps_results *t, uint32_t frame)
{
    if (!t->latest_only)
        return frame;
    if (frame != t->latest) {
        /* Slot 0 itself needs no clearing: a frame's first layer is always
         * kept, whole, and tcps_results_get asks for the latest frame only. */
        t->latest = frame;
        if (t->aside_of.used)
            tcps_map_clear(&t->aside_of);
        t->extra_used = 0; /* its chunks are reused */
    }
    return 0;
}

static struct tcps_kept *first_layer(struct tcps_results *t, uint32_t slot)
{
    return tcps_chunk_make(&t->first, slot, sizeof(struct tcps_kept));
}

/* The value kept aside for (frame, layer, what), or 0. */
static uint32_t aside_value(const struct tcps_results *t, uint32_t frame, unsigned layer, enum aside what)
{
    uint32_t slot;
    return tcps_results_slot(t, frame, &slot) ? tcps_map_get(&t->aside_of, aside_key(slot, layer, what)) : 0;
}

/* Element `what` kept aside for (frame, layer) in `array`, or NULL. */
static void *aside_get(const struct tcps_results *t, uint32_t frame, unsigned layer, enum aside what,
                       const struct tcps_chunks *array, size_t elem)
{
    uint32_t n = aside_value(t, frame, layer, what);
    return n ? tcps_chunk_get(array, n - 1, elem) : NULL;
}

static void *aside_new(struct tcps_results *t, uint32_t slot, unsigned layer, enum aside what,
                       struct tcps_chunks *array, uint32_t *used, size_t elem)
{
    uint32_t n = ++*used;

    tcps_map_put(&t->aside_of, aside_key(slot, layer, what), n);
    return tcps_chunk_make(array, n - 1, elem);
}

void tcps_results_keep(struct tcps_results *t, uint32_t frame, unsigned layer, const struct tcps_kept *k)
{
    uint32_t slot = keeping_slot(t, frame);

    if (layer == 0) {
        *first_layer(t, slot) = *k;
        t->frames += tcps_kept_is_kept(k);
        return;
    }
    *(struct tcps_kept *)aside_new(t, slot, layer, ASIDE_LAYER, &t->extra_layers, &t->extra_used, sizeof *k) = *k;
}

const struct tcps_kept *tcps_results_further(const struct tcps_results *t, uint32_t frame, unsigned layer)
{
    return layer < TCPS_MAX_LAYERS ? aside_get(t, frame, layer, ASIDE_LAYER, &t->extra_layers, sizeof(struct tcps_kept))
                                   : NULL;
}

struct tcps_kept *tcps_results_to_complete(struct tcps_results *t, uint32_t frame, unsigned layer)
{
    return (struct tcps_kept *)tcps_results_get(t, frame, layer);
}

void tcps_results_keep_zeek(struct tcps_results *t, uint32_t frame, unsigned layer, struct tcps_kept *k,
                            uint32_t part, uint32_t zk)
{
    if (part <= TCPS_ZK_PART_MAX) {
        k->zk = TCPS_ZK_PART_0 + part;
    } else {
        k->zk = TCPS_ZK_ASIDE;
        tcps_map_put(&t->aside_of, aside_key(keeping_slot(t, frame), layer, ASIDE_ZEEK), zk);
    }
}

uint32_t tcps_results_zeek_aside(const struct tcps_results *t, uint32_t frame, unsigned layer)
{
    return aside_value(t, frame, layer, ASIDE_ZEEK);
}

uint32_t tcps_results_frames(const struct tcps_results *t)
{
    return t->frames;
}

size_t tcps_results_bytes(const struct tcps_results *t)
{
    return tcps_chunks_bytes(&t->first, sizeof(struct tcps_kept)) + tcps_map_bytes(&t->aside_of) +
           tcps_chunks_bytes(&t->extra_layers, sizeof(struct tcps_kept));
}

void tcps_results_free(struct tcps_results *t)
{
    tcps_chunks_free(&t->first);
    tcps_map_free(&t->aside_of);
    tcps_chunks_free(&t->extra_layers);
    memset(t, 0, sizeof *t);
}
