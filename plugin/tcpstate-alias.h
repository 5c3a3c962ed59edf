/* tcpstate-alias.h - the old filter names, kept for one release.
 *
 * Each renamed field or expert info keeps its old name as a deprecated field
 * (tcpstate-alias.c holds the table old -> new).  An old name's item is added,
 * hidden and with the new item's value, only when the tree wants it (as
 * packet-tcpstate.c's wanted()): nobody asking costs one comparison per item.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_ALIAS_H
#define TCPSTATE_ALIAS_H

#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/proto.h>

#include "tcpstate-wanted.h"

/* Register the old names; after the new fields and expert infos. */
void tcpstate_register_aliases(int proto);

/* Where the old names are: by (new field id - tcpstate_alias_first), the
 * index in the table of the first old name of that field, or -1. */
extern int tcpstate_alias_first;
extern unsigned tcpstate_alias_span;
extern const signed char *tcpstate_alias_index;

/* The table index of the first old name of `hf` when any old name is
 * referenced, or -1.  Inline: called for every field tcpstate adds. */
int tcpstate_alias_referenced(const proto_tree *tree, int first);
static inline int tcpstate_alias(const proto_tree *tree, int hf)
{
    unsigned i = (unsigned)(hf - tcpstate_alias_first);

    if (!tree || tcpstate_wanted_none(WANTED_OLD_NAMES) || i >= tcpstate_alias_span || tcpstate_alias_index[i] < 0)
        return -1;
    return tcpstate_alias_referenced(tree, tcpstate_alias_index[i]);
}

/* Add the old names of field `hf`, hidden, with this value (when wanted). */
void tcpstate_alias_string(proto_tree *tree, int hf, tvbuff_t *tvb, const char *value);
void tcpstate_alias_uint(proto_tree *tree, int hf, tvbuff_t *tvb, guint32 value);
void tcpstate_alias_time(proto_tree *tree, int hf, tvbuff_t *tvb, const nstime_t *value);
/* ... of expert info `ei`, beside it under `ti`. */
void tcpstate_alias_expert(proto_item *ti, const expert_field *ei);

#endif
