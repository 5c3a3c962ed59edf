/* tcpstate_fsm.c - the TCP endpoint state machine of a passive observer.
 *
 * Reading guide.  tcps_segment_seen() takes one segment through these steps:
 *   1. pick_up()            the first segment of a connection decides the roles;
 *   2. expire_timers()      2*MSL after TIME_WAIT began, that end is CLOSED;
 *   3. place_in_sequence()  retransmission, gaps and holes in the sender's numbers;
 *   4. segment_sent()       what the sender must have done to send it
 *                           (send_syn, send_synack, send_ack, send_fin);
 *   5. segment_arrives()    the receiver, in RFC 9293 3.10.7 order: RST
 *                           (rst_seen, with RFC 5961 acceptability), SYN, ACK, FIN;
 *   6. record_sent(), fill_result().
 * Every state change of an RFC event is in the one function named after
 * that event (syn_received, synack_received, ack_received, fin_received,
 * close_sent_fin, rst_received; send_syn for the OPENs, expire_timers for
 * the timeout), as one line  conn->state[side] = TCPS_...;  and the
 * segment's handshake or teardown label is set beside it.  The send path
 * calls the same functions for what the sender must have received (a
 * SYN-ACK answers a SYN, an ACK in SYN_SENT a SYN-ACK, a FIN whose ACK
 * field misses the peer's FIN crossed it), so each (state, event) pair
 * appears once.  Three corrections are not RFC events but evidence that an
 * earlier picture was wrong: an unanswered SYN sent again (the server is
 * back in LISTEN), a SYN-ACK repeated by an ESTABLISHED server (back in
 * SYN_RCVD), and the crossed FIN (back in ESTABLISHED, then replayed).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpstate_fsm.h"

#include <string.h>

_Static_assert(sizeof(struct tcps_conn) == 48, "one per connection: keep it small");

/* Connection flags (tcps_conn.flags).  Per-side flags are the client bit,
 * shifted left by the side: CF_SIDE(CF_BASE_C, TCPS_SERVER) is the server's. */
#define CF_STARTED     0x0001u /* a segment was seen: roles are fixed */
#define CF_INFERRED    0x0002u /* no opening SYN: roles and states were inferred */
#define CF_ISN_C       0x0004u /* the side's real ISN is known */
#define CF_BASE_C      0x0010u /* isn[side] holds a base for relative numbers */
#define CF_NXT_C       0x0040u /* nxt[side] is known */
#define CF_FIN_C       0x0100u /* fin[side] holds the side's FIN */
#define CF_WIN_C       0x0400u /* win[side] holds a window the side advertised */
#define CF_SYNACK      0x1000u /* the server answered the SYN */
#define CF_SIMOPEN     0x2000u /* both ends sent a SYN: simultaneous open */
#define CF_PASSIVE     0x4000u /* the server came from LISTEN (RFC 9293: an RST in SYN_RCVD returns it there) */
#define CF_TW_TIMER    0x8000u /* tw_since_us is running */
#define CF_SIDE(flag, side) ((uint16_t)((flag) << (side)))

#define US_PER_S 1000000ull
#define MIN_RTO_US 200000ull /* Linux TCP_RTO_MIN: no retransmission comes sooner */

static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

static inline enum tcps_side other(enum tcps_side side)
{
    return side == TCPS_CLIENT ? TCPS_SERVER : TCPS_CLIENT;
}

static inline bool has(const struct tcps_conn *conn, uint16_t flag, enum tcps_side side)
{
    return (conn->flags & CF_SIDE(flag, side)) != 0;
}

/* What one segment is doing to the connection, while it is processed. */
struct seg_ctx {
    const struct tcps_segment *seg;
    enum tcps_side s;   /* sender */
    enum tcps_side r;   /* receiver */
    uint32_t seqlen;    /* payload + SYN + FIN */
    uint32_t end;       /* seq + seqlen */
    bool invalid;       /* a flag combination no stack sends */
    bool retrans;       /* all of its sequence space was sent before */
    bool fin_again;     /* the sender had sent a FIN before */
    bool delivered;     /* false when the evidence says the receiver did not take it */
    struct tcps_holes *holes; /* the connection's */
    uint8_t order;      /* TCPS_ORDER_* */
    uint8_t handshake;  /* enum tcps_handshake: the label, set beside its transition */
    uint8_t teardown;   /* enum tcps_teardown: likewise */
    uint16_t notes;
};

/* ------------------------------------------------------------------------ */
/* Names                                                                      */

