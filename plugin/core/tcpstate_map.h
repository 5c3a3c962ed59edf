/* tcpstate_map.h - a small hash map from 64-bit keys to 32-bit values.
 *
 * Plain C, no Wireshark headers.  Open addressing with linear probing and
 * backward-shift deletion (no tombstones), 12 bytes a slot, at most half
 * full: the 4-tuple tables (tcpstate_conn_table.c, tcpstate_zeek_table.c,
 * the hook's stream memo), which drop the entries of finished connections,
 * so that their size follows the live connections, not every connection the
 * capture ever had.  Value 0 means "absent".
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_MAP_H
#define TCPSTATE_MAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tcps_map {
    uint64_t *keys;
    uint32_t *values;     /* 0: empty slot */
    uint32_t cap;         /* a power of two, or 0 */
    uint32_t used;
};

/* The value stored for key, or 0. */
uint32_t tcps_map_get(const struct tcps_map *m, uint64_t key);
/* Store value (non-zero) for key, replacing what was there.  0 on
 * allocation failure, else 1. */
int tcps_map_put(struct tcps_map *m, uint64_t key, uint32_t value);
/* Forget key if it maps to value (a newer entry for the key stays). */
void tcps_map_remove_if(struct tcps_map *m, uint64_t key, uint32_t value);
/* Forget every key, keeping the room. */
void tcps_map_clear(struct tcps_map *m);
void tcps_map_free(struct tcps_map *m);
size_t tcps_map_bytes(const struct tcps_map *m);

#ifdef __cplusplus
}
#endif

#endif
