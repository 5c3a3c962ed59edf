/* tcpstate_chunks.c - see tcpstate_chunks.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpstate_chunks.h"

#include <stdlib.h>
#include <string.h>

static void *or_abort(void *p)
{
    if (!p)
        abort();
    return p;
}

/* Make room for chunk c in the chunk index, which doubles. */
static void index_chunk(struct tcps_chunks *a, uint32_t c)
{
    uint32_t n = a->n_chunks ? a->n_chunks : 16;

    while (n <= c)
        n *= 2;
    a->chunks = or_abort(realloc(a->chunks, n * sizeof *a->chunks));
    memset(a->chunks + a->n_chunks, 0, (n - a->n_chunks) * sizeof *a->chunks);
    a->n_chunks = n;
}

void *tcps_chunk_add(struct tcps_chunks *a, uint32_t i, size_t elem)
{
    uint32_t c = i >> TCPS_CHUNK_SHIFT;

    if (c >= a->n_chunks)
        index_chunk(a, c);
    if (!a->chunks[c])
        a->chunks[c] = or_abort(calloc(TCPS_CHUNK_LEN, elem));
    return tcps_chunk_get(a, i, elem);
}

size_t tcps_chunks_bytes(const struct tcps_chunks *a, size_t elem)
{
    size_t n = 0;

    for (uint32_t c = 0; c < a->n_chunks; c++)
        n += a->chunks[c] ? TCPS_CHUNK_LEN * elem : 0;
    return n + a->n_chunks * sizeof *a->chunks;
}

void tcps_chunks_free(struct tcps_chunks *a)
{
    for (uint32_t c = 0; c < a->n_chunks; c++)
        free(a->chunks[c]);
    free(a->chunks);
    a->chunks = NULL;
    a->n_chunks = 0;
}
