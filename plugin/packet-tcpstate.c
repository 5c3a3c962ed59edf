/* packet-tcpstate.c - Wireshark glue for the tcpstate postdissector.
 *
 * Runs after the TCP dissector.  On the first pass over a capture it takes
 * each TCP layer of a frame as the hook in front of TCP read it (the header,
 * tcp.len and tcp.stream: tcpstate-hook.c) and hands it to the capture's
 * analysis (core/tcpstate_capture.c), which keeps a result per frame and
 * layer.  On every pass it only shows the kept result (fields here, expert
 * infos in tcpstate-expert.c) and taps it, so one-pass, two-pass (-2) and
 * random access in the GUI agree.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define WS_BUILD_DLL
#include <epan/column.h>
#include <epan/column-info.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto.h>
#include <epan/range.h>
#include <epan/tap.h>
#include <epan/ftypes/ftypes.h>
#include <wsutil/wslog.h>

#include "packet-tcpstate.h"
#include "tcpstate-alias.h"
#include "tcpstate-cmdline.h"
#include "tcpstate-expert.h"
#include "tcpstate-hook.h"
#include "tcpstate-wanted.h"
#include "ws_compat.h"
#include "tcpstate_capture.h"

static int proto_tcpstate = -1;
static int proto_tcpstate_postdissector = -1; /* a protocol in name only: proto_reg_handoff_tcpstate */
static const char *tcpstate_short_name;

static int hf_client = -1;
static int hf_server = -1;
static int hf_client_prev = -1;
static int hf_server_prev = -1;
static int hf_sender = -1;
static int hf_transition = -1;
static int hf_seq = -1;
static int hf_ack = -1;
static int hf_nxtseq = -1;
static int hf_isn_client = -1;
static int hf_isn_server = -1;
static int hf_handshake = -1;
static int hf_teardown = -1;
static int hf_inferred = -1;
static int hf_conn_state = -1;
static int hf_history = -1;
static int hf_duration = -1;
static int hf_bytes_client = -1;
static int hf_bytes_server = -1;
static int hf_final = -1;
static int hf_final_client = -1;
static int hf_final_server = -1;
static int hf_final_conn_state = -1;
static int hf_final_history = -1;
static int hf_final_orig = -1;
static int hf_zeek_conn = -1;

static gint ett_tcpstate = -1;
static gint ett_final = -1;
static int tcpstate_tap = -1;
static int expert_tap = -1;   /* Wireshark's, read by tshark -z expert */

static guint pref_msl_s = 30;
static guint pref_close_wait_max_s = 60;
static guint pref_fin_wait_2_max_s = 60;
static guint pref_server_time_wait_many = 100;
static guint pref_syn_sent_many = 50;

/* Zeek's likely_server_ports for TCP in its default (full) configuration:
 * the ports its base scripts register for their analyzers.  They decide the
 * originator of a connection whose SYN was not seen. */
#define ZEEK_SERVER_PORTS "21-22,25,53,79-81,88,135,139,143,389,443,445,465,502,514,563,585,587,614,631,636," \
    "989-990,992-993,995,1080,1434,1883,2811,3128,3268,3306,3389,5222-5223,5269,5432,6379,6666-6669,8000,8080,8888,20000"
static range_t *pref_zeek_ports;
static guint8 zeek_port_bits[65536 / 8];

/* A kept result made ready to show: the state machine's result with its
 * relative numbers, its connection and the Zeek connection's number. */
typedef struct {
    struct tcps_result r;
    const struct tcps_kept *kept;
    gboolean segment;          /* shown as a segment (shows_segment) */
    gboolean has_conn;         /* the segment's own facts were read again and its connection
                                  found: conn, the sender, sequence space and numbers are set */
    guint32 conn;
    guint32 zk;
    guint16 tcp_flags;         /* as the tap gives them (tcpstate_tap_info_t) */
} shown_t;

/* The flags of a TCP header (byte 13) and its AE bit (byte 12, bit 0). */
#define TCP_FLAGS_MASK 0x1ffu

/* Everything tcpstate knows about the open capture file, forgotten at
 * file close. */
static struct tcps_capture cap;

/* The preferences as the analysis takes them, set at every file open (a
 * preference change makes Wireshark dissect the file again), and whether
 * the file needs Zeek's view (file_is_analysed). */
static struct tcps_capture_config capture_cfg;

/* ------------------------------------------------------------------------ */
/* What a tshark run can show                                                 */

/* A one-pass tshark run can show only what its first frame wants: what a
 * tshark run needs is set before its first frame (filters, columns, -e
 * fields, taps).  So tcpstate computes no more than that (README,
 * "Performance"):
 *
 *  - nothing, when there is no tree to add fields or expert infos to,
 *    nobody listens to the "tcpstate" tap (statistics, flow graph) or the
 *    "expert" tap, and no column shows expert severities.  That is plain
 *    `tshark -r`, the run every installed copy of tcpstate slows down;
 *    and nothing when the tree is there for something else only, so that
 *    nothing tcpstate adds to it is seen (tree_shows_tcpstate: a TCP
 *    filter, -e of TCP fields).  tcpstate leaves such a file alone and
 *    puts TCP itself back into "ip.proto" 6 until the next file;
 *  - everything but Zeek's view (conn_state, history, bytes, the final
 *    summary), when no Zeek field is wanted and there is no "tcpstate" tap:
 *    a display filter or a column that names only its other fields;
 *  - not the watches (tcpstate_watch.h), whose findings are expert infos
 *    only, when nothing shows expert infos (watches_seen);
 *  - in any such run, the result of a frame is shown while tshark dissects
 *    that frame and never again, so only the latest frame's is kept:
 *    nothing grows with the frames.  A "tcpstate" tap keeps them all.
 *
 * How a pass is known to be the only one: tshark's command line has no -2
 * (tcpstate-cmdline.c).  Where it cannot be read, by the columns: tshark's
 * first pass of two dissects without columns (pinfo->cinfo NULL) in every
 * version from 4.0 to 4.6, while its single pass has them whenever it
 * prints summary lines.  Wireshark and sharkd keep every frame for showing
 * later, in any order, whatever their first pass had, so only tshark
 * qualifies.  Should a later frame want more all the same, stderr says so
 * once rather than tcpstate showing what it never computed.  The modes are
 * in the order of what they compute.
 *
 * A tshark run with -2 keeps every frame's result for its second pass, but
 * its first pass shows nothing, and what the second shows is known only
 * when it starts.  So the first pass leaves out Zeek's view and the
 * watches (unless that pass itself shows them), and the second pass runs
 * them frame by frame, before each frame is shown, if it shows them
 * (later_pass_catch_up).  tshark's second pass reads every frame of the
 * first, in order.  A read filter (-R) would drop frames from it, so runs
 * with one compute everything on the first pass. */
