/* tcpstate_zeek.c - Zeek's connection summary (see tcpstate_zeek.h).
 *
 * Each function below mirrors one piece of Zeek's TCP analyzer and says
 * which.  Where Zeek needs more than a passive per-packet pass can keep (its
 * reassembler holds every out-of-order block; its timers fire on the global
 * network clock), the simplification is stated where it is made.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpstate_zeek.h"

#include <ctype.h>
#include <string.h>

#include "tcpstate_fsm.h"

/* Zeek's endpoint states (TCP_ENDPOINT_*). */
enum { INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET };

/* History bits (TCP_Endpoint::HIST_*); the responder's are shifted by 16. */
enum {
    HIST_SYN = 0x1, HIST_FIN = 0x2, HIST_RST = 0x4, HIST_FIN_RST = 0x8,
    HIST_DATA = 0x10, HIST_ACK = 0x20, HIST_MULTI_FLAG = 0x40
};

/* Zeek's defaults (init-bare.zeek), in microseconds. */
#define SEC 1000000ull
#define TCP_ATTEMPT_DELAY (5 * SEC)
#define TCP_SYN_TIMEOUT (5 * SEC)
#define TCP_SESSION_TIMER (6 * SEC)
#define TCP_CONNECTION_LINGER (5 * SEC)
#define TCP_CLOSE_DELAY (5 * SEC)
#define UDP_INACTIVITY_S 60   /* what a TCP connection starts with */
#define TCP_INACTIVITY_S 300  /* after the handshake */
#define TOO_LARGE_SEQ_DELTA 1048576

#define FIRST_ORIG 1
#define FIRST_RESP 2