static const char *const state_names[TCPS_STATE_COUNT] = {
    NULL, "CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED",
    "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

const char *tcps_state_name(enum tcps_state state)
{
    return (unsigned)state < TCPS_STATE_COUNT ? state_names[state] : NULL;
}

const char *tcps_handshake_name(enum tcps_handshake hs)
{
    switch (hs) {
    case TCPS_HS_SYN:            return "SYN (1/3)";
    case TCPS_HS_SYN_RETRANS:    return "SYN (1/3), retransmission";
    case TCPS_HS_SYNACK:         return "SYN-ACK (2/3)";
    case TCPS_HS_SYNACK_RETRANS: return "SYN-ACK (2/3), retransmission";
    case TCPS_HS_ACK:            return "ACK (3/3)";
    case TCPS_HS_SIM_SYN:        return "SYN (simultaneous open)";
    case TCPS_HS_SIM_SYNACK:     return "SYN-ACK (simultaneous open)";
    case TCPS_HS_NONE:           break;
    }
    return NULL;
}

const char *tcps_teardown_name(enum tcps_teardown td)
{
    switch (td) {
    case TCPS_TD_FIN_FIRST:        return "FIN (1st: active close)";
    case TCPS_TD_ACK_FIRST:        return "ACK of 1st FIN";
    case TCPS_TD_FIN_SECOND:       return "FIN (2nd: passive close)";
    case TCPS_TD_FIN_PIGGYBACK:    return "FIN+ACK (2nd FIN on the ACK of the 1st: 3-segment close)";
    case TCPS_TD_ACK_SECOND:       return "ACK of 2nd FIN (last ACK)";
    case TCPS_TD_FIN_SIMULTANEOUS: return "FIN (simultaneous close)";
    case TCPS_TD_ACK_SIMULTANEOUS: return "ACK of FIN (simultaneous close)";
    case TCPS_TD_FIN_RETRANS:      return "FIN, retransmission";
    case TCPS_TD_RST_REFUSED:      return "RST (connection refused)";
    case TCPS_TD_RST_ABORT:        return "RST (connection aborted)";
    case TCPS_TD_RST_IGNORED:      return "RST (ignored by the receiver)";
    case TCPS_TD_NONE:
    case TCPS_TD_COUNT:            break;
    }
    return NULL;
}

const char *tcps_side_name(enum tcps_side side)
{
    return side == TCPS_CLIENT ? "client" : "server";
}

/* ------------------------------------------------------------------------ */
/* Roles                                                                      */

void tcps_conn_init(struct tcps_conn *conn)
{
    memset(conn, 0, sizeof *conn);
    conn->wscales = TCPS_WSCALE_NONE << 4 | TCPS_WSCALE_NONE;
}

/* The window scale `side` offered in its SYN, or TCPS_WSCALE_NONE. */
static unsigned wscale_of(const struct tcps_conn *conn, enum tcps_side side)
{
    return (conn->wscales >> (4 * side)) & 0x0fu;
}

/* RFC 7323 2.3: a shift above 14 is used as 14. */
static void set_wscale(struct tcps_conn *conn, enum tcps_side side, int8_t offered)
{
    unsigned v = offered < 0 ? TCPS_WSCALE_NONE : offered > 14 ? 14 : (unsigned)offered;

    conn->wscales = (uint8_t)((conn->wscales & ~(0x0fu << (4 * side))) | v << (4 * side));
}

enum tcps_side tcps_sender(const struct tcps_conn *conn, const struct tcps_segment *seg)
{
    if (seg->sport != seg->dport)
        return seg->sport == conn->client_port ? TCPS_CLIENT : TCPS_SERVER;
    return seg->src_addr == conn->client_addr ? TCPS_CLIENT : TCPS_SERVER;
}

static bool handshake_done(enum tcps_state state)
{
    return state >= TCPS_ESTABLISHED;
}

uint64_t tcps_time_wait_since(const struct tcps_conn *conn)
{
    return (conn->flags & CF_TW_TIMER) ? conn->since_us : 0;
}

bool tcps_has_base(const struct tcps_conn *conn, enum tcps_side side)
{
    return (conn->flags & CF_SIDE(CF_BASE_C, side)) != 0;
}

uint8_t tcps_conn_states(const struct tcps_conn *conn)
{
    return (uint8_t)(conn->state[TCPS_CLIENT] << 4 | conn->state[TCPS_SERVER]);
}

bool tcps_syn_stays_in_connection(const struct tcps_conn *conn, const struct tcps_segment *seg)
{
    enum tcps_side s;
    enum tcps_state receiver;

    if (!(conn->flags & CF_STARTED))
        return false;
    s = tcps_sender(conn, seg);
    /* The same attempt: a stack retransmits its SYN with the ISN of the
     * first one while it is still in SYN_SENT (Wireshark 4.4 and later
     * start a new tcp.stream at such a SYN after a RST; 4.0 does not). */
    if (conn->state[s] == TCPS_SYN_SENT && has(conn, CF_ISN_C, s) && seg->seq == conn->isn[s])
        return true;
    receiver = (enum tcps_state)conn->state[other(s)];
    return handshake_done(receiver) && receiver != TCPS_TIME_WAIT;
}

/* Which end is the server when the opening SYN was not seen (README,
 * "Inferred roles"): the sender of a SYN-ACK; else a port below 1024 facing
 * one that is not; else a port below 32768 facing one in the ephemeral
 * range; else the receiver of the first segment seen. */
static bool sender_looks_like_server(const struct tcps_segment *seg)
{
    if ((seg->flags & (TCPS_SYN | TCPS_ACK)) == (TCPS_SYN | TCPS_ACK))
        return true;
    if ((seg->sport < 1024) != (seg->dport < 1024))
        return seg->sport < 1024;
    if ((seg->sport < 32768) != (seg->dport < 32768))
        return seg->sport < 32768;
    return false;
}

/* Flag combinations no TCP stack sends: a listener or a connection drops them. */
static bool flags_invalid(uint8_t flags)
{
    if ((flags & TCPS_SYN) && (flags & (TCPS_FIN | TCPS_RST)))
        return true;
    return (flags & (TCPS_SYN | TCPS_ACK | TCPS_RST)) == 0;
}

/* The first segment of a connection: fix the roles and the states before it. */
static void pick_up(struct tcps_conn *conn, const struct tcps_segment *seg)
{
    uint8_t fl = seg->flags;
    bool sender_is_client;

    conn->flags |= CF_STARTED;
    if (!flags_invalid(fl) && (fl & (TCPS_SYN | TCPS_ACK)) == TCPS_SYN) {
        /* The opening SYN: its sender is the client, about to do an active
         * OPEN; the server is taken to be listening. */
        sender_is_client = true;
        conn->state[TCPS_CLIENT] = TCPS_CLOSED;
        conn->state[TCPS_SERVER] = TCPS_LISTEN;
        conn->flags |= CF_PASSIVE;
    } else {
        conn->flags |= CF_INFERRED;
        sender_is_client = !sender_looks_like_server(seg);
        if (flags_invalid(fl)) {
            /* Not part of any connection a stack would keep. */
            conn->state[TCPS_CLIENT] = conn->state[TCPS_SERVER] = TCPS_CLOSED;
        } else if (fl & TCPS_SYN) {
            /* A SYN-ACK: the SYN was missed; the client waits for this reply. */
            conn->state[TCPS_CLIENT] = TCPS_SYN_SENT;
            conn->state[TCPS_SERVER] = TCPS_LISTEN;
            conn->flags |= CF_PASSIVE;
            conn->isn[TCPS_CLIENT] = seg->ack - 1;
            conn->nxt[TCPS_CLIENT] = seg->ack;
            conn->flags |= CF_ISN_C | CF_BASE_C | CF_NXT_C;
        } else {
            /* Mid-connection: segments with ACK (or an RST) belong to a
             * synchronized connection. */
            conn->state[TCPS_CLIENT] = conn->state[TCPS_SERVER] = TCPS_ESTABLISHED;
        }
    }
    conn->client_port = sender_is_client ? seg->sport : seg->dport;
    conn->client_addr = sender_is_client ? seg->src_addr : seg->dst_addr;
}

/* ------------------------------------------------------------------------ */
/* Sequence numbers                                                           */

/* Is this a SYN carrying the sender's ISN, rather than a stray SYN that a
 * synchronized connection ignores? */
static bool opening_syn(const struct tcps_conn *conn, const struct seg_ctx *x)
{
    if (!(x->seg->flags & TCPS_SYN))
        return false;
    if (has(conn, CF_ISN_C, x->s))
        return x->seg->seq == conn->isn[x->s];
    return !handshake_done((enum tcps_state)conn->state[x->s]) || !has(conn, CF_BASE_C, x->s);
}

/* Bases for relative numbers: the ISN from a SYN, else one below the first
 * sequence number seen (so the first segment shows 1, as after a handshake). */
static void learn_bases(struct tcps_conn *conn, const struct seg_ctx *x)
{
    const struct tcps_segment *seg = x->seg;

    if (!has(conn, CF_BASE_C, x->s) || (opening_syn(conn, x) && !has(conn, CF_ISN_C, x->s))) {
        conn->isn[x->s] = (seg->flags & TCPS_SYN) ? seg->seq : seg->seq - 1;
        conn->flags |= CF_SIDE(CF_BASE_C, x->s);
        if (seg->flags & TCPS_SYN)
            conn->flags |= CF_SIDE(CF_ISN_C, x->s);
    }
    if ((seg->flags & TCPS_ACK) && !has(conn, CF_BASE_C, x->r)) {
        conn->isn[x->r] = seg->ack - 1;
        conn->nxt[x->r] = seg->ack;
        conn->flags |= CF_SIDE(CF_BASE_C, x->r) | CF_SIDE(CF_NXT_C, x->r);
    }
}

/* Does this segment acknowledge the FIN of `side`? */
static bool acks_fin_of(const struct tcps_conn *conn, const struct tcps_segment *seg, enum tcps_side side)
{
    return has(conn, CF_FIN_C, side) && (seg->flags & TCPS_ACK) && seq_gt(seg->ack, conn->fin[side]);
}

/* SND.UNA < SEG.ACK =< SND.NXT for an end that has sent only its SYN (and
 * perhaps SYN data): the ACK acceptable in SYN_SENT. */
static bool acks_syn_of(const struct tcps_conn *conn, const struct tcps_segment *seg, enum tcps_side side)
{
    return (seg->flags & TCPS_ACK) && seq_gt(seg->ack, conn->isn[side]) &&
           (!has(conn, CF_NXT_C, side) || seq_leq(seg->ack, conn->nxt[side]));
}

/* The receive window `side` last advertised, in bytes.  Unknown scaling
 * (handshake not seen) is taken as the largest, so that an RST is called
 * out of window only when it surely is. */
static uint32_t rcv_window(const struct tcps_conn *conn, enum tcps_side side)
{
    unsigned shift = 14;

    if (!has(conn, CF_WIN_C, side))
        return UINT32_MAX;
    if (has(conn, CF_ISN_C, TCPS_CLIENT) && has(conn, CF_ISN_C, TCPS_SERVER))
        shift = (wscale_of(conn, TCPS_CLIENT) != TCPS_WSCALE_NONE &&
                 wscale_of(conn, TCPS_SERVER) != TCPS_WSCALE_NONE) ? wscale_of(conn, side) : 0;
    return (uint32_t)conn->win[side] << shift;
}

/* ------------------------------------------------------------------------ */
/* Labels: set beside the transition that gives the segment its role.        */

/* A FIN sent again keeps that as its role. */
static void label_fin(struct seg_ctx *x, enum tcps_teardown role)
{
    if (!x->fin_again)
        x->teardown = (uint8_t)role;
}

/* A segment with a FIN is labelled by its FIN's role; the role of its ACK
 * labels a segment without one. */
static void label_ack(struct seg_ctx *x, enum tcps_teardown role)
{
    if (!(x->seg->flags & TCPS_FIN))
        x->teardown = (uint8_t)role;
}

/* ------------------------------------------------------------------------ */
/* Timers                                                                     */

/* Enter TIME_WAIT, or stay in it when a FIN arrives again.  One 2*MSL timer
 * serves both ends: the first end to enter starts it (in a simultaneous
 * close the second end enters an RTT later and does not restart it); a FIN
 * that reaches an end in TIME_WAIT restarts it (RFC 9293 3.10.7.4, eighth).
 * Every start and restart of the timer is here. */
static void enter_time_wait(struct tcps_conn *conn, enum tcps_side side, uint64_t now)
{
    bool restart = conn->state[side] == TCPS_TIME_WAIT;

    conn->state[side] = TCPS_TIME_WAIT;
    if (restart || !(conn->flags & CF_TW_TIMER)) {
        conn->since_us = now;
        conn->flags |= CF_TW_TIMER;
    }
}

/* The 2*MSL timer: TIME_WAIT -> CLOSED.  One timer serves both ends; in a
 * simultaneous close the second end entered TIME_WAIT an RTT later. */
static void expire_timers(struct tcps_conn *conn, const struct tcps_config *cfg, struct seg_ctx *x)
{
    uint64_t now = x->seg->time_us;

    if (!(conn->flags & CF_TW_TIMER) || now < conn->since_us ||
        now - conn->since_us < 2ull * cfg->msl_s * US_PER_S)
        return;
    for (int side = TCPS_CLIENT; side <= TCPS_SERVER; side++) {
        if (conn->state[side] == TCPS_TIME_WAIT) {
            /* Timeout = 2MSL: delete the TCB. */
            conn->state[side] = TCPS_CLOSED;
            x->notes |= TCPS_NOTE_TW_EXPIRED;
        }
    }
    conn->flags &= (uint16_t)~CF_TW_TIMER;
}

/* ------------------------------------------------------------------------ */
/* The RFC events.  Each moves one end; the receive path calls them for what
 * a segment delivers, the send path for what its sender must have received
 * before sending it.                                                          */

/* SYN received: in LISTEN (a passive OPEN) or in SYN_SENT (simultaneous
 * open: the end had sent its own SYN).  The receive path and the send path
 * (a SYN-ACK shows its sender received a SYN) both come here, so both keep
 * the same record of how the connection opened. */
static void syn_received(struct tcps_conn *conn, enum tcps_side side)
{
    switch (conn->state[side]) {
    case TCPS_LISTEN:
    case TCPS_SYN_SENT:
        conn->flags |= conn->state[side] == TCPS_LISTEN ? CF_PASSIVE : CF_SIMOPEN;
        conn->state[side] = TCPS_SYN_RCVD;
        break;
    default:
        break;
    }
}

/* SYN-ACK received in SYN_SENT: the connection is open. */
static void synack_received(struct tcps_conn *conn, enum tcps_side side)
{
    if (conn->state[side] == TCPS_SYN_SENT)
        conn->state[side] = TCPS_ESTABLISHED;
}

/* An acceptable ACK received (3.10.7.4, fifth): of our SYN, or of our FIN. */
static void ack_received(struct tcps_conn *conn, struct seg_ctx *x, enum tcps_side side)
{
    const struct tcps_segment *seg = x->seg;

    switch (conn->state[side]) {
    case TCPS_SYN_RCVD:
        if (!seq_gt(seg->ack, conn->isn[side]))
            return; /* unacceptable: answered with an RST */
        conn->state[side] = TCPS_ESTABLISHED;
        /* A SYN-ACK has its own label.  A FIN here (the handshake's ACK
         * carrying the close) has both roles: this label and its FIN's. */
        if (!(seg->flags & TCPS_SYN))
            x->handshake = TCPS_HS_ACK;
        break;
    case TCPS_FIN_WAIT_1:
        if (!acks_fin_of(conn, seg, side))
            break;
        conn->state[side] = TCPS_FIN_WAIT_2;
        if (x->teardown == TCPS_TD_FIN_SECOND)
            x->teardown = TCPS_TD_FIN_PIGGYBACK; /* the peer's FIN rides on this ACK */
        else
            label_ack(x, TCPS_TD_ACK_FIRST);
        break;
    case TCPS_CLOSING:
        if (!acks_fin_of(conn, seg, side))
            break;
        enter_time_wait(conn, side, seg->time_us);
        label_ack(x, TCPS_TD_ACK_SIMULTANEOUS);
        break;
    case TCPS_LAST_ACK:
        if (!acks_fin_of(conn, seg, side))
            break;
        /* Delete the TCB. */
        conn->state[side] = TCPS_CLOSED;
        label_ack(x, TCPS_TD_ACK_SECOND);
        break;
    default:
        break;
    }
}

/* FIN received (3.10.7.4, eighth). */
static void fin_received(struct tcps_conn *conn, struct seg_ctx *x, enum tcps_side side)
{
    switch (conn->state[side]) {
    case TCPS_ESTABLISHED:
        conn->state[side] = TCPS_CLOSE_WAIT;
        break;
    case TCPS_FIN_WAIT_1:
        /* Our FIN not yet acknowledged: the FINs crossed. */
        conn->state[side] = TCPS_CLOSING;
        label_fin(x, TCPS_TD_FIN_SIMULTANEOUS);
        break;
    case TCPS_FIN_WAIT_2:
    case TCPS_TIME_WAIT: /* a FIN again: acknowledge it, restart the 2 MSL timeout */
        enter_time_wait(conn, side, x->seg->time_us);
        break;
    default:
        break;
    }
}

/* CLOSE: send FIN. */
static void close_sent_fin(struct tcps_conn *conn, struct seg_ctx *x, enum tcps_side side)
{
    switch (conn->state[side]) {
    case TCPS_SYN_RCVD:
    case TCPS_ESTABLISHED:
        conn->state[side] = TCPS_FIN_WAIT_1;
        label_fin(x, TCPS_TD_FIN_FIRST);
        break;
    case TCPS_CLOSE_WAIT:
        conn->state[side] = TCPS_LAST_ACK;
        label_fin(x, TCPS_TD_FIN_SECOND);
        break;
    default:
        break;
    }
}

/* An acceptable RST received (3.10.7.4, second check). */
static void rst_received(struct tcps_conn *conn, struct seg_ctx *x, enum tcps_side side)
{
    switch (conn->state[side]) {
    case TCPS_SYN_SENT:
        /* Our SYN acknowledged by an RST: connection refused. */
        conn->state[side] = TCPS_CLOSED;
        x->teardown = TCPS_TD_RST_REFUSED;
        break;
    case TCPS_SYN_RCVD:
        /* A passive OPEN returns to LISTEN. */
        conn->state[side] = (conn->flags & CF_PASSIVE) ? TCPS_LISTEN : TCPS_CLOSED;
        x->teardown = TCPS_TD_RST_ABORT;
        break;
    default:
        /* A synchronized state (TIME_WAIT too, as Linux does by default:
         * RFC 1337's "TIME-WAIT assassination"): connection reset. */
        conn->state[side] = TCPS_CLOSED;
        x->teardown = TCPS_TD_RST_ABORT;
        break;
    }
}

/* ------------------------------------------------------------------------ */
/* The sender: what it must have done to put this segment on the wire.        */

/* The server's own SYN, its active OPEN: it can only cross the client's
 * SYN (RFC 9293 3.5).  A server's SYN that opens nothing (sent after its
 * SYN-ACK, or when synchronized) has no handshake role. */
static void label_server_syn(struct seg_ctx *x)
{
    if (x->s == TCPS_SERVER)
        x->handshake = TCPS_HS_SIM_SYN;
}

/* A SYN without ACK. */
static void send_syn(struct tcps_conn *conn, struct seg_ctx *x)
{
    enum tcps_side s = x->s, r = x->r;

    if (s == TCPS_CLIENT)
        x->handshake = x->retrans ? TCPS_HS_SYN_RETRANS : TCPS_HS_SYN;
    switch (conn->state[s]) {
    case TCPS_CLOSED:
        /* Active OPEN: send SYN. */
        conn->state[s] = TCPS_SYN_SENT;
        label_server_syn(x);
        if (!(conn->flags & CF_TW_TIMER))
            conn->since_us = x->seg->time_us;
        break;
    case TCPS_SYN_SENT:
        label_server_syn(x); /* its active OPEN's SYN again */
        /* A copy within TCP's smallest retransmission timeout is the same
         * SYN seen twice (a duplicating span port or network), not news. */
        if (x->retrans && s == TCPS_CLIENT && !(conn->flags & (CF_SYNACK | CF_SIMOPEN | CF_TW_TIMER)) &&
            x->seg->time_us - conn->since_us >= MIN_RTO_US &&
            (conn->state[r] == TCPS_SYN_RCVD || conn->state[r] == TCPS_LISTEN)) {
            /* The SYN is sent again and nothing answered it: the server
             * did not take it.  Correct the picture, and do not deliver
             * this copy either. */
            conn->state[r] = TCPS_LISTEN;
            x->notes |= TCPS_NOTE_SYN_UNANSWERED;
            x->delivered = false;
        }
        break;
    case TCPS_LISTEN:
    case TCPS_SYN_RCVD:
        if (s == TCPS_SERVER && !(conn->flags & CF_SYNACK)) {
            /* The server sends its own SYN, not a SYN-ACK: it had not
             * taken the client's SYN yet.  Simultaneous open: its active
             * OPEN came first, the client's SYN arrives after it. */
            conn->flags |= CF_SIMOPEN;
            conn->flags &= (uint16_t)~CF_PASSIVE;
            label_server_syn(x);
            if (conn->state[s] == TCPS_LISTEN) {
                /* SEND in LISTEN: send SYN. */
                conn->state[s] = TCPS_SYN_SENT;
            }
        }
        break;
    default:
        /* A synchronized end does not send SYNs; the receiver judges it. */
        break;
    }
}

/* A SYN-ACK. */
static void send_synack(struct tcps_conn *conn, struct seg_ctx *x)
{
    enum tcps_side s = x->s;

    switch (conn->state[s]) {
    case TCPS_LISTEN:
    case TCPS_SYN_SENT:
        /* It answers a SYN we had not counted as taken (from SYN_SENT:
         * a simultaneous open). */
        syn_received(conn, s);
        break;
    case TCPS_ESTABLISHED:
        if (s == TCPS_SERVER && x->retrans && !(conn->flags & CF_SIMOPEN) &&
            conn->nxt[s] == conn->isn[s] + 1) {
            /* The server repeats its SYN-ACK and has sent nothing else:
             * the ACK (3/3) never reached it. */
            conn->state[s] = TCPS_SYN_RCVD;
        }
        break;
    default:
        break;
    }
    /* Labelled after the SYN it answers was taken: that may show a
     * simultaneous open. */
    if (conn->flags & CF_SIMOPEN)
        x->handshake = TCPS_HS_SIM_SYNACK;
    else
        x->handshake = x->retrans ? TCPS_HS_SYNACK_RETRANS : TCPS_HS_SYNACK;
    if (s == TCPS_SERVER)
        conn->flags |= CF_SYNACK;
}

/* An ACK without SYN. */
static void send_ack(struct tcps_conn *conn, struct seg_ctx *x)
{
    if (conn->state[x->s] == TCPS_SYN_SENT) {
        /* It acknowledges the peer's SYN: a SYN-ACK the capture does not
         * show reached it (a one-sided capture). */
        synack_received(conn, x->s);
        conn->flags |= CF_SYNACK;
        x->notes |= TCPS_NOTE_ACK_UNSEEN;
    }
}

/* A FIN (with ACK). */
static void send_fin(struct tcps_conn *conn, struct seg_ctx *x)
{
    enum tcps_side s = x->s;

    if (has(conn, CF_FIN_C, s)) {
        x->fin_again = true;
        x->teardown = TCPS_TD_FIN_RETRANS;
        return;
    }
    conn->fin[s] = x->seg->seq + x->seg->len;
    conn->flags |= CF_SIDE(CF_FIN_C, s);
    if (conn->state[s] == TCPS_CLOSE_WAIT && !acks_fin_of(conn, x->seg, x->r)) {
        /* Its ACK field shows it had not received the peer's FIN when it
         * sent this one: it closed from ESTABLISHED, and the peer's FIN
         * arrived after (simultaneous close).  Correct the picture. */
        conn->state[s] = TCPS_ESTABLISHED;
        close_sent_fin(conn, x, s);
        fin_received(conn, x, s);
        return;
    }
    close_sent_fin(conn, x, s);
}

static void segment_sent(struct tcps_conn *conn, struct seg_ctx *x)
{
    uint8_t fl = x->seg->flags;

    if (conn->state[x->s] == TCPS_CLOSED && (fl & (TCPS_SYN | TCPS_ACK)) != TCPS_SYN)
        x->notes |= TCPS_NOTE_CLOSED_PEER; /* a closed end should not be sending */
    if ((fl & (TCPS_SYN | TCPS_ACK)) == TCPS_SYN) {
        send_syn(conn, x);
    } else if (fl & TCPS_SYN) {
        send_synack(conn, x);
    } else {
        send_ack(conn, x);
        if (fl & TCPS_FIN)
            send_fin(conn, x);
    }
}

/* ------------------------------------------------------------------------ */
/* The receiver: RFC 9293 3.10.7, SEGMENT ARRIVES.                             */

/* RFC 9293 3.10.7.4 second check and RFC 5961 3.2: is this RST acceptable
 * to the receiver?  Returns 0, or the TCPS_NOTE_RST_* saying why not. */
static uint16_t rst_acceptability(const struct tcps_conn *conn, const struct seg_ctx *x)
{
    const struct tcps_segment *seg = x->seg;
    enum tcps_side s = x->s, r = x->r;
    uint32_t rcv_nxt, wnd;
    bool in_window;

    switch (conn->state[r]) {
    case TCPS_LISTEN:
        return TCPS_NOTE_RST_UNACCEPTABLE;
    case TCPS_SYN_SENT:
        return acks_syn_of(conn, seg, r) ? 0 : TCPS_NOTE_RST_UNACCEPTABLE;
    default:
        break;
    }
    if (!has(conn, CF_NXT_C, s))
        return 0; /* nothing known of the sender's numbers */
    rcv_nxt = conn->nxt[s];
    if (seg->seq == rcv_nxt)
        return 0;
    /* Linux (tcp_reset_check) also takes an RST at the sequence number of
     * the FIN it already received. */
    if (seg->seq == rcv_nxt - 1 && (conn->state[r] == TCPS_CLOSE_WAIT ||
        conn->state[r] == TCPS_LAST_ACK || conn->state[r] == TCPS_CLOSING))
        return 0;
    wnd = rcv_window(conn, r);
    in_window = seq_geq(seg->seq, rcv_nxt) && seg->seq - rcv_nxt < (wnd ? wnd : 1);
    /* An embryonic connection is reset by any RST in its window. */
    if (in_window && conn->state[r] == TCPS_SYN_RCVD)
        return 0;
    return in_window ? TCPS_NOTE_RST_NOT_EXACT : TCPS_NOTE_RST_OUT_OF_WINDOW;
}

/* An RST: its sender is gone; the receiver acts on it if it is acceptable. */
static void rst_seen(struct tcps_conn *conn, struct seg_ctx *x)
{
    uint16_t refusal;

    if (conn->state[x->r] == TCPS_CLOSED) {
        /* Nothing left to reset. */
        x->notes |= TCPS_NOTE_CLOSED_PEER;
        x->teardown = TCPS_TD_RST_IGNORED;
    } else if ((refusal = rst_acceptability(conn, x)) != 0) {
        x->notes |= refusal;
        x->teardown = TCPS_TD_RST_IGNORED;
        /* A listener ignores it, but its sender is gone all the same.
         * Elsewhere an unacceptable RST may be spoofed: change nothing. */
        if (conn->state[x->r] != TCPS_LISTEN)
            return;
    } else {
        rst_received(conn, x, x->r);
    }
    /* The sender aborted: send RST. */
    conn->state[x->s] = TCPS_CLOSED;
}

static void rcv_in_listen(struct tcps_conn *conn, struct seg_ctx *x)
{
    if ((x->seg->flags & (TCPS_SYN | TCPS_ACK)) == TCPS_SYN)
        syn_received(conn, x->r);
    /* Anything else would be answered with an RST: no connection. */
}

static void rcv_in_syn_sent(struct tcps_conn *conn, struct seg_ctx *x)
{
    const struct tcps_segment *seg = x->seg;
    enum tcps_side r = x->r;

    if ((seg->flags & TCPS_ACK) && !acks_syn_of(conn, seg, r)) {
        /* Unacceptable ACK: the end answers with an RST and stays. */
        if (seg->flags & TCPS_SYN)
            x->notes |= TCPS_NOTE_BAD_SYNACK;
        return;
    }
    if (!(seg->flags & TCPS_SYN))
        return;
    if (seg->flags & TCPS_ACK)
        synack_received(conn, r);
    else
        syn_received(conn, r);
}

/* Fourth, the SYN bit (RFC 5961 4.2): does a synchronized end ignore this
 * SYN (with a challenge ACK)?  Not the SYN-ACK that completes a
 * simultaneous open; a retransmission of the peer's SYN while in SYN_RCVD
 * is answered, but changes nothing either. */
static bool syn_ignored(const struct tcps_conn *conn, struct seg_ctx *x)
{
    const struct tcps_segment *seg = x->seg;
    enum tcps_side s = x->s, r = x->r;
    bool peer_syn_again = seg->seq == conn->isn[s] && has(conn, CF_ISN_C, s);
    bool simopen_synack = (seg->flags & TCPS_ACK) && conn->state[r] == TCPS_SYN_RCVD &&
                          (conn->flags & CF_SIMOPEN);

    if (simopen_synack)
        return false;
    if (!(peer_syn_again && conn->state[r] == TCPS_SYN_RCVD))
        x->notes |= TCPS_NOTE_SYN_IGNORED;
    return true;
}

/* SYN_RCVD and every state after it. */
static void rcv_in_synchronized(struct tcps_conn *conn, struct seg_ctx *x)
{
    const struct tcps_segment *seg = x->seg;
    enum tcps_side r = x->r;

    if ((seg->flags & TCPS_SYN) && syn_ignored(conn, x))
        return;
    /* Fifth, the ACK field. */
    if (!(seg->flags & TCPS_ACK))
        return;
    if (has(conn, CF_NXT_C, r) && seq_gt(seg->ack, conn->nxt[r])) {
        /* It acknowledges more than the capture showed the receiver send. */
        x->notes |= TCPS_NOTE_ACK_UNSEEN;
        conn->nxt[r] = seg->ack;
    }
    ack_received(conn, x, r);
    /* Eighth, the FIN bit. */
    if (seg->flags & TCPS_FIN)
        fin_received(conn, x, r);
}

static void segment_arrives(struct tcps_conn *conn, struct seg_ctx *x)
{
    switch (conn->state[x->r]) {
    case TCPS_NONE:
    case TCPS_CLOSED:
        /* A closed end answers with an RST. */
        x->notes |= TCPS_NOTE_CLOSED_PEER;
        break;
    case TCPS_LISTEN:
        rcv_in_listen(conn, x);
        break;
    case TCPS_SYN_SENT:
        rcv_in_syn_sent(conn, x);
        break;
    default:
        rcv_in_synchronized(conn, x);
        break;
    }
}

/* ------------------------------------------------------------------------ */
/* Sequence space                                                             */

/* Holes in a side's sequence space: a segment beyond what the side was seen
 * to send opens one (the capture missed segments, or they come later); a
 * later segment inside it was sent earlier and captured late.  One hole per
 * side is tracked (the first); that keeps the per-segment work O(1). */
static uint8_t find_hole(const struct tcps_conn *conn, struct seg_ctx *x)
{
    const struct tcps_segment *seg = x->seg;
    enum tcps_side s = x->s;
    uint32_t *lo = &x->holes->lo[s], *hi = &x->holes->hi[s];

    if (x->seqlen == 0 || !has(conn, CF_NXT_C, s) || (seg->flags & (TCPS_SYN | TCPS_RST)))
        return 0;
    if (seq_gt(seg->seq, conn->nxt[s])) {
        if (*lo == *hi) {
            *lo = conn->nxt[s];
            *hi = seg->seq;
        }
        return TCPS_ORDER_GAP;
    }
    if (*lo != *hi && seq_lt(seg->seq, *hi) && seq_gt(x->end, *lo)) {
        if (seq_leq(seg->seq, *lo))
            *lo = seq_lt(x->end, *hi) ? x->end : *hi;
        else
            *hi = seg->seq;
        x->retrans = false;
        return TCPS_ORDER_OUT_OF_ORDER;
    }
    return 0;
}

/* The holes and, in the connection, which sides have one: only those
 * connections need their struct tcps_holes kept. */
static uint8_t track_holes(struct tcps_conn *conn, struct seg_ctx *x)
{
    uint8_t order = find_hole(conn, x);
    uint8_t bit = (uint8_t)(1u << x->s);

    if (x->holes->lo[x->s] != x->holes->hi[x->s])
        conn->open_holes |= bit;
    else
        conn->open_holes &= (uint8_t)~bit;
    return order;
}

/* Where the segment lies in its sender's sequence space. */
static void place_in_sequence(struct tcps_conn *conn, struct seg_ctx *x)
{
    const struct tcps_segment *seg = x->seg;

    x->seqlen = tcps_seqlen(seg);
    x->end = seg->seq + x->seqlen;
    x->retrans = x->seqlen > 0 && has(conn, CF_NXT_C, x->s) && seq_leq(x->end, conn->nxt[x->s]);
    x->order = x->invalid ? 0 : track_holes(conn, x);
}

/* Record what the sender has now been seen to send. */
static void record_sent(struct tcps_conn *conn, struct seg_ctx *x)
{
    const struct tcps_segment *seg = x->seg;
    enum tcps_side s = x->s;

    if (seg->flags & TCPS_SYN)
        set_wscale(conn, s, seg->wscale);
    if (seg->len && has(conn, CF_FIN_C, s) && seq_gt(seg->seq + seg->len, conn->fin[s]))
        x->notes |= TCPS_NOTE_DATA_AFTER_FIN;
    if ((!(seg->flags & TCPS_SYN) || opening_syn(conn, x)) &&
        (!has(conn, CF_NXT_C, s) || seq_gt(x->end, conn->nxt[s]))) {
        conn->nxt[s] = x->end;
        conn->flags |= CF_SIDE(CF_NXT_C, s);
    }
    conn->win[s] = seg->win;
    conn->flags |= CF_SIDE(CF_WIN_C, s);
}

static void fill_result(const struct tcps_conn *conn, struct seg_ctx *x, uint8_t prev,
                        struct tcps_result *out)
{
    const struct tcps_segment *seg = x->seg;

    memset(out, 0, sizeof *out);
    out->sender = x->s;
    out->seq = seg->seq - conn->isn[x->s];
    if (seg->flags & TCPS_ACK) {
        out->ack = seg->ack - conn->isn[x->r];
        x->notes |= TCPS_NOTE_ACK;
    }
    out->seglen = tcps_seglen(seg);
    out->order = x->order;
    out->handshake = x->handshake;
    out->teardown = x->teardown;
    if (x->retrans)
        x->notes |= TCPS_NOTE_RETRANSMISSION;
    if (conn->flags & CF_INFERRED)
        x->notes |= TCPS_NOTE_INFERRED;
    if (has(conn, CF_ISN_C, TCPS_CLIENT))
        x->notes |= TCPS_NOTE_ISN_CLIENT;
    if (has(conn, CF_ISN_C, TCPS_SERVER))
        x->notes |= TCPS_NOTE_ISN_SERVER;
    out->notes = x->notes;
    out->prev = prev;
    out->states = tcps_conn_states(conn);
}

void tcps_segment_seen(struct tcps_conn *conn, struct tcps_holes *holes, const struct tcps_config *cfg,
                       const struct tcps_segment *seg, struct tcps_result *out)
{
    struct seg_ctx x;
    uint8_t prev;

    memset(&x, 0, sizeof x);
    x.seg = seg;
    x.holes = holes;
    x.delivered = true;
    x.invalid = flags_invalid(seg->flags);
    if (!(conn->flags & CF_STARTED))
        pick_up(conn, seg);
    x.s = tcps_sender(conn, seg);
    x.r = other(x.s);
    prev = tcps_conn_states(conn);

    expire_timers(conn, cfg, &x);
    learn_bases(conn, &x);
    place_in_sequence(conn, &x);
    if (x.invalid) {
        x.notes |= TCPS_NOTE_INVALID_FLAGS;
    } else if (seg->flags & TCPS_RST) {
        rst_seen(conn, &x);
    } else {
        segment_sent(conn, &x);
        if (x.delivered)
            segment_arrives(conn, &x);
        record_sent(conn, &x);
    }
    fill_result(conn, &x, prev, out);
}
