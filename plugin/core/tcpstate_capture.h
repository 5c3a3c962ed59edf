/* tcpstate_capture.h - the analysis of one capture file: each TCP header
 * in, one kept result out.
 *
 * Plain C, no Wireshark headers.  A header that is a segment goes to its
 * connection's state machine (tcpstate_conn_table.h), to Zeek's model
 * (tcpstate_zeek_table.h) and to the watches (tcpstate_watch.h); what they
 * say is kept by frame and layer (tcpstate_results.h).  A header that is
 * not a segment (quoted by an ICMP error, cut short, or never seen by the
 * hook) is kept as such, with the states of its connection when known.
 * The Wireshark glue feeds it on the first pass and, on every pass, gives
 * it the same header again to show a kept result (tcps_capture_segment).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_CAPTURE_H
#define TCPSTATE_CAPTURE_H

#include "tcpstate_conn_table.h"
#include "tcpstate_results.h"
#include "tcpstate_segment.h"
#include "tcpstate_watch.h"
#include "tcpstate_zeek_table.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCPS_NO_STREAM UINT32_MAX

/* One TCP header of a frame. */
struct tcps_layer {
    struct tcps_segment seg;  /* TCPS_LAYER_SEGMENT: the header's fields and payload length */
    uint32_t stream;          /* tcp.stream; TCPS_NO_STREAM when TCP got none for it */
    uint8_t kind;             /* enum tcps_layer_kind */
    uint8_t captured;         /* TCPS_CAPTURED_* (tcpstate_segment.h) */
};

struct tcps_capture_config {
    struct tcps_config fsm;
    struct zk_config zeek;
    struct tcps_watch_limits watch;
    bool without_zeek; /* nothing will show Zeek's view: its model is not run, and no
                          result has a Zeek connection */
    bool one_pass;     /* each frame's result is shown while the frame is dissected, never
                          again, and without a tap: nothing reads a connection's links
                          (struct tcps_conn_links), so none are kept */
    bool without_watches; /* nothing will show what the watches see: they are not run, and no
                             result has watch bits */
};

/* Everything known about the capture file, one part per module. */
struct tcps_capture {
    struct tcps_results results;
    struct tcps_conn_table conns;
    struct zk_table zeek;
    struct tcps_watch watch;
};

/* Does the state machine take this header?  A segment TCP gave a stream to. */
static inline bool tcps_layer_is_segment(const struct tcps_layer *in)
{
    return in->kind == TCPS_LAYER_SEGMENT && in->stream != TCPS_NO_STREAM;
}

/* Analyse TCP layer `layer` (0: the first) of frame `frame` and keep the result. */
void tcps_capture_layer(struct tcps_capture *cap, const struct tcps_capture_config *cfg, uint32_t frame,
                        unsigned layer, const struct tcps_layer *in);

/* On a later pass, run for TCP layer `layer` of `frame` (`in`, its header
 * read again, with its tcp.stream) what the first pass left out: the
 * watches and Zeek's model, as far as `cfg` now says they run, and
 * complete its kept result with what they say.  Frames must come as the
 * first pass read them, each once: the watches and Zeek's model follow the
 * capture in order, and a tshark second pass reads every frame in order. */
void tcps_capture_catch_up(struct tcps_capture *cap, const struct tcps_capture_config *cfg, uint32_t frame,
                           unsigned layer, const struct tcps_layer *in);

/* A segment's kept result (unpacked into `r`: tcps_kept_unpack) whole
 * again, with what its header says (`seg` of tcp.stream `stream`, read
 * again on any pass): the sender and sequence space, and the relative
 * numbers when `numbers` is set.  True, with its connection, when the
 * stream's connection is known: the state machine's fields and summary are
 * shown only then. */
bool tcps_capture_segment(const struct tcps_capture *cap, const struct tcps_segment *seg, uint32_t stream,
                          bool numbers, struct tcps_result *r, uint32_t *conn);

/* The Zeek connection of the kept result `k` of TCP layer `layer` of
 * `frame`, a segment of connection `conn`; 0 when it has none. */
uint32_t tcps_capture_zeek_conn(const struct tcps_capture *cap, uint32_t frame, unsigned layer,
                                const struct tcps_kept *k, uint32_t conn);

/* Is the end that sent a Zeek connection's first packet the connection's client? */
bool tcps_capture_side0_is_client(const struct zk_record *zk, const struct tcps_conn *conn);

size_t tcps_capture_bytes_per_conn(const struct tcps_capture *cap);
void tcps_capture_free(struct tcps_capture *cap);

#ifdef __cplusplus
}
#endif

#endif