static int32_t seq_delta(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

static uint64_t full_seq(uint32_t seq, uint32_t wraps) { return ((uint64_t)wraps << 32) + seq; }

/* ------------------------------------------------------------------------ */
/* History (Session::AddHistory/CheckHistory, TCP_Endpoint::CheckHistory)   */

static void add_history(struct zk_conn *c, char code)
{
    if (c->history_len < ZK_HISTORY_MAX) {
        c->history[c->history_len++] = code;
        c->history[c->history_len] = '\0';
    } else {
        c->history_truncated = 1;
    }
}

static void ep_add_history(struct zk_conn *c, const struct zk_endpoint *e, char code)
{
    add_history(c, e->is_orig ? code : (char)tolower((unsigned char)code));
}

/* Connection::FlipRoles and TCPSessionAdapter::FlipRoles: the responder
 * becomes the originator.  Zeek does not swap hist_seen. */
static void flip_roles(struct zk_conn *c)
{
    uint8_t fps = c->first_packet_seen;

    c->ep[0].is_orig = !c->ep[0].is_orig;
    c->ep[1].is_orig = !c->ep[1].is_orig;
    c->first_packet_seen = (uint8_t)(((fps & FIRST_ORIG) ? FIRST_RESP : 0) | ((fps & FIRST_RESP) ? FIRST_ORIG : 0));
    c->is_partial = 0;
    add_history(c, '^');
}

static struct zk_endpoint *orig_ep(struct zk_conn *c) { return c->ep[0].is_orig ? &c->ep[0] : &c->ep[1]; }
static struct zk_endpoint *resp_ep(struct zk_conn *c) { return c->ep[0].is_orig ? &c->ep[1] : &c->ep[0]; }
static const struct zk_endpoint *orig_cep(const struct zk_conn *c) { return c->ep[0].is_orig ? &c->ep[0] : &c->ep[1]; }
static const struct zk_endpoint *resp_cep(const struct zk_conn *c) { return c->ep[0].is_orig ? &c->ep[1] : &c->ep[0]; }

/* True if the letter was seen before (and so not added now). */
static bool check_history(struct zk_conn *c, struct zk_endpoint *e, uint32_t mask, char code)
{
    if ((code == 'A' || code == 'D') && c->history_len == 1 && c->history[0] == 'H') {
        /* The connection began with a SYN-ACK and now carries real traffic:
         * the SYN was missed, so the SYN-ACK's sender is the responder. */
        flip_roles(c);
        c->history_len = 0;
        add_history(c, '^');
        add_history(c, 'h');
        c->first_packet_seen |= FIRST_ORIG;
    }
    if (!e->is_orig) {
        mask <<= 16;
        code = (char)tolower((unsigned char)code);
    }
    if (c->hist_seen & mask)
        return true;
    c->hist_seen |= mask;
    add_history(c, code);
    return false;
}

/* Session::ScaledHistoryEntry: the letter again at 1, 10, 100, ... events. */
static void scaled_history(struct zk_conn *c, const struct zk_endpoint *e, char code, uint32_t *cnt, uint32_t *thresh)
{
    if (++*cnt == *thresh) {
        uint32_t next = *thresh * 10;
        ep_add_history(c, e, code);
        if (next <= *thresh)
            *cnt = 0;
        else
            *thresh = next;
    }
}

/* ------------------------------------------------------------------------ */
/* Sequence bookkeeping (TCPSessionAdapter.cc helpers)                       */

static void init_endpoint(struct zk_endpoint *e, uint8_t flags, uint32_t seq, uint32_t last)
{
    bool syn = flags & TCPS_SYN;

    switch (e->state) {
    case INACTIVE:
        if (syn) {
            e->ack_seq = seq;
            e->start_seq = seq;
        } else {
            /* A partial connection: number as though a SYN had been seen. */
            e->ack_seq = seq - 1;
            e->start_seq = (int64_t)seq - 1;
            last = seq;
        }
        e->last_seq = last;
        break;
    case SYN_SENT:
    case SYN_ACK_SENT:
    case ESTABLISHED:
    case PARTIAL:
        if (syn && seq != (uint32_t)e->start_seq) {
            e->start_seq = seq;
            e->ack_seq = seq;
            e->last_seq = last;
        } else if (syn && (e->state == ESTABLISHED || e->state == PARTIAL)) {
            e->start_seq = seq;
            e->ack_seq = seq;
            e->last_seq = last;
        }
        break;
    case RESET:
        if (syn && e->prev_state == INACTIVE) {
            e->start_seq = seq;
            e->ack_seq = seq;
            e->last_seq = last;
        }
        break;
    default:
        break;
    }
}

static uint64_t to_relative(const struct zk_endpoint *e, uint32_t seq, uint32_t wraps)
{
    return full_seq(seq, wraps) - (uint64_t)e->start_seq;
}

/* get_relative_seq */
static uint64_t relative_seq(const struct zk_endpoint *e, uint32_t cur, uint32_t last, uint32_t wraps, bool *underflow)
{
    int32_t delta = seq_delta(cur, last);

    if (delta < 0) {
        if (wraps && cur > last)
            --wraps;
    } else if (delta > 0) {
        if (cur < last)
            ++wraps;
    }
    if (wraps == 0) {
        delta = seq_delta(cur, (uint32_t)e->start_seq);
        if (delta < 0)
            *underflow = true;
        return (uint64_t)(int64_t)delta;
    }
    return to_relative(e, cur, wraps);
}

static void update_last(struct zk_endpoint *e, uint32_t seq)
{
    if (seq < e->last_seq)
        ++e->seq_wraps;
    e->last_seq = seq;
}

static void update_ack(struct zk_endpoint *e, uint32_t seq)
{
    if (seq < e->ack_seq)
        ++e->ack_wraps;
    e->ack_seq = seq;
}

static bool no_data_acked(const struct zk_endpoint *e)
{
    uint64_t ack = full_seq(e->ack_seq, e->ack_wraps);
    uint64_t start = (uint64_t)e->start_seq;
    return ack == start || ack == start + 1;
}

/* TCP_Endpoint::Size: bytes in sequence space, without SYN and FIN. */
static uint64_t ep_size(const struct zk_endpoint *e, const struct zk_endpoint *peer)
{
    uint64_t last = full_seq(e->last_seq, e->seq_wraps), ack = full_seq(e->ack_seq, e->ack_wraps), size;

    if (e->prev_state == SYN_SENT && e->state == RESET && peer->state == INACTIVE && !no_data_acked(e))
        return 0;
    size = (last > ack ? last : ack) - (uint64_t)e->start_seq;
    if (size != 0)
        --size;
    if (e->fin_cnt > 0 && size != 0)
        --size;
    return size;
}

/* update_history */
static void update_history(struct zk_conn *c, struct zk_endpoint *e, uint8_t flags, uint64_t rel_seq, uint32_t len)
{
    int bits = !!(flags & TCPS_SYN) + !!(flags & TCPS_FIN) + !!(flags & TCPS_RST);

    if (bits > 1) {
        if ((flags & TCPS_FIN) && (flags & TCPS_RST))
            check_history(c, e, HIST_FIN_RST, 'I');
        else
            check_history(c, e, HIST_MULTI_FLAG, 'Q');
    } else if (flags & TCPS_SYN) {
        char code = (flags & TCPS_ACK) ? 'H' : 'S';
        if (check_history(c, e, HIST_SYN, code) && rel_seq != e->hist_last_syn)
            ep_add_history(c, e, code);
        e->hist_last_syn = rel_seq;
    } else if (flags & TCPS_FIN) {
        /* A FIN's sequence number is the one after its data. */
        if (check_history(c, e, HIST_FIN, 'F') && rel_seq + len != e->hist_last_fin)
            ep_add_history(c, e, 'F');
        e->hist_last_fin = rel_seq + len;
    } else if (flags & TCPS_RST) {
        if (check_history(c, e, HIST_RST, 'R') && rel_seq != e->hist_last_rst)
            ep_add_history(c, e, 'R');
        e->hist_last_rst = rel_seq;
    } else if (len) {
        check_history(c, e, HIST_DATA, 'D');
    } else if (flags & TCPS_ACK) {
        check_history(c, e, HIST_ACK, 'A');
    }
}

/* update_last_seq: a retransmission is marked 'T'. */
static void update_last_seq(struct zk_conn *c, struct zk_endpoint *e, uint32_t last, uint8_t flags, uint32_t len)
{
    int32_t delta = seq_delta(last, e->last_seq);

    if ((flags & (TCPS_SYN | TCPS_RST)) && (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA))
        ; /* implausible jump: not trusted */
    else if ((flags & TCPS_FIN) && e->last_seq == (uint32_t)(e->start_seq + 1))
        update_last(e, last);
    else if (e->state == RESET)
        ; /* nothing after a RST is trusted */
    else if (delta > 0)
        update_last(e, last);
    else if (len > 0)
        scaled_history(c, e, 'T', &e->rxmt_cnt, &e->rxmt_thresh);
}

/* ------------------------------------------------------------------------ */
/* Reassembly, reduced to what the history needs: content gaps ('G')         */

static bool is_clean(const struct zk_endpoint *e)
{
    return e->state == ESTABLISHED || (e->state == CLOSED && e->prev_state == ESTABLISHED);
}

/* TCP_Reassembler::Gap: only reported while both ends are cleanly open or closing. */
static void content_gap(struct zk_conn *c, struct zk_endpoint *e, const struct zk_endpoint *peer)
{
    if (is_clean(e) && is_clean(peer))
        scaled_history(c, e, 'G', &e->gap_cnt, &e->gap_thresh);
}

/* TCP_Reassembler::DataSent.  Zeek keeps every block above a hole; this keeps
 * their hull, which is the same as long as holes are not filled piecemeal. */
static void data_sent(struct zk_endpoint *e, uint64_t seq, uint32_t len)
{
    uint64_t ack = to_relative(e, e->ack_seq, e->ack_wraps), upper = seq + len;

    if (seq < ack) {
        if (upper <= ack)
            return;
        seq = ack;
    }
    if (upper <= e->trim_seq)
        return;
    if (seq < e->trim_seq)
        seq = e->trim_seq;
    if (seq <= e->reassem_seq) {
        if (upper > e->reassem_seq)
            e->reassem_seq = upper;
        if (e->hole_hi && e->hole_lo <= e->reassem_seq) {
            if (e->hole_hi > e->reassem_seq)
                e->reassem_seq = e->hole_hi;
            e->hole_lo = e->hole_hi = 0;
        }
    } else if (!e->hole_hi) {
        e->hole_lo = seq;
        e->hole_hi = upper;
    } else {
        if (seq < e->hole_lo)
            e->hole_lo = seq;
        if (upper > e->hole_hi)
            e->hole_hi = upper;
    }
}

/* TCP_Reassembler::AckReceived -> TrimToSeq -> Undelivered. */
static void ack_received(struct zk_conn *c, struct zk_endpoint *e, uint64_t seq)
{
    const struct zk_endpoint *peer = &c->ep[e == &c->ep[0] ? 1 : 0];

    if (e->fin_cnt > 0 && seq >= e->fin_seq)
        seq = e->fin_seq - 1;
    if (seq <= e->trim_seq)
        return;
    if (seq > e->reassem_seq) {
        if (seq <= 2 && c->is_partial) {
            /* The faked-up SYN octet of a partial connection, or a keep-alive. */
        } else {
            if (e->hole_hi && e->hole_lo < seq) {
                content_gap(c, e, peer);
                e->reassem_seq = e->hole_hi;
                e->hole_lo = e->hole_hi = 0;
            }
            if (seq > e->reassem_seq)
                content_gap(c, e, peer);
            e->reassem_seq = seq;
        }
    }
    if (e->hole_hi && e->hole_hi <= seq)
        e->hole_lo = e->hole_hi = 0;
    e->trim_seq = seq;
}

/* ------------------------------------------------------------------------ */
/* Endpoint state machine (TCPSessionAdapter::Update*State)                  */

static bool is_handshake(uint8_t s) { return s == INACTIVE || s == SYN_SENT || s == SYN_ACK_SENT; }

static void set_state(struct zk_conn *c, struct zk_endpoint *e, uint8_t s)
{
    const struct zk_endpoint *peer = &c->ep[e == &c->ep[0] ? 1 : 0];

    if (s == e->state)
        return;
    if (!is_handshake(s) && is_handshake(e->state) && is_handshake(peer->state))
        c->inactivity_s = TCP_INACTIVITY_S;
    e->prev_state = e->state;
    e->state = s;
}

/* TCPSessionAdapter::ConnectionClosed, for the timers and flags it sets. */
static void connection_closed(struct zk_conn *c, struct zk_endpoint *e, struct zk_endpoint *peer, bool gen_event)
{
    bool complete;

    if (e->did_close)
        return;
    e->did_close = 1;
    complete = e->state == RESET || peer->did_close || peer->state == INACTIVE;
    if (complete) {
        if (gen_event && (e->prev_state != INACTIVE || peer->state != INACTIVE))
            c->is_active = 0; /* ConnectionFinished */
        c->attempt_at_us = 0;  /* CancelTimers */
        c->expire_base_us = c->expire_extra_us = 0;
        c->delete_at_us = c->last_us + TCP_CLOSE_DELAY;
    } else if (e->prev_state != INACTIVE) {
        c->expire_extra_us = c->last_us + TCP_SESSION_TIMER;
    }
}

static void update_inactive(struct zk_conn *c, struct zk_endpoint *e, struct zk_endpoint *peer,
                            const struct zk_packet *p, bool is_orig, bool *do_close, bool *gen_event)
{
    uint8_t f = p->flags;

    if (f & TCPS_SYN) {
        if (is_orig) {
            set_state(c, e, (f & TCPS_ACK) ? SYN_ACK_SENT : SYN_SENT);
            c->attempt_at_us = p->time_us + TCP_ATTEMPT_DELAY;
        } else {
            if (!(f & TCPS_ACK) && peer->state == SYN_ACK_SENT && p->seq == (uint32_t)e->start_seq) {
                /* SYN and SYN-ACK seen in reverse order: swap the roles. */
                c->is_partial = 0;
                flip_roles(c);
                set_state(c, peer, ESTABLISHED);
                c->first_packet_seen |= FIRST_ORIG;
            }
            if (peer->state == SYN_SENT)
                set_state(c, peer, ESTABLISHED);
            set_state(c, e, ESTABLISHED);
        }
    }
    if (f & TCPS_FIN) {
        set_state(c, e, CLOSED);
        *do_close = *gen_event = true;
    }
    if (f & TCPS_RST) {
        bool reject;
        set_state(c, e, RESET);
        if (is_orig)
            reject = peer->state == ESTABLISHED;
        else
            reject = peer->state == SYN_SENT || peer->state == SYN_ACK_SENT;
        *do_close = true;
        *gen_event = !reject;
    }
    if (e->state == INACTIVE) {
        const struct zk_endpoint *o = orig_cep(c);
        if (!is_orig && p->len == 0 && o->state == SYN_SENT) {
            /* An ACK of the SYN before the SYN-ACK: not a partial connection. */
        } else if ((f & TCPS_ACK) && peer->state == ESTABLISHED) {
            /* SYN-ACK seen, SYN missed, now the ACK: established. */
            set_state(c, e, ESTABLISHED);
            c->is_partial = 0;
            c->first_packet_seen |= is_orig ? FIRST_ORIG : FIRST_RESP;
        } else {
            set_state(c, e, PARTIAL);
        }
    }
}

static void update_syn_sent(struct zk_conn *c, struct zk_endpoint *e, const struct zk_packet *p, bool *do_close,
                            bool *gen_event)
{
    if (p->flags & TCPS_FIN) {
        set_state(c, e, CLOSED);
        *do_close = *gen_event = true;
    }
    if (p->flags & TCPS_RST) {
        set_state(c, e, RESET);
        c->is_active = 0; /* ConnectionReset */
        *do_close = true;
    }
}

static void update_established(struct zk_conn *c, struct zk_endpoint *e, struct zk_endpoint *peer,
                               const struct zk_packet *p, bool *do_close, bool *gen_event)
{
    uint8_t f = p->flags;

    if ((f & TCPS_SYN) && e->state == PARTIAL && peer->state == INACTIVE && !(f & TCPS_ACK))
        set_state(c, e, SYN_SENT);
    if ((f & TCPS_FIN) && !(f & TCPS_RST)) {
        set_state(c, e, CLOSED);
        if (peer->state == RESET && peer->prev_state == CLOSED)
            set_state(c, peer, CLOSED); /* FIN then RST from the peer: a normal close */
        *do_close = *gen_event = true;
    }
    if (f & TCPS_RST) {
        set_state(c, e, RESET);
        *do_close = true;
        if (peer->state != RESET || peer->prev_state != ESTABLISHED)
            c->is_active = 0;
    }
}

static void update_closed(struct zk_conn *c, struct zk_endpoint *e, struct zk_endpoint *peer,
                          const struct zk_packet *p, bool *do_close)
{
    /* After a FIN exchange a RST changes nothing. */
    if ((p->flags & TCPS_RST) && peer->state != CLOSED) {
        set_state(c, e, RESET);
        if (!e->did_close)
            *do_close = true;
    }
}

/* ------------------------------------------------------------------------ */
/* Connections and their timers                                              */

static bool likely_server_port(const struct zk_config *cfg, uint16_t port)
{
    return cfg->server_ports && (cfg->server_ports[port >> 3] & (1u << (port & 7)));
}

/* TCPAnalyzer::WantConnection: a connection that starts without a SYN (or with
 * a SYN-ACK) gets its roles from the ports. */
static bool flip_at_start(const struct zk_config *cfg, const struct zk_packet *p)
{
    if ((p->flags & TCPS_SYN) && !(p->flags & TCPS_ACK))
        return false;
    if (!likely_server_port(cfg, p->sport))
        return false;
    if (likely_server_port(cfg, p->dport))
        return !(p->flags & TCPS_SYN) && p->sport < p->dport;
    return true;
}

void zk_conn_init(struct zk_conn *c, const struct zk_config *cfg, const struct zk_packet *p)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < 2; i++) {
        c->ep[i].rxmt_thresh = c->ep[i].win0_thresh = c->ep[i].gap_thresh = 1;
        c->ep[i].reassem_seq = c->ep[i].trim_seq = 1;
    }
    c->ep[0].is_orig = 1;
    c->side0_addr = p->src_addr;
    c->side0_port = p->sport;
    c->start_us = c->last_us = p->time_us;
    c->is_active = 1;
    c->inactivity_s = UDP_INACTIVITY_S;
    c->expire_base_us = p->time_us + TCP_SYN_TIMEOUT;
    if (flip_at_start(cfg, p))
        flip_roles(c);
}

