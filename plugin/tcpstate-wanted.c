/* tcpstate-wanted.c - which tcpstate fields a frame's tree wants, taken
 * once a tshark pass (see tcpstate-wanted.h).
 *
 * With TCPSTATE_CHECK_WANTED set, nothing is kept: every question goes to
 * Wireshark, and every frame's answers are compared with its pass's first
 * frame's; stderr says so where they differ (test wanted_per_pass).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define WS_BUILD_DLL
#include <string.h>

#include <epan/packet.h>
#include <epan/proto.h>
#include <wsutil/wslog.h>

#include "tcpstate-cmdline.h"
#include "tcpstate-wanted.h"
#include "ws_compat.h"

#define MAX_SPAN 256
#define MAX_MEMBERS 64

gboolean tcpstate_wanted_kept;
int tcpstate_wanted_first = G_MAXINT;
unsigned tcpstate_wanted_span;
const guint8 *tcpstate_wanted_bits;
guint tcpstate_wanted_groups;

static guint8 bits[MAX_SPAN / 8];
static gboolean own_item; /* the pass's answer of tcpstate_wanted_own_item */
static guint8 end_state_bits[MAX_SPAN / 8]; /* tcpstate_wanted_end_states */
static gboolean end_states_only; /* the pass's answer of tcpstate_wanted_end_states_only */
static gboolean (*item_seen_beside)(const packet_info *pinfo);

static void set_bit(guint8 *set, unsigned i)
{
    set[i / 8] |= (guint8)(1u << (i % 8));
}
static struct {
    int hf[MAX_MEMBERS];
    unsigned n;
} members[WANTED_GROUPS];

static gboolean per_pass;        /* tshark: answers hold for a pass */
static gboolean checking;        /* TCPSTATE_CHECK_WANTED: ask always, compare */
static gboolean have_pass;       /* bits hold a pass's answers, */
guint8 tcpstate_wanted_pass_key; /* and this is that pass (tcpstate_wanted_pass_of) */
static gboolean warned;

void tcpstate_wanted_register(int proto, gboolean (*item_seen_beside_tree)(const packet_info *pinfo))
{
    item_seen_beside = item_seen_beside_tree;
    tcpstate_wanted_first = proto;
    tcpstate_wanted_span = 1;
    tcpstate_wanted_bits = bits;
}

static void add_member(enum tcpstate_wanted_group g, int hf)
{
    DISSECTOR_ASSERT(hf >= tcpstate_wanted_first && hf - tcpstate_wanted_first < MAX_SPAN);
    DISSECTOR_ASSERT(members[g].n < MAX_MEMBERS);
    members[g].hf[members[g].n++] = hf;
    tcpstate_wanted_span = MAX(tcpstate_wanted_span, (unsigned)(hf - tcpstate_wanted_first + 1));
}

void tcpstate_wanted_group_add(enum tcpstate_wanted_group g, const int *hfs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        add_member(g, hfs[i]);
}

void tcpstate_wanted_end_states(const int *hfs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        DISSECTOR_ASSERT(hfs[i] > tcpstate_wanted_first && hfs[i] - tcpstate_wanted_first < MAX_SPAN);
        set_bit(end_state_bits, (unsigned)(hfs[i] - tcpstate_wanted_first));
        tcpstate_wanted_span = MAX(tcpstate_wanted_span, (unsigned)(hfs[i] - tcpstate_wanted_first + 1));
    }
}

void tcpstate_wanted_old_name(int hf_new, int hf_old)
{
    for (int g = 0; g < WANTED_OLD_NAMES; g++)
        for (unsigned i = 0; i < members[g].n; i++)
            if (members[g].hf[i] == hf_new) {
                add_member((enum tcpstate_wanted_group)g, hf_old);
                break;
            }
    add_member(WANTED_OLD_NAMES, hf_old);
}

