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

#include "tcpstate-wanted.h"

#define MAX_SPAN 256
#define MAX_MEMBERS 64

gboolean tcpstate_wanted_kept;
int tcpstate_wanted_first = G_MAXINT;
unsigned tcpstate_wanted_span;
const guint8 *tcpstate_wanted_bits;
guint tcpstate_wanted_groups;

static guint8 bits[MAX_SPAN / 8];
static struct {
    int hf[MAX_MEMBERS];
    unsigned n;
} members[WANTED_GROUPS];

static gboolean per_pass;        /* tshark: answers hold for a pass */
static gboolean checking;        /* TCPSTATE_CHECK_WANTED: ask always, compare */
static gboolean have_pass;       /* bits hold the answers of the pass of */
guint8 tcpstate_wanted_pass_key; /* this key (pass_key) */
static gboolean warned;

void tcpstate_wanted_register(int proto)
{
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

void tcpstate_wanted_reset(gboolean tshark)
{
    checking = g_getenv("TCPSTATE_CHECK_WANTED") != NULL;
    per_pass = tshark;
    have_pass = FALSE;
    tcpstate_wanted_kept = FALSE;
    warned = FALSE;
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

static void ask_wireshark(proto_tree *tree, guint8 *out)
{
    memset(out, 0, sizeof bits);
    for (unsigned i = 0; i < tcpstate_wanted_span; i++)
        if (proto_field_is_referenced(tree, tcpstate_wanted_first + (int)i))
            out[i / 8] |= (guint8)(1u << (i % 8));
}

static guint group_answers(void)
{
    guint answers = 0;

    for (int g = 0; g < WANTED_GROUPS; g++)
        for (unsigned i = 0; i < members[g].n; i++) {
            unsigned b = (unsigned)(members[g].hf[i] - tcpstate_wanted_first);
            if ((bits[b / 8] >> (b % 8)) & 1)
                answers |= 1u << g;
        }
    return answers;
}

/* TCPSTATE_CHECK_WANTED: does this frame want what its pass's first did? */
static void check_frame(const packet_info *pinfo, proto_tree *tree)
{
    guint8 now[sizeof bits];

    ask_wireshark(tree, now);
    if (!warned && memcmp(now, bits, sizeof bits) != 0) {
        ws_warning("TCP State: frame %u wants other fields than the first frame of its pass", pinfo->num);
        warned = TRUE;
    }
}

/* A pass is known by its frames' visited flag and whether its trees are
 * shown: the key of the pass whose answers are kept. */
static guint8 pass_key(const packet_info *pinfo, proto_tree *tree)
{
    return (guint8)((PINFO_FD_VISITED(pinfo) ? 1 : 0) + (PTREE_DATA(tree)->visible ? 2 : 0));
}

void tcpstate_wanted_pass(const packet_info *pinfo, proto_tree *tree)
{
    if (!per_pass)
        return;
    if (have_pass && pass_key(pinfo, tree) == tcpstate_wanted_pass_key) {
        if (checking)
            check_frame(pinfo, tree);
        return;
    }
    ask_wireshark(tree, bits);
    tcpstate_wanted_groups = group_answers();
    have_pass = TRUE;
    tcpstate_wanted_pass_key = pass_key(pinfo, tree);
    tcpstate_wanted_kept = !checking;
}