/* The periodic ExpireTimer (TCPSessionAdapter::ExpireTimer) removes a quiet
 * connection that has closed, reset or never answered.  Whether it has is
 * a matter of the endpoints' states, which change only with a packet. */
static bool expire_may_remove(const struct zk_conn *c)
{
    const struct zk_endpoint *o = orig_cep(c), *r = resp_cep(c);

    if (!c->is_active)
        return false;
    return ((o->did_close || r->did_close) &&
            ((o->did_close && r->did_close) || o->state == RESET || r->state == RESET ||
             o->state == INACTIVE || r->state == INACTIVE)) ||
           (o->state == INACTIVE && r->state == INACTIVE);
}

/* The expire timer ticks every 6 s from its start; Zeek reschedules it from
 * the network time at which it fired, which a per-connection view
 * approximates by the tick itself.  It removes only after the connection
 * has been quiet for TCP_CONNECTION_LINGER. */
static bool expire_removes(const struct zk_conn *c, uint64_t now)
{
    uint64_t quiet_after = c->last_us + TCP_CONNECTION_LINGER, tick;

    if (!expire_may_remove(c))
        return false;
    if (c->expire_extra_us > quiet_after && c->expire_extra_us <= now)
        return true;
    if (!c->expire_base_us)
        return false;
    tick = c->expire_base_us;
    if (tick <= quiet_after)
        tick += ((quiet_after - tick) / TCP_SESSION_TIMER + 1) * TCP_SESSION_TIMER;
    return tick <= now;
}