enum file_mode {
    FILE_UNDECIDED,
    FILE_LEFT_ALONE,   /* nothing computed */
    FILE_WITHOUT_ZEEK, /* one pass: no Zeek model, the latest frame's result kept */
    FILE_ONE_PASS,     /* one pass: the latest frame's result kept */
    FILE_ANALYSED      /* every frame's result kept, for any later pass */
};
static enum file_mode file_mode;
static gboolean running_in_tshark;
static const tshark_options_t *tshark_options; /* its command line, in tshark */
static gboolean warned_file_mode;
static gboolean decided_in_kept_pass; /* the mode was decided where wanted answers are kept, */
static guint8 decided_pass_key;       /* in this pass (tcpstate_wanted_pass_of) */

/* What the first pass of a tshark run left to a later pass (see above). */
static struct {
    gboolean left;              /* the first pass left Zeek's view or the watches out */
    gboolean decided;           /* a later pass has decided what it runs */
    struct tcps_capture_config cfg; /* what it runs (until it decides: nothing) */
    guint32 next_frame;         /* the frame each pass expects next */
    gboolean out_of_order;      /* a pass skipped a frame or repeated one (a read filter) */
    gboolean warned_final;      /* a later pass asked for Zeek's final summary, not computed */
} later;

/* Is this frame dissected in tshark's only pass, with no tap that keeps
 * tcpstate's results? */
static gboolean in_only_pass(const packet_info *pinfo)
{
    if (!running_in_tshark || PINFO_FD_VISITED(pinfo) || have_tap_listener(tcpstate_tap))
        return FALSE;
    return tshark_options->read ? !tshark_options->two_pass : pinfo->cinfo != NULL;
}

/* Does the run show a column of expert severities?  (Asked for every frame
 * of a file left alone: col_first answers without a walk of the columns.) */
static gboolean column_shows_expert(const column_info *cinfo)
{
    return cinfo && cinfo->col_first && cinfo->col_first[COL_EXPERT] >= 0;
}

/* Are expert infos seen without a tree: by the expert tap (tshark -z
 * expert) or in the expert severity column, which expert_add_info() fills
 * with or without an item? */
static gboolean experts_seen_without_tree(const packet_info *pinfo)
{
    return have_tap_listener(expert_tap) || column_shows_expert(pinfo->cinfo);
}

/* Are expert infos seen at all: beside the tree (the expert tap or
 * column), or in it through Wireshark's expert fields? */
static gboolean experts_seen(const packet_info *pinfo, proto_tree *tree)
{
    return experts_seen_without_tree(pinfo) || tcpstate_wanted_expert_fields(tree);
}

/* Does a tap read whole trees (-z io,phs counts their protocol items)? */
static gboolean tap_reads_trees(void)
{
    return (union_of_tap_listener_flags() & TCPSTATE_TAP_READS_TREES) != 0;
}

/* Is tcpstate's protocol item seen beside the tree: by the expert tap or
 * column (its expert infos hang on it), or by a tap that reads whole
 * trees?  Asked once a tshark pass, by tcpstate_wanted_own_item. */
static gboolean item_seen_beside_tree(const packet_info *pinfo)
{
    return experts_seen_without_tree(pinfo) || tap_reads_trees();
}

/* Can anything see what tcpstate adds to this tree (its items and expert
 * infos)?  A printed tree wants every field, a filter, column or -e wants
 * the fields it names, and expert infos may be seen (experts_seen), and so
 * may whole trees.  Else the tree was built for something else (a TCP
 * filter, -e of TCP fields), and nothing of tcpstate's in it is ever seen. */
static gboolean tree_shows_tcpstate(const packet_info *pinfo, proto_tree *tree)
{
    return tcpstate_wanted(tree, proto_tcpstate) || experts_seen(pinfo, tree) || tap_reads_trees();
}

/* What this frame can show, and so what must be computed for it. */
static enum file_mode frame_needs(const packet_info *pinfo, proto_tree *tree)
{
    if (!in_only_pass(pinfo))
        return FILE_ANALYSED;
    if (!tree)
        return experts_seen_without_tree(pinfo) ? FILE_WITHOUT_ZEEK : FILE_LEFT_ALONE;
    if (!tree_shows_tcpstate(pinfo, tree))
        return FILE_LEFT_ALONE;
    return tcpstate_wanted_group(tree, WANTED_ZEEK) ? FILE_ONE_PASS : FILE_WITHOUT_ZEEK;
}

/* Can anything in a one-pass run see what the watches find (they are
 * expert infos only): the expert tap, the expert column, or a tree that
 * shows them or names them or Wireshark's expert fields? */
static gboolean watches_seen(const packet_info *pinfo, proto_tree *tree)
{
    return experts_seen(pinfo, tree) || tcpstate_wanted_group(tree, WANTED_WATCHES);
}

/* A file analysed for a later pass: may its first pass leave out what it
 * does not show itself?  In tshark without the "tcpstate" tap (it would
 * read Zeek's view on the pass that reads the file) and without a read
 * filter. */
static gboolean may_leave_to_later_pass(const packet_info *pinfo)
{
    return running_in_tshark && !PINFO_FD_VISITED(pinfo) && !have_tap_listener(tcpstate_tap) &&
           tshark_options->read && !tshark_options->read_filter;
}

/* May a custom column show Zeek's final summary (tcpstate_may_name_final)?
 * (The preferences hold tshark's -o columns, its profile's and the
 * user's.) */
static gboolean columns_may_show_final(void)
{
    for (gint i = 0; i < prefs.num_cols; i++) {
        const char *fields = get_column_custom_fields(i);
        if (fields && tcpstate_may_name_final(fields))
            return TRUE;
    }
    return FALSE;
}

/* The first pass computes only the watches it shows, and Zeek's view
 * where it shows it or a later pass may show Zeek's final summary: that
 * summary is how Zeek's model ends the capture, so a later pass cannot
 * catch it up frame by frame. */
static void leave_to_later_pass(const packet_info *pinfo, proto_tree *tree)
{
    capture_cfg.without_zeek = !(tree && tcpstate_wanted_group(tree, WANTED_ZEEK)) &&
                               !tshark_options->may_show_final && !columns_may_show_final();
    capture_cfg.without_watches = !watches_seen(pinfo, tree);
    later.left = capture_cfg.without_zeek || capture_cfg.without_watches;
    later.cfg = capture_cfg;
    later.cfg.without_zeek = later.cfg.without_watches = true;
    later.next_frame = pinfo->num;
}

/* Does a later pass run some of what the first left out? */
static gboolean later_pass_runs(void)
{
    return !later.cfg.without_zeek || !later.cfg.without_watches;
}

