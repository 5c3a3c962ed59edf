/* tcpstate-alias.c - the old filter names, kept for one release.
 *
 * Wireshark has no field aliases for plugins (proto_register_alias is for
 * protocol names), so each old name is a field of its own, described as
 * "Deprecated alias of tcpstate.X (removed in the next release)".  The glue
 * adds it, hidden and with the new item's value, beside the new item, and
 * only when the tree wants it (tcpstate_wanted: a display filter, a column,
 * a coloring rule or -e names it, or the tree is shown).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define WS_BUILD_DLL
#include <stdio.h>
#include <string.h>

#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/ftypes/ftypes.h>

#include "tcpstate-alias.h"
#include "tcpstate-wanted.h"

/* Old name -> new name.  The old names of one new name are adjacent. */
static struct {
    const char *old_name, *new_name;
    int hf_new, hf_old;
} aliases[] = {
    /* Zeek's summary: under tcpstate.zeek. */
    { "tcpstate.conn_state", "tcpstate.zeek.conn_state", -1, -1 },
    { "tcpstate.history", "tcpstate.zeek.history", -1, -1 },
    { "tcpstate.duration", "tcpstate.zeek.duration", -1, -1 },
    { "tcpstate.bytes.client", "tcpstate.zeek.bytes.client", -1, -1 },
    { "tcpstate.bytes.server", "tcpstate.zeek.bytes.server", -1, -1 },
    { "tcpstate.zeek_conn", "tcpstate.zeek.conn", -1, -1 },
    { "tcpstate.final.conn_state", "tcpstate.zeek.final.conn_state", -1, -1 },
    { "tcpstate.final.history", "tcpstate.zeek.final.history", -1, -1 },
    { "tcpstate.final.orig", "tcpstate.zeek.final.orig", -1, -1 },
    /* One name per fact: the ICMP expert info and the boolean that said the
     * same.  The old boolean stays a boolean (True, as it was). */
    { "tcpstate.icmp_error", "tcpstate.analysis.icmp_quoted", -1, -1 },
    { "tcpstate.icmp_quoted", "tcpstate.analysis.icmp_quoted", -1, -1 },
    /* Expert infos: under tcpstate.analysis, as TCP's are under tcp.analysis. */
    { "tcpstate.retransmission", "tcpstate.analysis.retransmission", -1, -1 },
    { "tcpstate.rst.out_of_window", "tcpstate.analysis.rst.out_of_window", -1, -1 },
    { "tcpstate.rst.not_exact", "tcpstate.analysis.rst.not_exact", -1, -1 },
    { "tcpstate.rst.unacceptable", "tcpstate.analysis.rst.unacceptable", -1, -1 },
    { "tcpstate.syn.ignored", "tcpstate.analysis.syn.ignored", -1, -1 },
    { "tcpstate.synack.bad_ack", "tcpstate.analysis.synack.bad_ack", -1, -1 },
    { "tcpstate.data_after_fin", "tcpstate.analysis.data_after_fin", -1, -1 },
    { "tcpstate.time_wait.expired", "tcpstate.analysis.time_wait.expired", -1, -1 },
    { "tcpstate.syn.unanswered", "tcpstate.analysis.syn.unanswered", -1, -1 },
    { "tcpstate.flags.invalid", "tcpstate.analysis.flags.invalid", -1, -1 },
    { "tcpstate.ack.unseen", "tcpstate.analysis.ack.unseen", -1, -1 },
    { "tcpstate.closed_peer", "tcpstate.analysis.closed_peer", -1, -1 },
    { "tcpstate.truncated", "tcpstate.analysis.truncated", -1, -1 },
    { "tcpstate.not_analysed", "tcpstate.analysis.not_analysed", -1, -1 },
    { "tcpstate.gap", "tcpstate.analysis.gap", -1, -1 },
    { "tcpstate.out_of_order", "tcpstate.analysis.out_of_order", -1, -1 },
    { "tcpstate.close_wait.long", "tcpstate.analysis.close_wait.long", -1, -1 },
    { "tcpstate.fin_wait_2.long", "tcpstate.analysis.fin_wait_2.long", -1, -1 },
    { "tcpstate.time_wait.server", "tcpstate.analysis.time_wait.server", -1, -1 },
    { "tcpstate.time_wait.server_many", "tcpstate.analysis.time_wait.server_many", -1, -1 },
    { "tcpstate.syn_sent.many", "tcpstate.analysis.syn_sent.many", -1, -1 },
    { "tcpstate.rst.time_wait", "tcpstate.analysis.rst.time_wait", -1, -1 },
    { "tcpstate.half_open.unanswered", "tcpstate.analysis.half_open.unanswered", -1, -1 },
    { "tcpstate.half_open.incomplete", "tcpstate.analysis.half_open.incomplete", -1, -1 },
};
#define N_ALIASES (sizeof aliases / sizeof aliases[0])

