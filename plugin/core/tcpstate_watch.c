/* tcpstate_watch.c - see tcpstate_watch.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpstate_watch.h"

#include <string.h>

struct tcps_host_watch {
    uint64_t window_start_us;  /* server TIME_WAIT entries: counted per window */
    uint32_t time_wait;
    uint32_t syn_sent;         /* client connections now in SYN_SENT */
};

static struct tcps_host_watch *host_of(struct tcps_watch *w, uint32_t addr)
{
    uint32_t n = tcps_map_get(&w->by_addr, addr);

    if (!n) {
        n = ++w->hosts_used;
        tcps_map_put(&w->by_addr, addr, n);
    }
    return tcps_chunk_make(&w->hosts, n - 1, sizeof(struct tcps_host_watch)); /* zeroed when new */
}

static uint64_t elapsed(uint64_t now, uint64_t since)
{
    return now > since ? now - since : 0;
}

/* How long the state each side left had lasted. */
static uint8_t watch_durations(struct tcps_conn_watch *conn, const struct tcps_watch_limits *limits,
                               uint64_t now, const struct tcps_result *r)
{
    uint8_t seen = 0;

    for (int side = TCPS_CLIENT; side <= TCPS_SERVER; side++) {
        enum tcps_state before = tcps_result_prev(r, (enum tcps_side)side);
        uint64_t lasted = elapsed(now, conn->since_us[side]);

        if (before == TCPS_CLOSE_WAIT && lasted >= limits->close_wait_max_us)
            seen |= TCPS_WATCH_CLOSE_WAIT_LONG;
        if (before == TCPS_FIN_WAIT_2 && lasted >= limits->fin_wait_2_max_us)
            seen |= TCPS_WATCH_FIN_WAIT_2_LONG;
        if (before != tcps_result_state(r, (enum tcps_side)side))
            conn->since_us[side] = now;
    }
    return seen;
}

/* The server entered TIME_WAIT: it closed actively.  Many of those within
 * one window is the seed's "server with many TIME_WAIT" pathology. */
static uint8_t watch_server_time_wait(struct tcps_watch *w, const struct tcps_watch_limits *limits,
                                      uint64_t now, uint32_t server_addr)
{
    struct tcps_host_watch *h = host_of(w, server_addr);
    uint8_t seen = TCPS_WATCH_SERVER_TIME_WAIT;

    if (!h->window_start_us || elapsed(now, h->window_start_us) >= limits->time_wait_window_us) {
        h->window_start_us = now;
        h->time_wait = 0;
    }
    if (++h->time_wait >= limits->server_time_wait_many)
        seen |= TCPS_WATCH_SERVER_TW_MANY;
    return seen;
}

/* The client entered or left SYN_SENT: count its host's unanswered opens. */
static uint8_t watch_syn_sent(struct tcps_watch *w, const struct tcps_watch_limits *limits,
                              uint32_t client_addr, bool entered)
{
    struct tcps_host_watch *h = host_of(w, client_addr);

    if (entered)
        return ++h->syn_sent >= limits->syn_sent_many ? TCPS_WATCH_SYN_SENT_MANY : 0;
    if (h->syn_sent)
        h->syn_sent--;
    return 0;
}

uint8_t tcps_watch_segment(struct tcps_watch *w, struct tcps_conn_watch *conn,
                           const struct tcps_watch_limits *limits, const struct tcps_segment *seg,
                           const struct tcps_result *r)
{
    enum tcps_side receiver = r->sender == TCPS_CLIENT ? TCPS_SERVER : TCPS_CLIENT;
    uint32_t client_addr = r->sender == TCPS_CLIENT ? seg->src_addr : seg->dst_addr;
    uint32_t server_addr = r->sender == TCPS_CLIENT ? seg->dst_addr : seg->src_addr;
    bool client_syn_sent = tcps_result_state(r, TCPS_CLIENT) == TCPS_SYN_SENT;
    uint8_t seen = watch_durations(conn, limits, seg->time_us, r);

    if ((seg->flags & TCPS_RST) && tcps_result_prev(r, receiver) == TCPS_TIME_WAIT)
        seen |= TCPS_WATCH_RST_IN_TIME_WAIT;
    if (tcps_result_state(r, TCPS_SERVER) == TCPS_TIME_WAIT && tcps_result_prev(r, TCPS_SERVER) != TCPS_TIME_WAIT)
        seen |= watch_server_time_wait(w, limits, seg->time_us, server_addr);
    if ((tcps_result_prev(r, TCPS_CLIENT) == TCPS_SYN_SENT) != client_syn_sent)
        seen |= watch_syn_sent(w, limits, client_addr, client_syn_sent);
    return seen;
}

size_t tcps_watch_bytes(const struct tcps_watch *w)
{
    return tcps_map_bytes(&w->by_addr) + tcps_chunks_bytes(&w->hosts, sizeof(struct tcps_host_watch));
}

void tcps_watch_free(struct tcps_watch *w)
{
    tcps_map_free(&w->by_addr);
    tcps_chunks_free(&w->hosts);
    memset(w, 0, sizeof *w);
}