/* Does this frame come next, each pass reading every frame once in
 * order?  (Frames are numbered from 1 on every pass.) */
static gboolean frame_in_order(const packet_info *pinfo)
{
    if (pinfo->num != later.next_frame) {
        if (!later.out_of_order)
            ws_warning("TCP State: frame %u came where frame %u was expected: Zeek's view and the watches "
                       "cannot be caught up on a later pass", pinfo->num, later.next_frame);
        later.out_of_order = TRUE;
        return FALSE;
    }
    later.next_frame++;
    return TRUE;
}

/* The first frame of a later pass: run what the first pass left out, if
 * this pass shows it (as a one-pass run decides, frame_needs). */
static void decide_later_pass(const packet_info *pinfo, proto_tree *tree)
{
    later.decided = TRUE;
    later.cfg = capture_cfg;
    later.cfg.without_zeek = !(capture_cfg.without_zeek && tree && tcpstate_wanted_group(tree, WANTED_ZEEK));
    later.cfg.without_watches = !(capture_cfg.without_watches && watches_seen(pinfo, tree));
    later.next_frame = 1;
}

/* What a frame that needs more than the file's mode asks for. */
static const char *not_computed(enum file_mode needs)
{
    if (file_mode == FILE_LEFT_ALONE)
        return "a result";
    return needs == FILE_ANALYSED ? "a result kept from an earlier frame" : "Zeek's view";
}

/* Does this frame need what the frame that decided the mode needed?  In
 * the same tshark pass, with its wanted answers kept, everything
 * frame_needs() asks is the same (the run's taps, columns, filters and
 * tree), so the check is not made again for every frame. */
static gboolean same_needs_as_decided(proto_tree *tree)
{
    return tree && decided_in_kept_pass && tcpstate_wanted_kept && tcpstate_wanted_pass_key == decided_pass_key;
}

/* The file's first frame decides what the file computes. */
static void decide_file_mode(const packet_info *pinfo, proto_tree *tree, enum file_mode needs)
{
    decided_in_kept_pass = tree && tcpstate_wanted_kept;
    decided_pass_key = tcpstate_wanted_pass_key;
    file_mode = needs;
    capture_cfg.without_zeek = file_mode == FILE_WITHOUT_ZEEK;
    capture_cfg.one_pass = file_mode == FILE_WITHOUT_ZEEK || file_mode == FILE_ONE_PASS;
    capture_cfg.without_watches = capture_cfg.one_pass && !watches_seen(pinfo, tree);
    if (file_mode == FILE_ANALYSED && may_leave_to_later_pass(pinfo))
        leave_to_later_pass(pinfo, tree);
    if (file_mode == FILE_LEFT_ALONE)
        tcpstate_hook_install(FALSE);
    if (capture_cfg.one_pass)
        tcps_results_keep_latest_only(&cap.results);
}

/* Is this file analysed?  How much of it is decided at its first frame.
 * Inline for its first test, which answers nearly every frame of a
 * one-pass run. */
static inline gboolean file_is_analysed(const packet_info *pinfo, proto_tree *tree)
{
    enum file_mode needs;

    if (same_needs_as_decided(tree))
        return file_mode != FILE_LEFT_ALONE;
    needs = frame_needs(pinfo, tree);
    if (file_mode == FILE_UNDECIDED) {
        decide_file_mode(pinfo, tree, needs);
    } else if (needs > file_mode && !warned_file_mode) {
        ws_warning("TCP State: frame %u asks for %s, but at its first frame this tshark run looked like one "
                   "that never does, so it is not there", pinfo->num, not_computed(needs));
        warned_file_mode = TRUE;
    }
    return file_mode != FILE_LEFT_ALONE;
}

static const char *where_run(gboolean on_first_pass, gboolean on_later_pass)
{
    return on_first_pass ? "run on the first pass" : on_later_pass ? "run on a later pass" : "never run";
}

/* What the plugin holds, in bytes, split into what grows with frames and
 * what grows with connections.  Printed to stderr when the capture is
 * closed if TCPSTATE_MEMSTATS is set: the benchmark reads it. */
static void report_memory(void)
{
    guint32 frames = tcps_results_frames(&cap.results);
    size_t per_frame = tcps_results_bytes(&cap.results);
    size_t per_conn = tcps_capture_bytes_per_conn(&cap);

    fprintf(stderr, "tcpstate memory: %u TCP frames, %u connections, %u Zeek connections (%u live at most); "
            "per-frame state %zu bytes (%.1f per frame), per-connection state %zu bytes (%.1f per connection)\n",
            frames, cap.conns.used, cap.zeek.used, cap.zeek.live_len, per_frame,
            frames ? (double)per_frame / frames : 0.0, per_conn,
            cap.conns.used ? (double)per_conn / cap.conns.used : 0.0);
    if (file_mode == FILE_LEFT_ALONE)
        fprintf(stderr, "tcpstate: file left alone (a one-pass tshark run that shows no result)\n");
    if (file_mode == FILE_WITHOUT_ZEEK)
        fprintf(stderr, "tcpstate: Zeek's view not computed (a one-pass tshark run that shows none of it)\n");
    if (capture_cfg.one_pass)
        fprintf(stderr, "tcpstate: each frame's result forgotten after its frame (a one-pass tshark run)\n");
    if (capture_cfg.without_watches && capture_cfg.one_pass)
        fprintf(stderr, "tcpstate: watches not run (a one-pass tshark run that shows none of their expert infos)\n");
    if (later.left)
        fprintf(stderr, "tcpstate: left to a later pass that shows them: Zeek's view %s, the watches %s\n",
                where_run(!capture_cfg.without_zeek, !later.cfg.without_zeek),
                where_run(!capture_cfg.without_watches, !later.cfg.without_watches));
}

/* At capture close (and before the next file): forget everything. */
static void tcpstate_reset(void)
{
    if (g_getenv("TCPSTATE_MEMSTATS") && file_mode != FILE_UNDECIDED)
        report_memory();
    tcpstate_hook_reset();
    tcps_capture_free(&cap);
    file_mode = FILE_UNDECIDED;
    memset(&later, 0, sizeof later);
    warned_file_mode = FALSE;
    decided_in_kept_pass = FALSE;
}

static void set_capture_config(void)
{
    struct tcps_capture_config cfg = {
        .fsm = { .msl_s = pref_msl_s },
        .zeek = { zeek_port_bits },
        .watch = {
            .close_wait_max_us = (guint64)pref_close_wait_max_s * 1000000u,
            .fin_wait_2_max_us = (guint64)pref_fin_wait_2_max_s * 1000000u,
            .time_wait_window_us = 2ull * pref_msl_s * 1000000u,
            .server_time_wait_many = pref_server_time_wait_many,
            .syn_sent_many = pref_syn_sent_many,
        },
    };
    capture_cfg = cfg;
}

