/* tcpstate_chunks.h - arrays that grow by fixed chunks.
 *
 * Plain C, no Wireshark headers.  Element i lives in chunk i / CHUNK_LEN;
 * growing never copies an element, and the slack is at most one chunk (an
 * array doubling by realloc wastes up to half of itself).  Elements of a
 * new chunk are zero.  Out of memory aborts, as GLib's allocators do.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_CHUNKS_H
#define TCPSTATE_CHUNKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TCPS_CHUNK_SHIFT 12
#define TCPS_CHUNK_LEN (1u << TCPS_CHUNK_SHIFT)

struct tcps_chunks {
    void **chunks;
    uint32_t n_chunks;
};

/* Element i (of elem bytes); NULL if it was never created and !create. */
void *tcps_chunk_at(struct tcps_chunks *a, uint32_t i, size_t elem, bool create);
/* Is chunk c allocated?  (for walking every element) */
static inline void *tcps_chunk(const struct tcps_chunks *a, uint32_t c)
{
    return c < a->n_chunks ? a->chunks[c] : NULL;
}
size_t tcps_chunks_bytes(const struct tcps_chunks *a, size_t elem);
void tcps_chunks_free(struct tcps_chunks *a);

#ifdef __cplusplus
}
#endif

#endif