/* The attempt timer (AttemptTimer) removes a connection whose originator's
 * SYN is still unanswered when it fires; states change only with a packet. */
static bool attempt_may_remove(const struct zk_conn *c)
{
    const struct zk_endpoint *o = orig_cep(c), *r = resp_cep(c);

    return c->attempt_at_us && c->is_active && (o->state == SYN_SENT || o->state == SYN_ACK_SENT) &&
           r->state == INACTIVE;
}

/* The earliest time zk_conn_removed_by can be true, until the next packet:
 * the delete timer fires at its time, the attempt timer at its time if the
 * SYN is unanswered, inactivity at last_us + inactivity_s, and the expire
 * timer only after TCP_CONNECTION_LINGER of quiet, if the states let it.
 * Kept after every packet, it spares the sweep and the packets the full
 * check of every timer. */
static uint64_t removable_from(const struct zk_conn *c)
{
    uint64_t t = c->last_us + (uint64_t)c->inactivity_s * SEC;

    if (expire_may_remove(c) && c->last_us + TCP_CONNECTION_LINGER < t)
        t = c->last_us + TCP_CONNECTION_LINGER;
    if (c->delete_at_us && c->delete_at_us < t)
        t = c->delete_at_us;
    if (attempt_may_remove(c) && c->attempt_at_us < t)
        t = c->attempt_at_us;
    return t;
}