static void tcpstate_init(void)
{
    tcpstate_reset();
    running_in_tshark = g_strcmp0(g_get_prgname(), "tshark") == 0;
    if (running_in_tshark)
        tshark_options = tcpstate_tshark_options();
    tcpstate_wanted_reset(running_in_tshark);
    expert_tap = find_tap_id("expert"); /* registered by Wireshark at its first file open */
    set_capture_config();
    tcpstate_hook_install(proto_is_protocol_enabled(find_protocol_by_id(proto_tcpstate)));
}

/* The core's view of a header the hook read on the first pass. */
static void layer_input(const tcp_layer_t *hooked, struct tcps_layer *in)
{
    memset(in, 0, sizeof *in);
    if (!hooked) {
        in->kind = TCPS_LAYER_NOT_SEEN;
        in->stream = TCPS_NO_STREAM;
        return;
    }
    in->seg = hooked->seg;
    in->stream = hooked->stream;
    in->kind = hooked->kind;
    in->captured = hooked->captured;
}

/* First pass: analyse every TCP layer of the frame. */
static void analyse_frame(packet_info *pinfo, const tcp_layer_t *const hooked[], guint count)
{
    if (later.left && !later.out_of_order)
        frame_in_order(pinfo);
    for (guint i = 0; i < count; i++) {
        struct tcps_layer in;
        layer_input(hooked[i], &in);
        tcps_capture_layer(&cap, &capture_cfg, pinfo->num, i, &in);
    }
}

/* A later pass: before the frame is shown, the watches and Zeek's model
 * take its segments, if the first pass left them out and this pass shows
 * them. */
static void later_pass_catch_up(packet_info *pinfo, proto_tree *tree, const tcp_layer_t *const hooked[],
                                guint count)
{
    if (!later.decided)
        decide_later_pass(pinfo, tree);
    if (!later_pass_runs() || later.out_of_order || !frame_in_order(pinfo))
        return;
    for (guint i = 0; i < count; i++) {
        struct tcps_layer in;
        layer_input(hooked[i], &in);
        if (hooked[i])
            in.stream = tcpstate_layer_stream(pinfo, hooked[i]);
        tcps_capture_catch_up(&cap, &later.cfg, pinfo->num, i, &in);
    }
}

/* The flags of the header (and its AE bit), as the tap gives them. */
static guint16 header_flags(const tcp_layer_t *hooked)
{
    return tvb_get_ntohs(hooked->ds_tvb, hooked->offset + 12) & TCP_FLAGS_MASK;
}

/* Unpack a kept result, of the header the hook read as `hooked`, for
 * showing: what the record keeps, enough for a filter, column or -e field
 * on the states alone. */
static void unpack(const struct tcps_kept *kept, const tcp_layer_t *hooked, shown_t *v)
{
    v->kept = kept;
    v->segment = !tcps_kept_not_a_segment(kept) && hooked && hooked->kind == TCPS_LAYER_SEGMENT;
    v->has_conn = FALSE;
    v->conn = v->zk = 0;
    v->tcp_flags = 0;
    tcps_kept_unpack(kept, &v->r);
}

/* ... and what the segment's header (of TCP layer `layer`) says again: its
 * connection, sender and sequence space, and its numbers when they are shown
 * or tapped (needs_segment_facts).  Read again, a segment of no known
 * connection is shown as none. */
static void unpack_segment(packet_info *pinfo, const tcp_layer_t *hooked, guint layer, gboolean numbers, shown_t *v)
{
    if (!v->segment)
        return;
    v->has_conn = tcps_capture_segment(&cap, &hooked->seg, tcpstate_layer_stream(pinfo, hooked), numbers, &v->r,
                                       &v->conn);
    v->segment = v->has_conn;
    if (!v->has_conn)
        return;
    if (numbers)
        v->tcp_flags = header_flags(hooked);
    v->zk = tcps_capture_zeek_conn(&cap, pinfo->num, layer, v->kept, v->conn);
}

/* ------------------------------------------------------------------------ */
/* Showing a result                                                           */

static const char *side_transition(wmem_allocator_t *pool, enum tcps_side side, const struct tcps_result *r)
{
    enum tcps_state before = tcps_result_prev(r, side), after = tcps_result_state(r, side);

    if (before == after || before == TCPS_NONE)
        return NULL;
    return wmem_strdup_printf(pool, "%s %s -> %s", tcps_side_name(side),
                              tcps_state_name(before), tcps_state_name(after));
}

/* The Zeek history a result saw: a prefix of its connection's final history. */
static const char *history_so_far(wmem_allocator_t *pool, const shown_t *v)
{
    const struct tcps_kept *res = v->kept;
    unsigned len;
    const char *h = zk_table_history(&cap.zeek, zk_table_record(&cap.zeek, v->zk), &len);

    if (res->hist == TCPS_HIST_WAS_H)
        return "H";
    return wmem_strndup(pool, h, MIN(res->hist, len));
}

/* Add a generated field only when it is wanted: a pruned tree would throw
 * the others away, and adding one costs a few hundred instructions even
 * then (Wireshark checks its length before it decides to drop it).  Inline,
 * so that a field nobody wants costs its caller no call (most fields, most
 * frames). */
static inline void add_string(proto_tree *st, int hf, tvbuff_t *tvb, const char *value)
{
    if (value && tcpstate_wanted(st, hf))
        proto_item_set_generated(proto_tree_add_string(st, hf, tvb, 0, 0, value));
    if (value && tcpstate_alias(st, hf) >= 0)
        tcpstate_alias_string(st, hf, tvb, value);
}

static inline void add_uint(proto_tree *st, int hf, tvbuff_t *tvb, guint32 value)
{
    if (tcpstate_wanted(st, hf))
        proto_item_set_generated(proto_tree_add_uint(st, hf, tvb, 0, 0, value));
    if (tcpstate_alias(st, hf) >= 0)
        tcpstate_alias_uint(st, hf, tvb, value);
}

static void add_boolean(proto_tree *st, int hf, tvbuff_t *tvb, gboolean value)
{
    if (tcpstate_wanted(st, hf))
        proto_item_set_generated(proto_tree_add_boolean(st, hf, tvb, 0, 0, value));
}

/* Is Zeek's final summary known?  On a later pass, only when its model
 * read the whole capture on the first one (not caught up since). */
