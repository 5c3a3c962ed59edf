/* tcpstate_fsm.h - the TCP endpoint state machine of a passive observer.
 *
 * Plain C, no Wireshark headers: one connection struct, one function "a segment
 * was seen" that moves both endpoints and says what happened.  The observer
 * model (see README.md, "The observer model"):
 *   - a segment on the wire was sent: its sender takes its send transition;
 *   - it is taken as delivered: the receiver takes its receive transition,
 *     following RFC 9293 section 3.10.7 and the RST/SYN checks of RFC 5961;
 *   - evidence that a segment was not taken (an unanswered SYN retransmitted,
 *     a FIN whose ACK field shows it crossed the peer's FIN) corrects the
 *     picture, and the correction is visible in the result.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_FSM_H
#define TCPSTATE_FSM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Endpoint states, spelled as BSD netstat does.  0 means "nothing seen yet". */
enum tcps_state {
    TCPS_NONE = 0,
    TCPS_CLOSED,
    TCPS_LISTEN,
    TCPS_SYN_SENT,
    TCPS_SYN_RCVD,
    TCPS_ESTABLISHED,
    TCPS_FIN_WAIT_1,
    TCPS_FIN_WAIT_2,
    TCPS_CLOSE_WAIT,
    TCPS_CLOSING,
    TCPS_LAST_ACK,
    TCPS_TIME_WAIT,
    TCPS_STATE_COUNT
};

/* The two ends of a connection.  The client sent the first SYN without ACK. */
enum tcps_side { TCPS_CLIENT = 0, TCPS_SERVER = 1 };

/* TCP flag bits as they sit in byte 13 of the header. */
#define TCPS_FIN 0x01u
#define TCPS_SYN 0x02u
#define TCPS_RST 0x04u
#define TCPS_PSH 0x08u
#define TCPS_ACK 0x10u

/* One segment as the observer saw it. */
struct tcps_segment {
    uint64_t time_us;   /* capture time, microseconds */
    uint32_t seq;
    uint32_t ack;
    uint32_t len;       /* payload bytes */
    uint32_t src_addr;  /* digest of the source address (tells the ends apart when ports are equal) */
    uint32_t dst_addr;
    uint16_t sport;
    uint16_t dport;
    uint16_t win;       /* raw window field */
    uint8_t flags;      /* TCPS_FIN | TCPS_SYN | ... */
    int8_t wscale;      /* window scale option, -1 when absent */
};

/* The segment's role in the opening. */
enum tcps_handshake {
    TCPS_HS_NONE = 0,
    TCPS_HS_SYN,            /* SYN (1/3) */
    TCPS_HS_SYN_RETRANS,    /* SYN (1/3), retransmitted */
    TCPS_HS_SYNACK,         /* SYN-ACK (2/3) */
    TCPS_HS_SYNACK_RETRANS, /* SYN-ACK (2/3), retransmitted */
    TCPS_HS_ACK,            /* ACK (3/3) */
    TCPS_HS_SIM_SYN,        /* SYN crossing the peer's SYN: simultaneous open */
    TCPS_HS_SIM_SYNACK      /* SYN-ACK of a simultaneous open */
};

/* The segment's role in the closing. */
enum tcps_teardown {
    TCPS_TD_NONE = 0,
    TCPS_TD_FIN_FIRST,       /* first FIN: the active close */
    TCPS_TD_ACK_FIRST,       /* ACK of the first FIN */
    TCPS_TD_FIN_SECOND,      /* second FIN: the passive close */
    TCPS_TD_FIN_PIGGYBACK,   /* second FIN carrying the first ACK of the first FIN (3-segment close) */
    TCPS_TD_ACK_SECOND,      /* ACK of the second FIN: the last ACK */
    TCPS_TD_FIN_SIMULTANEOUS,/* FIN that crossed the peer's FIN */
    TCPS_TD_ACK_SIMULTANEOUS,/* ACK of a FIN in a simultaneous close */
    TCPS_TD_FIN_RETRANS,     /* FIN sent again */
    TCPS_TD_RST_REFUSED,     /* RST answering a SYN: connection refused */
    TCPS_TD_RST_ABORT,       /* RST accepted: the connection is aborted */
    TCPS_TD_RST_IGNORED,     /* RST that a real stack would not act on */
    TCPS_TD_COUNT
};