bool zk_conn_removed_by(const struct zk_conn *c, uint64_t now)
{
    if (now < c->removable_from_us)
        return false;
    if (c->delete_at_us && c->delete_at_us <= now)
        return true;
    if (attempt_may_remove(c) && c->attempt_at_us <= now)
        return true;
    if (now >= c->last_us + (uint64_t)c->inactivity_s * SEC)
        return true;
    return expire_removes(c, now);
}

bool zk_packet_continues(const struct zk_conn *c, const struct zk_packet *p)
{
    const struct zk_endpoint *o = orig_cep(c), *r = resp_cep(c), *conn_orig = o;

    /* Timers that would have removed the connection before this packet. */
    if (zk_conn_removed_by(c, p->time_us))
        return false;

    /* TCPSessionAdapter::IsReuse: a SYN (a SYN-ACK for a half connection)
     * with a new sequence number, or any after a close, starts anew. */
    if (!(p->flags & TCPS_SYN))
        return true;
    if (p->flags & TCPS_ACK) {
        if (o->state != INACTIVE)
            return true;
        conn_orig = r;
    }
    if (!(o->did_close || r->did_close)) {
        if (p->seq == (uint32_t)conn_orig->start_seq)
            return true;
        if (!(p->flags & TCPS_ACK) && conn_orig->state == SYN_ACK_SENT && r->state == INACTIVE &&
            p->seq == (uint32_t)r->start_seq)
            return true; /* SYN after its SYN-ACK: the roles get swapped, same connection */
    }
    return false;
}