static gboolean final_summary_known(const packet_info *pinfo)
{
    if (!PINFO_FD_VISITED(pinfo) || !capture_cfg.without_zeek)
        return TRUE;
    if (!later.warned_final)
        ws_warning("TCP State: frame %u asks for Zeek's final summary, but tshark's command line did not "
                   "show that it would, so the first pass did not compute it: it is not shown", pinfo->num);
    later.warned_final = TRUE;
    return FALSE;
}

/* The connection summary as far as the capture has been read. */
static void show_final(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, guint32 conn_number,
                       const struct zk_record *zk)
{
    const struct tcps_conn *conn = tcps_table_fsm(&cap.conns, conn_number);
    unsigned hist_len;
    const char *history, *final_cs;
    guint8 final_states;
    gboolean orig_is_client;
    proto_item *fi;
    proto_tree *ft;

    if (!tcpstate_wanted_group(st, WANTED_ZEEK_FINAL) || !final_summary_known(pinfo))
        return;
    history = zk_table_history(&cap.zeek, zk, &hist_len);
    final_cs = zk_conn_state_name(zk_table_conn_state(&cap.zeek, zk));
    final_states = tcps_conn_states(conn);
    fi = proto_tree_add_none_format(st, hf_final, tvb, 0, 0, "Connection summary: client %s, server %s, %s %s",
                                    tcps_state_name((enum tcps_state)(final_states >> 4)),
                                    tcps_state_name((enum tcps_state)(final_states & 0x0f)),
                                    final_cs, history);
    proto_item_set_generated(fi);
    ft = proto_item_add_subtree(fi, ett_final);
    add_string(ft, hf_final_client, tvb, tcps_state_name((enum tcps_state)(final_states >> 4)));
    add_string(ft, hf_final_server, tvb, tcps_state_name((enum tcps_state)(final_states & 0x0f)));
    add_string(ft, hf_final_conn_state, tvb, final_cs);
    add_string(ft, hf_final_history, tvb, history);
    orig_is_client = zk_table_side0_orig(&cap.zeek, zk) == tcps_capture_side0_is_client(zk, conn);
    add_string(ft, hf_final_orig, tvb, tcps_side_name(orig_is_client ? TCPS_CLIENT : TCPS_SERVER));
}

static void show_summary(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const shown_t *v)
{
    const struct tcps_kept *res = v->kept;
    const struct zk_record *zk = zk_table_record(&cap.zeek, v->zk);
    nstime_t duration;
    guint64 since = tcpstate_time_us(pinfo);

    if (tcpstate_wanted_none(WANTED_ZEEK))
        return;
    since = since >= zk->start_us ? since - zk->start_us : 0;
    duration.secs = (time_t)(since / 1000000u);
    duration.nsecs = (int)(since % 1000000u) * 1000;

    add_string(st, hf_conn_state, tvb, zk_conn_state_name((enum zk_conn_state)res->conn_state));
    if (tcpstate_wanted(st, hf_history) || tcpstate_alias(st, hf_history) >= 0)
        add_string(st, hf_history, tvb, history_so_far(pinfo->pool, v));
    if (tcpstate_wanted(st, hf_duration))
        proto_item_set_generated(proto_tree_add_time(st, hf_duration, tvb, 0, 0, &duration));
    if (tcpstate_alias(st, hf_duration) >= 0)
        tcpstate_alias_time(st, hf_duration, tvb, &duration);
    add_uint(st, hf_bytes_client, tvb, res->bytes[TCPS_CLIENT]);
    add_uint(st, hf_bytes_server, tvb, res->bytes[TCPS_SERVER]);
    add_uint(st, hf_zeek_conn, tvb, v->zk);

    show_final(st, tvb, pinfo, v->conn, zk);
}

static void queue_tap(packet_info *pinfo, const shown_t *v)
{
    const struct tcps_kept *res = v->kept;
    tcpstate_tap_info_t *info = wmem_new0(pinfo->pool, tcpstate_tap_info_t);
    const struct tcps_conn *conn = tcps_table_fsm(&cap.conns, v->conn);
    gboolean client_sent = v->r.sender == TCPS_CLIENT;

    info->conn = v->conn;
    info->stream = tcps_table_links(&cap.conns, v->conn)->stream;
    info->conn_state = res->conn_state;
    info->history = history_so_far(pinfo->pool, v);
    info->time_us = tcpstate_time_us(pinfo);
    info->time_wait_since_us = tcps_time_wait_since(conn);
    info->msl_s = pref_msl_s;
    info->bytes_client = res->bytes[TCPS_CLIENT];
    info->bytes_server = res->bytes[TCPS_SERVER];
    info->client_addr = client_sent ? &pinfo->src : &pinfo->dst;
    info->server_addr = client_sent ? &pinfo->dst : &pinfo->src;
    info->client_port = conn->client_port;
    info->server_port = (guint16)(client_sent ? pinfo->destport : pinfo->srcport);
    info->result = v->r;
    info->tcp_flags = v->tcp_flags;
    tap_queue_packet(tcpstate_tap, pinfo, info);
}

/* The connection of a result, when this frame is its last segment: known
 * once the whole capture has been read, on a later pass.  Else NULL. */
static const struct tcps_conn *ended_connection(packet_info *pinfo, const shown_t *v)
{
    const struct tcps_conn_links *links;

    if (!PINFO_FD_VISITED(pinfo) || !v->has_conn)
        return NULL; /* the first pass: links are not kept in one-pass runs */
    links = tcps_table_links(&cap.conns, v->conn);
    return links && links->last_frame == pinfo->num ? tcps_table_fsm(&cap.conns, v->conn) : NULL;
}

/* What the segment did to each end's state, and its role in the opening
 * and closing. */
static void show_states(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const struct tcps_result *r)
{
    if (tcpstate_wanted_none(WANTED_STATES))
        return;
    add_string(st, hf_client_prev, tvb, tcps_state_name(tcps_result_prev(r, TCPS_CLIENT)));
    add_string(st, hf_server_prev, tvb, tcps_state_name(tcps_result_prev(r, TCPS_SERVER)));
    add_string(st, hf_sender, tvb, tcps_side_name((enum tcps_side)r->sender));
    if (tcpstate_wanted(st, hf_transition)) {
        const char *tc = side_transition(pinfo->pool, TCPS_CLIENT, r);
        const char *ts = side_transition(pinfo->pool, TCPS_SERVER, r);
        add_string(st, hf_transition, tvb, tc && ts ? wmem_strdup_printf(pinfo->pool, "%s, %s", tc, ts)
                                                    : tc ? tc : ts);
    }
    add_string(st, hf_handshake, tvb, tcps_handshake_name((enum tcps_handshake)r->handshake));
    add_string(st, hf_teardown, tvb, tcps_teardown_name((enum tcps_teardown)r->teardown));
}

