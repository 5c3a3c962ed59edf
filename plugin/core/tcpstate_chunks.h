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

/* 1,024 elements: the slack of the last chunk stays under 5 % of the
 * connection tables from about 20,000 connections on (with 4,096 it was
 * 15 % at the benchmark's 25,000). */
#define TCPS_CHUNK_SHIFT 10
#define TCPS_CHUNK_LEN (1u << TCPS_CHUNK_SHIFT)

struct tcps_chunks {
    void **chunks;
    uint32_t n_chunks;
};

/* Chunk c, or NULL if it was never created. */
static inline void *tcps_chunk(const struct tcps_chunks *a, uint32_t c)
{
    return c < a->n_chunks ? a->chunks[c] : NULL;
}

/* Element i (of elem bytes), or NULL if its chunk was never created.
 * Inline: the display reads the tables on every pass over every packet. */
static inline void *tcps_chunk_get(const struct tcps_chunks *a, uint32_t i, size_t elem)
{
    char *chunk = (char *)tcps_chunk(a, i >> TCPS_CHUNK_SHIFT);
    return chunk ? chunk + (size_t)(i & (TCPS_CHUNK_LEN - 1)) * elem : NULL;
}

/* Element i, its chunk made first (zero) when it has none: tcps_chunk_make's
 * slow path. */
void *tcps_chunk_add(struct tcps_chunks *a, uint32_t i, size_t elem);

/* Element i, made (zero) if need be.  Inline: every packet stores its
 * result this way, and its chunk nearly always exists already. */
static inline void *tcps_chunk_make(struct tcps_chunks *a, uint32_t i, size_t elem)
{
    void *e = tcps_chunk_get(a, i, elem);
    return e ? e : tcps_chunk_add(a, i, elem);
}

size_t tcps_chunks_bytes(const struct tcps_chunks *a, size_t elem);
void tcps_chunks_free(struct tcps_chunks *a);

#ifdef __cplusplus
}
#endif

#endif