/* zk_packet_seen without its bookkeeping: the packet, as Zeek's TCP
 * analyzer takes it. */
static void take_packet(struct zk_conn *c, const struct zk_packet *p)
{
    int side = (p->src_addr == c->side0_addr && p->sport == c->side0_port) ? 0 : 1;
    struct zk_endpoint *e = &c->ep[side], *peer = &c->ep[!side];
    bool is_orig = e->is_orig; /* as Zeek's caller saw it, before any flip below */
    uint8_t f = p->flags;
    uint32_t seg_len = p->len + !!(f & TCPS_SYN) + !!(f & TCPS_FIN), past;
    uint64_t rel_seq, rel_ack = 0;
    bool underflow = false, do_close = false, gen_event = false;

    if (p->header_truncated)
        return; /* ExtractTCP_Header: truncated_header, packet skipped */
    if (f & TCPS_RST)
        seg_len -= p->len;
    past = p->seq + seg_len;

    /* SetPartialStatus */
    if (is_orig) {
        if (!(c->first_packet_seen & FIRST_ORIG))
            c->is_partial = !(f & TCPS_SYN) || (f & TCPS_ACK);
    } else if (!(c->first_packet_seen & FIRST_RESP) && !c->is_partial) {
        c->is_partial = !(f & TCPS_SYN);
    }

    init_endpoint(e, f, p->seq, past);
    rel_seq = relative_seq(e, p->seq, e->last_seq, e->seq_wraps, &underflow);
    update_history(c, e, f, rel_seq, p->len);

    /* update_window: a zero window is news unless the connection is going away. */
    if (p->win == 0 && !(f & TCPS_RST) && peer->state != CLOSED && e->state != RESET)
        scaled_history(c, e, 'W', &e->win0_cnt, &e->win0_thresh);

    if (!(orig_ep(c)->did_close && resp_ep(c)->did_close))
        c->last_us = p->time_us;
    if ((f & TCPS_FIN) && e->fin_cnt < 255)
        e->fin_cnt++;
    if (f & TCPS_FIN)
        e->fin_seq = rel_seq + seg_len;
    if ((f & TCPS_RST) && e->rst_cnt < 255)
        e->rst_cnt++;

    if (f & TCPS_ACK) {
        if (peer->state == INACTIVE) {
            rel_ack = 1;
            /* init_peer: number the peer as though its SYN had been seen. */
            peer->start_seq = (int64_t)p->ack - 1;
            peer->ack_seq = peer->last_seq = p->ack - 1;
        } else {
            bool ack_underflow = false;
            rel_ack = relative_seq(peer, p->ack, peer->ack_seq, peer->ack_wraps, &ack_underflow);
            if (ack_underflow)
                rel_ack = 0;
            else if (!(f & TCPS_RST) && !(p->ack == 0 && seq_delta(p->ack, peer->ack_seq) > TOO_LARGE_SEQ_DELTA) &&
                     seq_delta(p->ack, peer->ack_seq) > 0)
                update_ack(peer, p->ack);
        }
    }

    update_last_seq(c, e, past, f, p->len);
    e->seen = 1;

    switch (e->state) {
    case INACTIVE:
        update_inactive(c, e, peer, p, is_orig, &do_close, &gen_event);
        break;
    case SYN_SENT:
    case SYN_ACK_SENT:
        update_syn_sent(c, e, p, &do_close, &gen_event);
        break;
    case ESTABLISHED:
    case PARTIAL:
        update_established(c, e, peer, p, &do_close, &gen_event);
        break;
    case CLOSED:
        update_closed(c, e, peer, p, &do_close);
        break;
    default:
        break;
    }

    if ((f & TCPS_ACK) && rel_ack)
        ack_received(c, peer, rel_ack);

    /* CheckPIA_FirstPacket */
    c->first_packet_seen |= is_orig ? FIRST_ORIG : FIRST_RESP;

    if (p->len > 0 && !p->payload_truncated && !(f & TCPS_RST) && !underflow)
        data_sent(e, (f & TCPS_SYN) ? rel_seq + 1 : rel_seq, p->len);

    if (do_close)
        connection_closed(c, e, peer, gen_event);
}