/* The segment's numbers relative to the ISNs, and the ISNs once seen. */
static void show_numbers(proto_tree *st, tvbuff_t *tvb, const struct tcps_result *r, guint32 conn_number)
{
    const struct tcps_conn *conn;

    if (tcpstate_wanted_none(WANTED_NUMBERS))
        return;
    conn = tcps_table_fsm(&cap.conns, conn_number);
    add_uint(st, hf_seq, tvb, r->seq);
    if (r->notes & TCPS_NOTE_ACK)
        add_uint(st, hf_ack, tvb, r->ack);
    add_uint(st, hf_nxtseq, tvb, r->seq + r->seglen);
    if (conn && (r->notes & TCPS_NOTE_ISN_CLIENT))
        add_uint(st, hf_isn_client, tvb, conn->isn[TCPS_CLIENT]);
    if (conn && (r->notes & TCPS_NOTE_ISN_SERVER))
        add_uint(st, hf_isn_server, tvb, conn->isn[TCPS_SERVER]);
    add_boolean(st, hf_inferred, tvb, (r->notes & TCPS_NOTE_INFERRED) != 0);
}

/* A result shows what its segment did (fields and expert infos) when it is
 * a segment of a connection tcpstate knows; else only its header's expert
 * infos and, when known, its connection's states. */
static gboolean shows_segment(const shown_t *v)
{
    return v->segment && tcps_result_state(&v->r, TCPS_CLIENT) != TCPS_NONE;
}

/* Each end's state after the segment: every result of a known connection
 * has them. */
static void show_end_states(proto_tree *st, tvbuff_t *tvb, enum tcps_state client, enum tcps_state server)
{
    add_string(st, hf_client, tvb, tcps_state_name(client));
    add_string(st, hf_server, tvb, tcps_state_name(server));
}

/* What show_result adds where the tree wants the end states alone
 * (tcpstate_wanted_end_states_only), read straight from the record: no
 * item, no expert info, no other field. */
static void show_end_states_alone(proto_tree *tree, tvbuff_t *tvb, const struct tcps_kept *kept)
{
    enum tcps_state client = tcps_kept_state(kept, TCPS_CLIENT);

    if (client != TCPS_NONE && tcpstate_wanted(tree, proto_tcpstate))
        show_end_states(tree, tvb, client, tcps_kept_state(kept, TCPS_SERVER));
}

/* Where nothing sees the item (a filter on tcpstate.client), the fields
 * go straight into the frame's tree, and no expert info is added. */
static void show_result(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const shown_t *v)
{
    const struct tcps_kept *res = v->kept;
    enum tcps_state client = tcps_result_state(&v->r, TCPS_CLIENT);
    enum tcps_state server = tcps_result_state(&v->r, TCPS_SERVER);
    proto_item *ti = tcpstate_wanted_own_item() ? proto_tree_add_item(tree, proto_tcpstate, tvb, 0, 0, ENC_NA) : NULL;
    proto_tree *st = ti ? proto_item_add_subtree(ti, ett_tcpstate) : tree;
    gboolean wanted = tcpstate_wanted(tree, proto_tcpstate);

    if (ti)
        tcpstate_expert_header(pinfo, ti, res);
    if (client == TCPS_NONE) {
        if (ti)
            proto_item_append_text(ti, ": connection not seen yet");
        return;
    }
    if (wanted) {
        /* A faked item (its fields wanted, itself not, in a tree nobody
         * sees) has no field_info, and Wireshark drops its text. */
        if (ti && PITEM_FINFO(ti))
            proto_item_append_text(ti, ": client %s, server %s", tcps_state_name(client),
                                   tcps_state_name(server));
        show_end_states(st, tvb, client, server);
    }
    if (!shows_segment(v))
        return;
    /* A tree built for something else (a TCP field, another filter) wants
     * no tcpstate field: only the expert infos, which the expert statistics
     * and _ws.expert filters see. */
    if (wanted) {
        show_states(st, tvb, pinfo, &v->r);
        show_numbers(st, tvb, &v->r, v->conn);
        if (v->zk && v->zk <= cap.zeek.used)
            show_summary(st, tvb, pinfo, v);
    }
    if (ti)
        tcpstate_expert_segment(pinfo, ti, res, ended_connection(pinfo, v));
}

/* Without a tree the expert infos still go to the expert tap (tshark -z
 * expert builds no tree) and the expert severity column: the same ones
 * show_result adds. */
static void add_experts_only(packet_info *pinfo, const shown_t *v)
{
    tcpstate_expert_header(pinfo, NULL, v->kept);
    if (shows_segment(v))
        tcpstate_expert_segment(pinfo, NULL, v->kept, ended_connection(pinfo, v));
}

/* Does the frame's only TCP layer add an expert info?  Whether it ends its
 * connection is asked only when nothing else says so: on a later pass that
 * needs its connection, found by its tcp.stream. */
static gboolean adds_experts(packet_info *pinfo, const struct tcps_kept *first, const tcp_layer_t *hooked)
{
    shown_t v;

    if (tcpstate_expert_any(first, NULL))
        return TRUE;
    if (!PINFO_FD_VISITED(pinfo))
        return FALSE;
    unpack(first, hooked, &v);
    unpack_segment(pinfo, hooked, 0, FALSE, &v);
    return ended_connection(pinfo, &v) != NULL;
}

/* Whether the results shown need what their headers say again
 * (unpack_segment): the statistics tap; the fields of the sender, the
 * numbers and Zeek's view; and, on a later pass, expert infos, which say
 * on a connection's last segment how it ended.  A filter, column or -e
 * field on the states alone needs only what the record keeps: about 100
 * instructions a packet less on the first pass, and on a later one no
 * lookup of TCP's conversation (about 1,100). */
static gboolean needs_segment_facts(const packet_info *pinfo, gboolean tapped, gboolean shown, gboolean experts_only)
{
    gboolean experts = experts_only || (shown && tcpstate_wanted_own_item());

    return tapped || (experts && PINFO_FD_VISITED(pinfo)) ||
           (shown && !(tcpstate_wanted_none(WANTED_STATES) && tcpstate_wanted_none(WANTED_NUMBERS) &&
                       tcpstate_wanted_none(WANTED_ZEEK)));
}

