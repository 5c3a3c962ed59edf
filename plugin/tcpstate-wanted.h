/* tcpstate-wanted.h - which tcpstate fields a frame's tree wants.
 *
 * tcpstate adds a field only when the tree wants it: a visible tree, or a
 * display filter, column, coloring rule or -e that names it
 * (proto_field_is_referenced).  Asked field by field, for its fields, old
 * names and expert infos, that took some 50 questions a frame whenever any
 * tcpstate field was wanted.  Within one tshark pass the answers are the
 * same for every frame: the run's filters, columns, -e fields and taps, and
 * whether it prints the tree, are set before its first frame.  So in tshark
 * they are taken at the first frame of each pass (a pass is known by the
 * frames' visited flag: tshark -2 makes two) and kept as bits, with one bit
 * more for each group of fields that one function adds, which it asks
 * first.  Wireshark's GUI and sharkd change filters and trees from one
 * dissection to the next, so there every question goes to Wireshark.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_WANTED_H
#define TCPSTATE_WANTED_H

#include <epan/packet.h>
#include <epan/proto.h>

/* Fields added together, by one function of the glue. */
enum tcpstate_wanted_group {
    WANTED_STATES,     /* what the segment did: states before, sender, roles */
    WANTED_NUMBERS,    /* relative numbers and ISNs */
    WANTED_ZEEK,       /* the Zeek summary so far, and the final one */
    WANTED_ZEEK_FINAL, /* the connection summary */
    WANTED_WATCHES,    /* the watches' expert infos (tcpstate_watch.h) */
    WANTED_EXPERTS,    /* every expert info of tcpstate's */
    WANTED_OLD_NAMES,  /* every deprecated old name */
    WANTED_GROUPS
};

/* Registration, in this order: the protocol's id (every tcpstate field id
 * follows it) and how the glue knows that its item is seen beside the tree
 * (asked once a pass, see tcpstate_wanted_own_item); the members of each
 * group, and the end states (the fields a run may want alone, see
 * tcpstate_wanted_end_states_only); each old name with its new one (it
 * joins the new name's groups). */
void tcpstate_wanted_register(int proto, gboolean (*item_seen_beside_tree)(const packet_info *pinfo));
void tcpstate_wanted_group_add(enum tcpstate_wanted_group g, const int *hfs, size_t n);
void tcpstate_wanted_end_states(const int *hfs, size_t n);
void tcpstate_wanted_old_name(int hf_new, int hf_old);

/* At file open: keep answers per pass (tshark) or ask every time. */
void tcpstate_wanted_reset(gboolean per_pass);


/* Is any field of group `g` wanted? */
gboolean tcpstate_wanted_group(proto_tree *tree, enum tcpstate_wanted_group g);

/* Is tcpstate's own protocol item wanted or seen, not only fields under
 * it?  It is when a filter, column or -e names the protocol itself, or any
 * expert info (they hang on the item), and so in a shown tree; or when the
 * glue says it is seen beside the tree (by the expert tap or column, or a
 * tap that reads whole trees).  A filter on tcpstate.client alone wants
 * only that field: Wireshark 4.6 fakes the item then, but 4.0 and 4.4 make
 * every item at the top of a tree real, at about 800 instructions a packet
 * with its expert infos.  Where answers are not kept (the GUI), the item
 * is always wanted.  For a frame with a tree. */
gboolean tcpstate_wanted_own_item(void);

/* Does the tree want tcpstate's end states alone: those registered with
 * tcpstate_wanted_end_states (or the protocol, for them), no other field,
 * old name or expert info, and not its item?  A filter, column or -e field
 * on tcpstate.client or tcpstate.server, the commonest use of tcpstate.
 * Known only where answers are kept (else FALSE).  For a frame with a
 * tree. */
gboolean tcpstate_wanted_end_states_only(void);

/* Is Wireshark's own expert protocol (_ws.expert, its message, group or
 * severity) wanted?  Asked as tcpstate's fields are, not kept. */
gboolean tcpstate_wanted_expert_fields(proto_tree *tree);

/* Inline: asked for every field. */
extern gboolean tcpstate_wanted_kept;
extern int tcpstate_wanted_first;
extern unsigned tcpstate_wanted_span;
extern const guint8 *tcpstate_wanted_bits;
extern guint tcpstate_wanted_groups;

/* Bit i of a bit set. */
static inline gboolean tcpstate_wanted_bit(const guint8 *set, unsigned i)
{
    return (set[i / 8] >> (i % 8)) & 1;
}

/* A pass is known by its frames' visited flag and whether its trees are
 * shown. */
static inline guint8 tcpstate_wanted_pass_of(const packet_info *pinfo, proto_tree *tree)
{
    return (guint8)((PINFO_FD_VISITED(pinfo) ? 1 : 0) + (PTREE_DATA(tree)->visible ? 2 : 0));
}

/* Does the tree want field `hf`? */
static inline gboolean tcpstate_wanted(proto_tree *tree, int hf)
{
    unsigned i = (unsigned)(hf - tcpstate_wanted_first);

    if (!tree)
        return FALSE;
    if (tcpstate_wanted_kept && i < tcpstate_wanted_span)
        return tcpstate_wanted_bit(tcpstate_wanted_bits, i);
    return proto_field_is_referenced(tree, hf);
}

/* Before asking about a frame's tree: takes the answers at a pass's first
 * frame (tcpstate_wanted_pass).  Inline: called for every frame. */
extern guint8 tcpstate_wanted_pass_key;
void tcpstate_wanted_pass(const packet_info *pinfo, proto_tree *tree);
static inline void tcpstate_wanted_frame(const packet_info *pinfo, proto_tree *tree)
{
    if (tree && (!tcpstate_wanted_kept || tcpstate_wanted_pass_key != tcpstate_wanted_pass_of(pinfo, tree)))
        tcpstate_wanted_pass(pinfo, tree);
}

/* Known without asking that no field of group `g` is wanted?  (Only where
 * answers are kept; elsewhere the caller asks field by field.) */
static inline gboolean tcpstate_wanted_none(enum tcpstate_wanted_group g)
{
    return tcpstate_wanted_kept && !(tcpstate_wanted_groups & (1u << g));
}

#endif
