/* tcpstate_zeek.h - Zeek's connection summary: conn.log's conn_state and history.
 *
 * Plain C, no Wireshark headers.  Analysts know connections by Zeek's
 * vocabulary (S0, SF, REJ, RSTO, ...; "ShADadFf"), so tcpstate computes it the
 * way Zeek does: Zeek's own endpoint model (INACTIVE, SYN_SENT, SYN_ACK_SENT,
 * PARTIAL, ESTABLISHED, CLOSED, RESET), its history letters and the rules for
 * repeating them, its originator/responder flips ('^'), and the session
 * timers that decide when a later packet starts a new connection.  This is a
 * different model from the RFC states of tcpstate_fsm.c on purpose: it has to
 * agree with Zeek, not with the kernel.  Reference: Zeek's TCPSessionAdapter.cc,
 * TCP_Endpoint.cc, TCP_Reassembler.cc and base/protocols/conn/main.zeek.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_ZEEK_H
#define TCPSTATE_ZEEK_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* conn.log conn_state codes; 0 = no connection. */
enum zk_conn_state {
    ZK_CS_NONE = 0,
    ZK_CS_S0, ZK_CS_S1, ZK_CS_SF, ZK_CS_REJ, ZK_CS_S2, ZK_CS_S3, ZK_CS_RSTO, ZK_CS_RSTR,
    ZK_CS_RSTOS0, ZK_CS_RSTRH, ZK_CS_SH, ZK_CS_SHR, ZK_CS_OTH,
    ZK_CS_COUNT
};

/* History letters kept per connection; longer histories (RST storms) stop
 * growing and are marked truncated. */
#define ZK_HISTORY_MAX 40

struct zk_endpoint {
    int64_t start_seq;        /* as Zeek: may sit one below the first sequence seen */
    uint32_t last_seq, ack_seq;
    uint32_t seq_wraps, ack_wraps;
    uint64_t hist_last_syn, hist_last_fin, hist_last_rst;
    uint64_t fin_seq;         /* relative sequence just past the FIN */
    uint64_t reassem_seq;     /* data delivered in order up to here (relative) */
    uint64_t trim_seq;        /* acknowledged up to here */
    uint64_t hole_lo, hole_hi;/* data seen above a hole (one range kept), hi == 0: none */
    uint32_t rxmt_cnt, rxmt_thresh, win0_cnt, win0_thresh, gap_cnt, gap_thresh;
    uint8_t state, prev_state;
    uint8_t is_orig, did_close;
    uint8_t fin_cnt, rst_cnt; /* saturating */
    uint8_t seen;             /* the endpoint has sent a packet */
};

/* One Zeek connection.  Side 0 is the end that sent its first packet. */
struct zk_conn {
    struct zk_endpoint ep[2];
    uint64_t start_us, last_us;
    uint64_t attempt_at_us;   /* Zeek's timers, checked lazily: 0 = not pending */
    uint64_t expire_base_us;  /* the periodic expire timer ticks at base + 6 s * k */
    uint64_t expire_extra_us;
    uint64_t delete_at_us;
    uint64_t removable_from_us; /* no timer removes it before this (0: not known) */
    uint32_t inactivity_s;
    uint32_t hist_seen;
    uint32_t side0_addr;      /* address digest and port of side 0 */
    uint16_t side0_port;
    uint8_t is_active, is_partial, first_packet_seen;
    uint8_t history_len, history_truncated;
    char history[ZK_HISTORY_MAX + 1];
};

/* One packet, as Zeek's TCP analyzer reads it. */
struct zk_packet {
    uint64_t time_us;
    uint32_t seq, ack, len;   /* len: payload bytes per the IP header */
    uint32_t src_addr;        /* address digest */
    uint16_t sport, dport, win;
    uint8_t flags;            /* TCPS_FIN | TCPS_SYN | ... as in tcpstate_fsm.h */
    bool header_truncated;    /* options not all captured: Zeek skips the packet */
    bool payload_truncated;   /* payload not all captured: no reassembly */
};

struct zk_config {
    const uint8_t *server_ports; /* bitmap of Zeek's likely_server_ports (65536 bits), or NULL */
};

/* Would Zeek take this packet into `conn`?  False when Zeek's timers would have
 * removed the connection by then, or when the packet is a SYN that reuses the
 * 4-tuple for a new connection.  Then a new connection starts with it. */
bool zk_packet_continues(const struct zk_conn *conn, const struct zk_packet *pkt);

/* Would Zeek's timers have removed the connection by `now_us`?  Then no later
 * packet continues it, and what it holds is final. */
bool zk_conn_removed_by(const struct zk_conn *conn, uint64_t now_us);

/* Start a connection with its first packet (which then goes to zk_packet_seen). */
void zk_conn_init(struct zk_conn *conn, const struct zk_config *cfg, const struct zk_packet *pkt);

/* A packet of the connection: update endpoints and history. */
void zk_packet_seen(struct zk_conn *conn, const struct zk_packet *pkt);

/* conn_state for the connection as it stands. */
enum zk_conn_state zk_conn_state(const struct zk_conn *conn);
const char *zk_conn_state_name(enum zk_conn_state cs);

/* Bytes each side sent, in sequence space, as conn.log's orig_bytes/resp_bytes
 * (side 0/1, not orig/resp). */
uint64_t zk_side_bytes(const struct zk_conn *conn, int side);

/* Is side 0 currently the originator? */
static inline bool zk_side0_is_orig(const struct zk_conn *conn) { return conn->ep[0].is_orig; }

#ifdef __cplusplus
}
#endif

#endif /* TCPSTATE_ZEEK_H */