static int dissect_tcpstate(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const tcp_layer_t *hooked[TCPS_MAX_LAYERS];
    const struct tcps_kept *first, *kept;
    gboolean tapped, shown, experts_only, facts, numbers;
    guint count;
    shown_t v;

    /* Expert infos take their protocol from here; Wireshark sets it only
     * for a handle of a real protocol. */
    pinfo->current_proto = tcpstate_short_name;
    tcpstate_wanted_frame(pinfo, tree);
    if (file_mode != FILE_ANALYSED && !file_is_analysed(pinfo, tree))
        return tvb_captured_length(tvb);
    count = tcpstate_frame_tcp_layers(pinfo, hooked);
    if (!PINFO_FD_VISITED(pinfo))
        analyse_frame(pinfo, hooked, count);
    else if (later.left)
        later_pass_catch_up(pinfo, tree, hooked, count);
    if (!(first = tcps_results_first(&cap.results, pinfo->num)))
        return 0;
    /* The statistics tap is fed with or without a tree: tshark's second pass
     * and the GUI's retapping for a statistics window build none unless a
     * tap asks for it.  A tree that references no tcpstate field (the common
     * case when tcpstate is installed but not asked for) gets only the expert
     * infos, and only when there are some and they have an item to go to
     * (tcpstate_wanted_own_item: an expert filter, column or statistic):
     * else a later pass would ask TCP's conversations on every frame for
     * nothing (adds_experts). */
    tapped = have_tap_listener(tcpstate_tap);
    /* A filter, column or -e field on the end states alone (tcpstate.client
     * == "TIME_WAIT") skips the checks below: about 140 instructions a
     * packet on 4.0 (cachegrind), where that filter is the closest to its
     * target (README, "Performance"). */
    if (tree && count == 1 && !tapped && tcpstate_wanted_end_states_only()) {
        show_end_states_alone(tree, tvb, first);
        return tvb_captured_length(tvb);
    }
    shown = tree && (count > 1 || tcpstate_wanted(tree, proto_tcpstate) ||
                     (tcpstate_wanted_own_item() && adds_experts(pinfo, first, hooked[0])));
    experts_only = !tree && experts_seen_without_tree(pinfo);
    if (!tapped && !shown && !experts_only)
        return tvb_captured_length(tvb);
    facts = needs_segment_facts(pinfo, tapped, shown, experts_only);
    numbers = tapped || (shown && !tcpstate_wanted_none(WANTED_NUMBERS));
    for (guint i = 0; i < count; i++) {
        if (!(kept = i == 0 ? first : tcps_results_further(&cap.results, pinfo->num, i)))
            break;
        unpack(kept, hooked[i], &v);
        if (facts)
            unpack_segment(pinfo, hooked[i], i, numbers, &v);
        if (tapped && v.zk)
            queue_tap(pinfo, &v);
        if (shown)
            show_result(tree, tvb, pinfo, &v);
        else if (experts_only)
            add_experts_only(pinfo, &v);
    }
    return tvb_captured_length(tvb);
}

/* ------------------------------------------------------------------------ */
/* Registration                                                               */

static void set_zeek_port(guint32 port, gpointer unused _U_)
{
    if (port < 65536)
        zeek_port_bits[port >> 3] |= (guint8)(1u << (port & 7));
}

/* The ports as bits, visiting the range's own ports: asking
 * value_is_in_range() about each of the 65,536 cost about 19 million
 * instructions at every tshark start (cachegrind, 4.0). */
static void apply_prefs(void)
{
    memset(zeek_port_bits, 0, sizeof zeek_port_bits);
    if (pref_zeek_ports)
        range_foreach(pref_zeek_ports, set_zeek_port, NULL);
}

const char *tcpstate_state_name(guint state)
{
    return tcps_state_name((enum tcps_state)state);
}

const char *tcpstate_conn_state_name(guint cs)
{
    return zk_conn_state_name((enum zk_conn_state)cs);
}

/* The fields each show_ function adds, asked about together (the old names
 * join their new names' groups when they are registered). */
static void register_wanted_groups(void)
{
    const int states[] = { hf_client_prev, hf_server_prev, hf_sender, hf_transition, hf_handshake, hf_teardown };
    const int numbers[] = { hf_seq, hf_ack, hf_nxtseq, hf_isn_client, hf_isn_server, hf_inferred };
    const int zeek[] = { hf_conn_state, hf_history, hf_duration, hf_bytes_client, hf_bytes_server, hf_zeek_conn };
    const int final[] = { hf_final, hf_final_client, hf_final_server, hf_final_conn_state, hf_final_history,
                          hf_final_orig };
    const int end_states[] = { hf_client, hf_server };

    tcpstate_wanted_register(proto_tcpstate, item_seen_beside_tree);
    tcpstate_wanted_group_add(WANTED_STATES, states, G_N_ELEMENTS(states));
    tcpstate_wanted_group_add(WANTED_NUMBERS, numbers, G_N_ELEMENTS(numbers));
    tcpstate_wanted_group_add(WANTED_ZEEK, zeek, G_N_ELEMENTS(zeek));
    tcpstate_wanted_group_add(WANTED_ZEEK, final, G_N_ELEMENTS(final));
    tcpstate_wanted_group_add(WANTED_ZEEK_FINAL, final, G_N_ELEMENTS(final));
    tcpstate_wanted_end_states(end_states, G_N_ELEMENTS(end_states));
}