/* What else the observer noticed (bits of tcps_result.notes). */
#define TCPS_NOTE_INFERRED        0x0001u /* roles/states inferred: the handshake was not seen */
#define TCPS_NOTE_ISN_CLIENT      0x0002u /* the client's ISN was seen */
#define TCPS_NOTE_ISN_SERVER      0x0004u /* the server's ISN was seen */
#define TCPS_NOTE_ACK             0x0008u /* the segment has ACK set: result.ack is meaningful */
#define TCPS_NOTE_RETRANSMISSION  0x0010u /* all of its sequence space was seen before */
#define TCPS_NOTE_RST_OUT_OF_WINDOW 0x0020u /* RST outside the receive window: ignored (RFC 5961 3.2) */
#define TCPS_NOTE_RST_NOT_EXACT   0x0040u /* RST in window but not at RCV.NXT: challenge ACK, ignored */
#define TCPS_NOTE_RST_UNACCEPTABLE 0x0080u /* RST the receiver's state does not accept (LISTEN, SYN_SENT with a wrong ACK) */
#define TCPS_NOTE_SYN_IGNORED     0x0100u /* SYN on a synchronized connection: challenge ACK (RFC 5961 4.2) */
#define TCPS_NOTE_BAD_SYNACK      0x0200u /* SYN-ACK acknowledging something other than our SYN */
#define TCPS_NOTE_DATA_AFTER_FIN  0x0400u /* payload beyond the sender's own FIN */
#define TCPS_NOTE_TW_EXPIRED      0x0800u /* 2*MSL passed since TIME_WAIT began: that end is CLOSED */
#define TCPS_NOTE_SYN_UNANSWERED  0x1000u /* SYN retransmitted and never answered: the server did not take it */
#define TCPS_NOTE_INVALID_FLAGS   0x2000u /* flag combination no stack sends (SYN+FIN, SYN+RST, no SYN/ACK/RST) */
#define TCPS_NOTE_ACK_UNSEEN      0x4000u /* acknowledges sequence space the capture never showed */
#define TCPS_NOTE_CLOSED_PEER     0x8000u /* segment from or to an endpoint that is CLOSED */

#define TCPS_NOTES_RST (TCPS_NOTE_RST_OUT_OF_WINDOW | TCPS_NOTE_RST_NOT_EXACT | TCPS_NOTE_RST_UNACCEPTABLE)

/* Sequence-space observations (bits of tcps_result.order). */
#define TCPS_ORDER_GAP          0x01u /* begins beyond what its sender was seen to send: segments
                                         missing from the capture, or reordered */
#define TCPS_ORDER_OUT_OF_ORDER 0x02u /* fills a hole left by a later segment: sent earlier,
                                         captured later; not a retransmission */

/* The largest seglen a result holds (payload + SYN + FIN of one IP datagram). */
#define TCPS_SEGLEN_MAX 0x1ffffu

/* Per-segment result: 16 bytes. */
struct tcps_result {
    uint32_t seq;            /* relative to the sender's ISN */
    uint32_t ack;            /* relative to the receiver's ISN (when TCPS_NOTE_ACK) */
    uint32_t seglen : 17;    /* sequence space used: payload + SYN + FIN; nxtseq = seq + seglen */
    uint32_t handshake : 3;  /* enum tcps_handshake */
    uint32_t teardown : 4;   /* enum tcps_teardown */
    uint32_t sender : 1;     /* enum tcps_side */
    uint32_t order : 7;      /* TCPS_ORDER_* */
    uint8_t states;          /* client state << 4 | server state, after the segment */
    uint8_t prev;            /* the same, before it */
    uint16_t notes;          /* TCPS_NOTE_* */
};

/* The sequence space a segment uses: its payload, SYN and FIN. */
static inline uint32_t tcps_seqlen(const struct tcps_segment *seg)
{
    return seg->len + !!(seg->flags & TCPS_SYN) + !!(seg->flags & TCPS_FIN);
}

/* ... as tcps_result.seglen holds it. */
static inline uint32_t tcps_seglen(const struct tcps_segment *seg)
{
    uint32_t seqlen = tcps_seqlen(seg);
    return seqlen > TCPS_SEGLEN_MAX ? TCPS_SEGLEN_MAX : seqlen;
}