gboolean tcpstate_wanted_group(proto_tree *tree, enum tcpstate_wanted_group g)
{
    if (!tree)
        return FALSE;
    if (tcpstate_wanted_kept)
        return (tcpstate_wanted_groups >> g) & 1;
    for (unsigned i = 0; i < members[g].n; i++)
        if (proto_field_is_referenced(tree, members[g].hf[i]))
            return TRUE;
    return FALSE;
}

#if TCPSTATE_FIELDS_TREE_IS_VISIBLE
/* tshark 4.0 builds the whole, visible tree for -T fields, as for -V, so
 * there every field counts as wanted (proto_field_is_referenced), and it
 * gives a dissector no way to see its -e fields.  They are on its command
 * line (tcpstate-cmdline.c): in the visible tree of a -T fields run, a
 * field is wanted when -e names it or a filter, column, coloring rule or
 * tap names it (its ref_type, which Wireshark sets for each frame).  A
 * command line that cannot be read leaves every field wanted. */
static gboolean fields_run;             /* -T fields */
static guint8 named_by_e[MAX_SPAN / 8]; /* tcpstate ids among the -e fields */
static gboolean expert_named_by_e;      /* -e _ws.expert or one of its fields */

static void name_by_e(const char *name)
{
    int hf = proto_registrar_get_id_byname(name);
    unsigned i = (unsigned)(hf - tcpstate_wanted_first);

    if (g_str_has_prefix(name, "_ws.expert"))
        expert_named_by_e = TRUE;
    if (hf == tcpstate_wanted_first)
        memset(named_by_e, 0xff, sizeof named_by_e); /* -e tcpstate: the whole protocol */
    else if (hf >= 0 && i < tcpstate_wanted_span)
        set_bit(named_by_e, i);
}

static void read_fields_options(void)
{
    static gboolean done;

    if (done)
        return;
    done = TRUE;
    fields_run = tcpstate_tshark_options()->fields_run;
    if (fields_run)
        tcpstate_tshark_e_fields(name_by_e);
}

/* Is field `hf` wanted, `named` saying whether an -e field names it? */
static gboolean asked_named(proto_tree *tree, int hf, gboolean named)
{
    if (fields_run && PTREE_DATA(tree)->visible)
        return named || proto_registrar_get_nth((guint)hf)->ref_type != HF_REF_TYPE_NONE;
    return proto_field_is_referenced(tree, hf);
}
#else
static const gboolean expert_named_by_e = FALSE;
static const guint8 named_by_e[MAX_SPAN / 8];
static void read_fields_options(void) {}
static gboolean asked_named(proto_tree *tree, int hf, gboolean named _U_)
{
    return proto_field_is_referenced(tree, hf);
}
#endif

/* Is tcpstate's field `hf` wanted? */
static gboolean asked(proto_tree *tree, int hf)
{
    return asked_named(tree, hf, tcpstate_wanted_bit(named_by_e, (unsigned)(hf - tcpstate_wanted_first)));
}

gboolean tcpstate_wanted_expert_fields(proto_tree *tree)
{
    static const char *const names[] = { "_ws.expert", "_ws.expert.message", "_ws.expert.group",
                                         "_ws.expert.severity" };

    if (!tree)
        return FALSE;
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        int hf = proto_registrar_get_id_byname(names[i]);
        if (hf < 0 || asked_named(tree, hf, expert_named_by_e))
            return TRUE; /* unknown: taken as wanted */
    }
    return FALSE;
}

/* Is the protocol itself named, not only one of its fields?  A named
 * field's protocol is marked referenced too, but indirectly.  Named
 * directly is HF_REF_TYPE_DIRECT, or from 4.2 HF_REF_TYPE_PRINT for -e. */
static gboolean protocol_named(void)
{
    hf_ref_type ref = proto_registrar_get_nth((guint)tcpstate_wanted_first)->ref_type;

    return ref != HF_REF_TYPE_NONE && ref != HF_REF_TYPE_INDIRECT;
}