void proto_register_tcpstate(void)
{
    static hf_register_info hf[] = {
        { &hf_client, { "Client state", "tcpstate.client", FT_STRING, BASE_NONE, NULL, 0x0,
          "State of the client (the end that sent the first SYN) after this segment", HFILL } },
        { &hf_server, { "Server state", "tcpstate.server", FT_STRING, BASE_NONE, NULL, 0x0,
          "State of the server after this segment", HFILL } },
        { &hf_client_prev, { "Client state before", "tcpstate.client.prev", FT_STRING, BASE_NONE, NULL, 0x0,
          "State of the client before this segment", HFILL } },
        { &hf_server_prev, { "Server state before", "tcpstate.server.prev", FT_STRING, BASE_NONE, NULL, 0x0,
          "State of the server before this segment", HFILL } },
        { &hf_sender, { "Sender", "tcpstate.sender", FT_STRING, BASE_NONE, NULL, 0x0,
          "Who sent this segment: client or server", HFILL } },
        { &hf_transition, { "Transition", "tcpstate.transition", FT_STRING, BASE_NONE, NULL, 0x0,
          "The state changes this segment caused", HFILL } },
        { &hf_seq, { "Sequence number (relative to ISN)", "tcpstate.seq", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Sequence number relative to the sender's ISN", HFILL } },
        { &hf_ack, { "Acknowledgment number (relative to ISN)", "tcpstate.ack", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Acknowledgment number relative to the receiver's ISN", HFILL } },
        { &hf_nxtseq, { "Next sequence number (relative to ISN)", "tcpstate.nxtseq", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Sequence number after this segment: seq + payload + SYN + FIN", HFILL } },
        { &hf_isn_client, { "Client ISN", "tcpstate.isn.client", FT_UINT32, BASE_HEX, NULL, 0x0,
          "The client's raw initial sequence number", HFILL } },
        { &hf_isn_server, { "Server ISN", "tcpstate.isn.server", FT_UINT32, BASE_HEX, NULL, 0x0,
          "The server's raw initial sequence number", HFILL } },
        { &hf_handshake, { "Handshake", "tcpstate.handshake", FT_STRING, BASE_NONE, NULL, 0x0,
          "The segment's role in the opening handshake", HFILL } },
        { &hf_teardown, { "Teardown", "tcpstate.teardown", FT_STRING, BASE_NONE, NULL, 0x0,
          "The segment's role in the closing", HFILL } },
        { &hf_inferred, { "Inferred", "tcpstate.inferred", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "Roles and states inferred: the opening handshake was not captured", HFILL } },
        { &hf_conn_state, { "Zeek conn_state", "tcpstate.zeek.conn_state", FT_STRING, BASE_NONE, NULL, 0x0,
          "Zeek's conn.log conn_state of the connection so far (S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH)",
          HFILL } },
        { &hf_history, { "Zeek history", "tcpstate.zeek.history", FT_STRING, BASE_NONE, NULL, 0x0,
          "Zeek's conn.log history of the connection so far (upper case: originator)", HFILL } },
        { &hf_duration, { "Duration", "tcpstate.zeek.duration", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time since the connection's first packet", HFILL } },
        { &hf_bytes_client, { "Bytes from client", "tcpstate.zeek.bytes.client", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Bytes the client has sent so far, in sequence space without SYN and FIN (Zeek's orig_bytes)", HFILL } },
        { &hf_bytes_server, { "Bytes from server", "tcpstate.zeek.bytes.server", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Bytes the server has sent so far, in sequence space without SYN and FIN (Zeek's resp_bytes)", HFILL } },
        { &hf_final, { "Connection summary", "tcpstate.final", FT_NONE, BASE_NONE, NULL, 0x0,
          "How the connection ended (as far as the capture has been read)", HFILL } },
        { &hf_final_client, { "Final client state", "tcpstate.final.client", FT_STRING, BASE_NONE, NULL, 0x0,
          "The client's state after the connection's last segment", HFILL } },
        { &hf_final_server, { "Final server state", "tcpstate.final.server", FT_STRING, BASE_NONE, NULL, 0x0,
          "The server's state after the connection's last segment", HFILL } },
        { &hf_final_conn_state, { "Final Zeek conn_state", "tcpstate.zeek.final.conn_state", FT_STRING, BASE_NONE, NULL,
          0x0, "Zeek's conn_state for the whole connection", HFILL } },
        { &hf_final_history, { "Final Zeek history", "tcpstate.zeek.final.history", FT_STRING, BASE_NONE, NULL, 0x0,
          "Zeek's history for the whole connection", HFILL } },
        { &hf_final_orig, { "Zeek originator", "tcpstate.zeek.final.orig", FT_STRING, BASE_NONE, NULL, 0x0,
          "Which end Zeek calls the originator: client or server (they differ when Zeek flipped the roles)",
          HFILL } },
        { &hf_zeek_conn, { "Zeek connection", "tcpstate.zeek.conn", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Zeek's connection for this packet, numbered by appearance (Zeek splits a 4-tuple by its own "
          "timers and reuse rules, so this can differ from tcp.stream)", HFILL } },
    };
    static gint *ett[] = { &ett_tcpstate, &ett_final };
    module_t *module;

    proto_tcpstate = proto_register_protocol("TCP endpoint state", "TCP State", "tcpstate");
    tcpstate_short_name = proto_get_protocol_short_name(find_protocol_by_id(proto_tcpstate));
    proto_tcpstate_postdissector = proto_register_protocol_in_name_only(
        "TCP State postdissector", "TCP State postdissector", "tcpstate.postdissector", proto_tcpstate, FT_PROTOCOL);
    proto_register_field_array(proto_tcpstate, hf, array_length(hf));
    register_wanted_groups();
    proto_register_subtree_array(ett, array_length(ett));
    tcpstate_expert_register(proto_tcpstate);
    tcpstate_register_aliases(proto_tcpstate);

    module = prefs_register_protocol(proto_tcpstate, apply_prefs);
    prefs_register_uint_preference(module, "msl", "Maximum segment lifetime (seconds)",
        "TIME_WAIT lasts twice this long. 30 s gives Linux's 60 s TIME_WAIT; 120 s gives RFC 9293's 240 s.",
        10, &pref_msl_s);
    prefs_register_uint_preference(module, "close_wait_max", "CLOSE_WAIT warning after (seconds)",
        "Warn when an end stays in CLOSE_WAIT this long: its application has not closed the socket.",
        10, &pref_close_wait_max_s);
    prefs_register_uint_preference(module, "fin_wait_2_max", "FIN_WAIT_2 warning after (seconds)",
        "Warn when an end stays in FIN_WAIT_2 this long (Linux's tcp_fin_timeout is 60 s).",
        10, &pref_fin_wait_2_max_s);
    prefs_register_uint_preference(module, "server_time_wait_many", "Many server TIME_WAIT ends",
        "Warn when one server address has this many ends enter TIME_WAIT within 2*MSL.",
        10, &pref_server_time_wait_many);
    prefs_register_uint_preference(module, "syn_sent_many", "Many SYN_SENT connections",
        "Warn when one host has this many connections in SYN_SENT at once (the scanning pattern).",
        10, &pref_syn_sent_many);
    range_convert_str(wmem_epan_scope(), &pref_zeek_ports, ZEEK_SERVER_PORTS, 65535);
    prefs_register_range_preference(module, "zeek_server_ports", "Zeek likely server ports",
        "Ports Zeek takes as servers when a connection starts without its SYN (Zeek's likely_server_ports; "
        "the default is the TCP ports of Zeek's default analyzers). An empty range is Zeek run bare (-b).",
        &pref_zeek_ports, 65535);
    apply_prefs();

    tcpstate_tap = register_tap("tcpstate");
    register_tcpstate_stats();
    register_tcpstate_flow(proto_tcpstate);
    register_init_routine(tcpstate_init);
    register_cleanup_routine(tcpstate_reset);
}

void proto_reg_handoff_tcpstate(void)
{
    /* The postdissector's handle belongs to a protocol in name only: such a
     * protocol is enabled exactly when its parent, tcpstate, is, and
     * Wireshark adds no layer to the frame for it.  Against a handle of
     * tcpstate itself that saves about 260 instructions a packet on 4.0
     * (Wireshark counts each protocol's layers in a map the frame
     * allocates). */
    register_postdissector(create_dissector_handle(dissect_tcpstate, proto_tcpstate_postdissector));
    tcpstate_hook_handoff(&cap.conns); /* and at every file open, tcpstate_hook_install() */
}
