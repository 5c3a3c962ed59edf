/* tcpstate_zeek_table.c - see tcpstate_zeek_table.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpstate_zeek_table.h"

#include <stdlib.h>
#include <string.h>

struct zk_live {
    struct zk_conn c;
    uint64_t key;              /* its 4-tuple digest in by_tuple */
    uint32_t number;           /* its connection number; 0 = free slot */
};

static struct zk_record *record_at(const struct zk_table *t, uint32_t number)
{
    return tcps_chunk_get(&t->records, number - 1, sizeof(struct zk_record));
}

const struct zk_record *zk_table_record(const struct zk_table *t, uint32_t number)
{
    return number && number <= t->used ? record_at(t, number) : NULL;
}

/* The full model of a live connection, or NULL once it is retired. */
static const struct zk_conn *live_conn(const struct zk_table *t, const struct zk_record *rec)
{
    return rec->live ? &t->live[rec->at].c : NULL;
}

const char *zk_table_history(const struct zk_table *t, const struct zk_record *rec, unsigned *len)
{
    const struct zk_conn *c = live_conn(t, rec);

    if (c) {
        *len = c->history_len;
        return c->history;
    }
    *len = rec->hist_len;
    return tcps_chunk_get(&t->histories, rec->at, 1);
}

enum zk_conn_state zk_table_conn_state(const struct zk_table *t, const struct zk_record *rec)
{
    const struct zk_conn *c = live_conn(t, rec);
    return c ? zk_conn_state(c) : (enum zk_conn_state)rec->conn_state;
}

bool zk_table_side0_orig(const struct zk_table *t, const struct zk_record *rec)
{
    const struct zk_conn *c = live_conn(t, rec);
    return c ? zk_side0_is_orig(c) : rec->side0_orig;
}

/* Keep a final history in the archive; its offset.  A history never spans
 * two chunks, so it can be read back as one string. */
static uint32_t archive_history(struct zk_table *t, const char *history, unsigned len)
{
    uint32_t at;
    char *h;

    if ((t->histories_used & (TCPS_CHUNK_LEN - 1)) + len + 1 > TCPS_CHUNK_LEN)
        t->histories_used = (t->histories_used | (TCPS_CHUNK_LEN - 1)) + 1;
    at = t->histories_used;
    h = tcps_chunk_make(&t->histories, at, 1);
    memcpy(h, history, len);
    h[len] = '\0';
    t->histories_used += len + 1;
    return at;
}

/* Zeek would no longer continue this connection: keep what the display
 * needs and give its slot back. */
static void retire(struct zk_table *t, uint32_t slot)
{
    struct zk_live *l = &t->live[slot];
    struct zk_record *rec = record_at(t, l->number);

    rec->conn_state = (uint8_t)zk_conn_state(&l->c);
    rec->side0_orig = zk_side0_is_orig(&l->c);
    rec->hist_len = l->c.history_len;
    rec->live = 0;
    rec->at = archive_history(t, l->c.history, l->c.history_len);
    tcps_map_remove_if(&t->by_tuple, l->key, l->number);
    l->number = 0;
    t->free_slots[t->live_free++] = slot;
}

void zk_table_sweep(struct zk_table *t, uint64_t now_us)
{
    for (int n = 0; n < 2 && t->live_len; n++) {
        uint32_t slot = t->sweep_at++ & (t->live_len - 1); /* live_len: a power of 2 */
        const struct zk_live *l = &t->live[slot];
        /* removable_from_us first: the call is needed only once it is due. */
        if (l->number && now_us >= l->c.removable_from_us && zk_conn_removed_by(&l->c, now_us))
            retire(t, slot);
    }
}

static void *or_abort(void *p)
{
    if (!p)
        abort();
    return p;
}

/* Double the live pool; the new slots go on the free stack, lowest on top. */
static void grow_pool(struct zk_table *t)
{
    uint32_t n = t->live_len ? t->live_len * 2 : 256;

    t->live = or_abort(realloc(t->live, n * sizeof *t->live));
    t->free_slots = or_abort(realloc(t->free_slots, n * sizeof *t->free_slots));
    for (uint32_t i = n; i > t->live_len; i--) {
        t->live[i - 1].number = 0;
        t->free_slots[t->live_free++] = i - 1;
    }
    t->live_len = n;
}

static uint32_t new_conn(struct zk_table *t, const struct zk_config *cfg, uint64_t key, const struct zk_packet *pkt)
{
    uint32_t slot, number = ++t->used;
    struct zk_record *rec = tcps_chunk_make(&t->records, number - 1, sizeof *rec);
    struct zk_live *l;

    if (!t->live_free)
        grow_pool(t);
    slot = t->free_slots[--t->live_free];
    l = &t->live[slot];
    zk_conn_init(&l->c, cfg, pkt);
    l->key = key;
    l->number = number;
    rec->start_us = l->c.start_us;
    rec->side0_addr = l->c.side0_addr;
    rec->side0_port = l->c.side0_port;
    rec->live = 1;
    rec->at = slot;
    tcps_map_put(&t->by_tuple, key, number);
    return number;
}

/* Whether connection `number` is the live one of 4-tuple `key`.  A 4-tuple
 * has at most one live connection (a new one is made only after the last
 * one was retired), and by_tuple names it. */
static bool is_live_of_tuple(const struct zk_table *t, uint32_t number, uint64_t key)
{
    const struct zk_record *rec = number && number <= t->used ? record_at(t, number) : NULL;
    return rec && rec->live && t->live[rec->at].key == key;
}

const struct zk_conn *zk_table_packet(struct zk_table *t, const struct zk_config *cfg, uint64_t key,
                                      const struct zk_packet *pkt, uint32_t last, uint32_t *number)
{
    uint32_t n = is_live_of_tuple(t, last, key) ? last : tcps_map_get(&t->by_tuple, key);
    const struct zk_record *rec = n ? record_at(t, n) : NULL;
    struct zk_conn *c;

    if (rec && !zk_packet_continues(live_conn(t, rec), pkt)) {
        retire(t, rec->at);
        rec = NULL;
    }
    if (!rec) {
        n = new_conn(t, cfg, key, pkt);
        rec = record_at(t, n);
    }
    c = &t->live[rec->at].c;
    zk_packet_seen(c, pkt);
    *number = n;
    return c;
}

size_t zk_table_bytes(const struct zk_table *t)
{
    return tcps_chunks_bytes(&t->records, sizeof(struct zk_record)) + tcps_chunks_bytes(&t->histories, 1) +
           (size_t)t->live_len * (sizeof *t->live + sizeof *t->free_slots) + tcps_map_bytes(&t->by_tuple);
}

void zk_table_free(struct zk_table *t)
{
    tcps_chunks_free(&t->records);
    tcps_chunks_free(&t->histories);
    free(t->live);
    free(t->free_slots);
    tcps_map_free(&t->by_tuple);
    memset(t, 0, sizeof *t);
}