void zk_packet_seen(struct zk_conn *c, const struct zk_packet *p)
{
    take_packet(c, p);
    c->removable_from_us = removable_from(c);
}

/* ------------------------------------------------------------------------ */
/* conn_state (base/protocols/conn/main.zeek)                                */

/* The pattern /\^?S[^HAFGIQ]*R.*\/ : a SYN, then a RST before any sign of a peer. */
static bool syn_then_rst(const struct zk_conn *c)
{
    const char *h = c->history;

    if (*h == '^')
        h++;
    if (*h++ != 'S')
        return false;
    for (; *h && *h != 'R'; h++)
        if (strchr("HAFGIQ", *h))
            return false;
    return *h == 'R';
}

enum zk_conn_state zk_conn_state(const struct zk_conn *c)
{
    const struct zk_endpoint *o = orig_cep(c), *r = resp_cep(c);
    uint8_t os = o->state, rs = r->state;
    bool o_inactive = os == INACTIVE || os == PARTIAL, r_inactive = rs == INACTIVE || rs == PARTIAL;

    if (rs == RESET) {
        if (os == SYN_SENT || os == SYN_ACK_SENT || (os == RESET && ep_size(o, r) == 0 && ep_size(r, o) == 0))
            return ZK_CS_REJ;
        return o_inactive ? ZK_CS_RSTRH : ZK_CS_RSTR;
    }
    if (os == RESET) {
        if (r_inactive)
            return syn_then_rst(c) ? ZK_CS_RSTOS0 : ZK_CS_OTH;
        return ZK_CS_RSTO;
    }
    if (rs == CLOSED && os == CLOSED)
        return ZK_CS_SF;
    if (os == CLOSED)
        return r_inactive ? ZK_CS_SH : ZK_CS_S2;
    if (rs == CLOSED)
        return o_inactive ? ZK_CS_SHR : ZK_CS_S3;
    if (os == SYN_SENT && rs == INACTIVE)
        return ZK_CS_S0;
    if (os == ESTABLISHED && rs == ESTABLISHED)
        return ZK_CS_S1;
    return ZK_CS_OTH;
}

const char *zk_conn_state_name(enum zk_conn_state cs)
{
    static const char *const names[ZK_CS_COUNT] = {
        NULL, "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH",
    };
    return (unsigned)cs < ZK_CS_COUNT ? names[cs] : NULL;
}

uint64_t zk_side_bytes(const struct zk_conn *c, int side)
{
    return ep_size(&c->ep[side], &c->ep[!side]);
}