/* Is the protocol's own item wanted?  When the protocol itself is named,
 * or any expert info that hangs on the item: one of tcpstate's, or
 * Wireshark's expert fields.  A shown tree wants every field, expert infos
 * too, and so does 4.0's -e tcpstate (named_by_e).  Or when the glue says
 * the item is seen beside the tree. */
static gboolean ask_own_item(const packet_info *pinfo, proto_tree *tree, guint groups)
{
    return protocol_named() || (groups & (1u << WANTED_EXPERTS)) || tcpstate_wanted_expert_fields(tree) ||
           item_seen_beside(pinfo);
}

gboolean tcpstate_wanted_own_item(void)
{
    return tcpstate_wanted_kept ? own_item : TRUE;
}

gboolean tcpstate_wanted_end_states_only(void)
{
    return tcpstate_wanted_kept && end_states_only;
}

/* Are the end states, and the protocol for them, all this set wants?  A
 * field in no group that is not an end state is not. */
static gboolean only_end_states(const guint8 *set, guint groups, gboolean item)
{
    if (groups || item)
        return FALSE;
    for (unsigned i = 1; i < tcpstate_wanted_span; i++)
        if (tcpstate_wanted_bit(set, i) && !tcpstate_wanted_bit(end_state_bits, i))
            return FALSE;
    return TRUE;
}

static void ask_wireshark(proto_tree *tree, guint8 *out)
{
    gboolean any = FALSE;

    memset(out, 0, sizeof bits);
    for (unsigned i = 1; i < tcpstate_wanted_span; i++)
        if (asked(tree, tcpstate_wanted_first + (int)i)) {
            set_bit(out, i);
            any = TRUE;
        }
    /* The protocol's item holds the others: wanted with any of them. */
    if (any || asked(tree, tcpstate_wanted_first))
        set_bit(out, 0);
}

void tcpstate_wanted_reset(gboolean tshark)
{
    checking = g_getenv("TCPSTATE_CHECK_WANTED") != NULL;
    per_pass = tshark;
    if (tshark)
        read_fields_options();
    have_pass = FALSE;
    tcpstate_wanted_kept = FALSE;
    warned = FALSE;
}

static guint group_answers(const guint8 *set)
{
    guint answers = 0;

    for (int g = 0; g < WANTED_GROUPS; g++)
        for (unsigned i = 0; i < members[g].n; i++) {
            if (tcpstate_wanted_bit(set, (unsigned)(members[g].hf[i] - tcpstate_wanted_first)))
                answers |= 1u << g;
        }
    return answers;
}

/* TCPSTATE_CHECK_WANTED: does this frame want what its pass's first did? */
static void check_frame(const packet_info *pinfo, proto_tree *tree)
{
    guint8 now[sizeof bits];

    ask_wireshark(tree, now);
    if (!warned && (memcmp(now, bits, sizeof bits) != 0 || ask_own_item(pinfo, tree, group_answers(now)) != own_item)) {
        ws_warning("TCP State: frame %u wants other fields than the first frame of its pass", pinfo->num);
        warned = TRUE;
    }
}

void tcpstate_wanted_pass(const packet_info *pinfo, proto_tree *tree)
{
    if (!per_pass)
        return;
    if (have_pass && tcpstate_wanted_pass_of(pinfo, tree) == tcpstate_wanted_pass_key) {
        if (checking)
            check_frame(pinfo, tree);
        return;
    }
    ask_wireshark(tree, bits);
    tcpstate_wanted_groups = group_answers(bits);
    own_item = ask_own_item(pinfo, tree, tcpstate_wanted_groups);
    end_states_only = only_end_states(bits, tcpstate_wanted_groups, own_item);
    have_pass = TRUE;
    tcpstate_wanted_pass_key = tcpstate_wanted_pass_of(pinfo, tree);
    tcpstate_wanted_kept = !checking;
}