/* Per-connection state: 48 bytes. */
struct tcps_conn {
    uint64_t since_us;       /* while the TIME_WAIT timer runs: when it started; before, when
                                the client's SYN was first sent (tells a retransmission from a
                                duplicate) */
    uint32_t isn[2];         /* ISN per side (pseudo-ISN when not seen: first seq - 1) */
    uint32_t nxt[2];         /* highest sequence number sent + 1, per side */
    uint32_t fin[2];         /* sequence number of each side's FIN */
    uint32_t client_addr;    /* address digest of the client */
    uint16_t client_port;
    uint16_t win[2];         /* last raw window advertised, per side */
    uint8_t state[2];        /* enum tcps_state per side */
    uint16_t flags;          /* TCPS_CF_* (private to tcpstate_fsm.c) */
    uint8_t wscales;         /* window scale offered in the SYN, a nibble per side (client's low);
                                TCPS_WSCALE_NONE when none was */
    uint8_t open_holes;      /* bit per side: its struct tcps_holes entry is not empty */
};

#define TCPS_WSCALE_NONE 0x0fu

/* Per connection, the first hole in what each side sent: [lo, hi), empty
 * when equal.  Most connections never have one (a capture that missed
 * segments, or caught them late), so it is not in struct tcps_conn: the
 * caller keeps it, and needs to keep it only while tcps_has_holes(). */
struct tcps_holes {
    uint32_t lo[2];
    uint32_t hi[2];
};

struct tcps_config {
    uint32_t msl_s;          /* maximum segment lifetime; TIME_WAIT lasts 2*MSL */
};

/* Prepare a connection before its first segment. */
void tcps_conn_init(struct tcps_conn *conn);

/* A segment of this connection was seen: update both ends and describe it.
 * `holes` is the connection's (all zero before its first segment). */
void tcps_segment_seen(struct tcps_conn *conn, struct tcps_holes *holes, const struct tcps_config *cfg,
                       const struct tcps_segment *seg, struct tcps_result *out);

/* Does the connection have a hole, so that its struct tcps_holes must be
 * kept for its next segment?  Without one, an all-zero one will do. */
static inline bool tcps_has_holes(const struct tcps_conn *conn)
{
    return conn->open_holes != 0;
}

/* Does `side` have a base for relative numbers yet (its ISN, or one below
 * the first sequence number seen)?  A base is replaced once at most, and
 * only by a SYN: the real ISN showing up after a mid-stream start. */
bool tcps_has_base(const struct tcps_conn *conn, enum tcps_side side);

/* The connection's current states, packed as in tcps_result.states. */
uint8_t tcps_conn_states(const struct tcps_conn *conn);

/* When an end of the connection entered TIME_WAIT, 0 if none is in it. */
uint64_t tcps_time_wait_since(const struct tcps_conn *conn);

/* The states before/after, unpacked. */
static inline enum tcps_state tcps_result_state(const struct tcps_result *r, enum tcps_side side)
{
    return (enum tcps_state)(side == TCPS_CLIENT ? r->states >> 4 : r->states & 0x0f);
}
static inline enum tcps_state tcps_result_prev(const struct tcps_result *r, enum tcps_side side)
{
    return (enum tcps_state)(side == TCPS_CLIENT ? r->prev >> 4 : r->prev & 0x0f);
}

/* Names: "ESTABLISHED", ...; "SYN (1/3)", ...; NULL for *_NONE. */
const char *tcps_state_name(enum tcps_state state);
const char *tcps_handshake_name(enum tcps_handshake hs);
const char *tcps_teardown_name(enum tcps_teardown td);
const char *tcps_side_name(enum tcps_side side);

/* Is this SYN part of this connection rather than the start of a new one?
 * True when its sender is still in SYN_SENT and the SYN carries that end's
 * ISN (a retransmission of the same attempt), and while the receiving end is
 * synchronized and not yet in TIME_WAIT or CLOSED (RFC 5961 4.2: the
 * receiver answers with a challenge ACK). */
bool tcps_syn_stays_in_connection(const struct tcps_conn *conn, const struct tcps_segment *seg);

/* The segment's two ends (address digest and port), in either direction, as
 * one 64-bit digest: the key of the 4-tuple tables. */
static inline uint64_t tcps_tuple_key(const struct tcps_segment *seg)
{
    uint64_t a = (uint64_t)seg->src_addr << 16 | seg->sport;
    uint64_t b = (uint64_t)seg->dst_addr << 16 | seg->dport;
    uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
    return lo * UINT64_C(0x9E3779B97F4A7C15) ^ hi;
}

/* Which end sends this segment (valid once the connection has seen a segment). */
enum tcps_side tcps_sender(const struct tcps_conn *conn, const struct tcps_segment *seg);

#ifdef __cplusplus
}
#endif

#endif /* TCPSTATE_FSM_H */