int tcpstate_alias_first;
unsigned tcpstate_alias_span;
const signed char *tcpstate_alias_index;

/* Static, not allocated: Wireshark keeps pointers into the registration
 * until it exits, after it has unloaded the plugin. */
static hf_register_info alias_hf[N_ALIASES];
static char alias_blurb[N_ALIASES][128];
static signed char alias_index[128];

void tcpstate_register_aliases(int proto)
{
    int last = -1;

    tcpstate_alias_first = G_MAXINT;
    for (unsigned i = 0; i < N_ALIASES; i++) {
        hf_register_info *hf = &alias_hf[i];
        header_field_info *now;

        aliases[i].hf_new = proto_registrar_get_id_byname(aliases[i].new_name);
        DISSECTOR_ASSERT(aliases[i].hf_new >= 0);
        now = proto_registrar_get_nth((guint)aliases[i].hf_new);
        tcpstate_alias_first = MIN(tcpstate_alias_first, aliases[i].hf_new);
        last = MAX(last, aliases[i].hf_new);
        hf->p_id = &aliases[i].hf_old;
        hf->hfinfo.name = now->name;
        hf->hfinfo.abbrev = aliases[i].old_name;
        hf->hfinfo.type = now->type;
        hf->hfinfo.display = now->display;
        hf->hfinfo.strings = now->strings;
        hf->hfinfo.bitmask = now->bitmask;
        if (strcmp(aliases[i].old_name, "tcpstate.icmp_quoted") == 0) {
            hf->hfinfo.name = "Quoted in an ICMP error";
            hf->hfinfo.type = FT_BOOLEAN;
            hf->hfinfo.display = BASE_NONE;
        }
        snprintf(alias_blurb[i], sizeof alias_blurb[i], "Deprecated alias of %s (removed in the next release)",
                 aliases[i].new_name);
        hf->hfinfo.blurb = alias_blurb[i];
        HFILL_INIT(*hf);
    }
    proto_register_field_array(proto, alias_hf, (int)N_ALIASES);

    tcpstate_alias_span = (unsigned)(last - tcpstate_alias_first + 1);
    DISSECTOR_ASSERT(tcpstate_alias_span <= sizeof alias_index);
    memset(alias_index, -1, sizeof alias_index);
    for (unsigned i = N_ALIASES; i-- > 0;)
        alias_index[aliases[i].hf_new - tcpstate_alias_first] = (signed char)i;
    tcpstate_alias_index = alias_index;
    for (unsigned i = 0; i < N_ALIASES; i++)
        tcpstate_wanted_old_name(aliases[i].hf_new, aliases[i].hf_old);
}

int tcpstate_alias_referenced(const proto_tree *tree, int first)
{
    for (unsigned i = (unsigned)first; i < N_ALIASES && aliases[i].hf_new == aliases[first].hf_new; i++)
        if (tcpstate_wanted((proto_tree *)tree, aliases[i].hf_old))
            return first;
    return -1;
}

/* For each old name of field `hf` that a filter, column or -e names: i. */
#define FOR_EACH_WANTED(tree, hf, i)                                                          \
    for (int first_ = tcpstate_alias(tree, hf), i = first_; first_ >= 0 && i < (int)N_ALIASES && \
         aliases[i].hf_new == (hf); i++)                                                      \
        if (tcpstate_wanted(tree, aliases[i].hf_old))

void tcpstate_alias_string(proto_tree *tree, int hf, tvbuff_t *tvb, const char *value)
{
    FOR_EACH_WANTED(tree, hf, i)
        proto_item_set_hidden(proto_tree_add_string(tree, aliases[i].hf_old, tvb, 0, 0, value));
}

void tcpstate_alias_uint(proto_tree *tree, int hf, tvbuff_t *tvb, guint32 value)
{
    FOR_EACH_WANTED(tree, hf, i)
        proto_item_set_hidden(proto_tree_add_uint(tree, aliases[i].hf_old, tvb, 0, 0, value));
}

void tcpstate_alias_time(proto_tree *tree, int hf, tvbuff_t *tvb, const nstime_t *value)
{
    FOR_EACH_WANTED(tree, hf, i)
        proto_item_set_hidden(proto_tree_add_time(tree, aliases[i].hf_old, tvb, 0, 0, value));
}

void tcpstate_alias_expert(proto_item *ti, const expert_field *ei)
{
    proto_tree *tree = proto_item_get_subtree(ti);

    FOR_EACH_WANTED(tree, ei->hf, i) {
        if (proto_registrar_get_nth((guint)aliases[i].hf_old)->type == FT_BOOLEAN)
            proto_item_set_hidden(proto_tree_add_boolean(tree, aliases[i].hf_old, NULL, 0, 0, TRUE));
        else
            proto_item_set_hidden(proto_tree_add_item(tree, aliases[i].hf_old, NULL, 0, 0, ENC_NA));
    }
}
