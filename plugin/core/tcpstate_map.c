/* tcpstate_map.c - see tcpstate_map.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpstate_map.h"

#include <stdlib.h>
#include <string.h>

static uint32_t slot_of(uint64_t key, uint32_t cap)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (uint32_t)key & (cap - 1);
}

uint32_t tcps_map_get(const struct tcps_map *m, uint64_t key)
{
    if (!m->cap)
        return 0;
    for (uint32_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (!m->values[i])
            return 0;
        if (m->keys[i] == key)
            return m->values[i];
    }
}

static int grow(struct tcps_map *m)
{
    struct tcps_map bigger = { 0 };

    bigger.cap = m->cap ? m->cap * 2 : 1024;
    bigger.keys = malloc(sizeof *bigger.keys * bigger.cap);
    bigger.values = calloc(bigger.cap, sizeof *bigger.values);
    if (!bigger.keys || !bigger.values) {
        free(bigger.keys);
        free(bigger.values);
        return 0;
    }
    for (uint32_t i = 0; i < m->cap; i++)
        if (m->values[i])
            tcps_map_put(&bigger, m->keys[i], m->values[i]);
    tcps_map_free(m);
    *m = bigger;
    return 1;
}

int tcps_map_put(struct tcps_map *m, uint64_t key, uint32_t value)
{
    uint32_t i;

    if ((m->used + 1) * 2 > m->cap && !grow(m))
        return 0;
    for (i = slot_of(key, m->cap); m->values[i]; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key) {
            m->values[i] = value;
            return 1;
        }
    }
    m->keys[i] = key;
    m->values[i] = value;
    m->used++;
    return 1;
}

void tcps_map_remove_if(struct tcps_map *m, uint64_t key, uint32_t value)
{
    uint32_t i, j, mask = m->cap - 1;

    if (!m->cap)
        return;
    for (i = slot_of(key, m->cap); m->keys[i] != key || !m->values[i]; i = (i + 1) & mask)
        if (!m->values[i])
            return;
    if (m->values[i] != value)
        return;
    /* Backward shift: move later members of the probe run into the hole. */
    for (j = (i + 1) & mask; m->values[j]; j = (j + 1) & mask) {
        uint32_t home = slot_of(m->keys[j], m->cap);
        /* Can the entry at j move to i?  Only if its home is not in (i, j]. */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->keys[i] = m->keys[j];
            m->values[i] = m->values[j];
            i = j;
        }
    }
    m->values[i] = 0;
    m->used--;
}

void tcps_map_clear(struct tcps_map *m)
{
    if (m->used)
        memset(m->values, 0, (size_t)m->cap * sizeof *m->values);
    m->used = 0;
}

void tcps_map_free(struct tcps_map *m)
{
    free(m->keys);
    free(m->values);
    m->keys = NULL;
    m->values = NULL;
    m->cap = m->used = 0;
}

size_t tcps_map_bytes(const struct tcps_map *m)
{
    return (size_t)m->cap * (sizeof *m->keys + sizeof *m->values);
}
