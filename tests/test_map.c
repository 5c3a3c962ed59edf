/* test_map.c - tcpstate_map against a plain array model, with removals in
 * every order (the backward shift is the part that can go wrong).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>

#include "tcpstate_map.h"

#define N 20000

static uint64_t state = 88172645463325252ULL;
static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

int main(void)
{
    static uint64_t keys[N];
    static uint32_t model[N]; /* 0: absent */
    struct tcps_map m = { 0 };
    unsigned failures = 0, checks = 0;

    for (int i = 0; i < N; i++)
        keys[i] = (i % 7 == 0) ? (uint64_t)i << 32 : next(); /* some keys share low bits */
    for (int round = 0; round < 200000; round++) {
        int k = (int)(next() % N);
        uint32_t v = (uint32_t)(next() % 1000) + 1;
        switch (next() % 3) {
        case 0:
        case 1:
            tcps_map_put(&m, keys[k], v);
            model[k] = v;
            break;
        default:
            /* Remove only if the stored value matches, as the plugin does. */
            tcps_map_remove_if(&m, keys[k], model[k] ? model[k] : v);
            model[k] = 0;
            break;
        }
        if (round % 1000 == 0) {
            unsigned used = 0;
            for (int i = 0; i < N; i++) {
                checks++;
                if (tcps_map_get(&m, keys[i]) != model[i]) {
                    if (failures++ < 5)
                        fprintf(stderr, "round %d key %d: got %u, expected %u\n", round, i,
                                tcps_map_get(&m, keys[i]), model[i]);
                }
                used += model[i] != 0;
            }
            if (used != m.used && failures++ < 5)
                fprintf(stderr, "round %d: map holds %u, expected %u\n", round, m.used, used);
        }
    }
    /* A stale removal (value no longer stored) keeps the newer entry. */
    tcps_map_put(&m, 42, 7);
    tcps_map_remove_if(&m, 42, 6);
    if (tcps_map_get(&m, 42) != 7 && failures++ < 5)
        fprintf(stderr, "a stale removal dropped the newer entry\n");
    printf("%u lookups checked, %u failures, %u entries in %u slots\n", checks, failures, m.used, m.cap);
    /* Cleared: every key gone, the room kept, and usable again. */
    {
        uint32_t cap = m.cap;
        tcps_map_clear(&m);
        for (int i = 0; i < N; i++)
            if (tcps_map_get(&m, keys[i]) && failures++ < 5)
                fprintf(stderr, "key %d still there after clearing\n", i);
        tcps_map_put(&m, 42, 9);
        if ((m.cap != cap || m.used != 1 || tcps_map_get(&m, 42) != 9) && failures++ < 5)
            fprintf(stderr, "cleared map: %u slots (was %u), %u entries\n", m.cap, cap, m.used);
    }
    tcps_map_free(&m);
    return failures != 0;
}
