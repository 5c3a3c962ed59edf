/* tcpstate-cmdline.h - what tshark's command line says about the run, where
 * Wireshark tells a dissector nothing: whether a second pass follows (-2),
 * and tshark 4.0's -T fields and -e names.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_CMDLINE_H
#define TCPSTATE_CMDLINE_H

#include <glib.h>

typedef struct {
    gboolean read;       /* the command line could be read; else nothing below is known */
    gboolean two_pass;   /* -2 may be among the options (never missed; rarely seen where it is not) */
    gboolean fields_run; /* -T fields */
    gboolean read_filter; /* -R may be among the options (never missed, as -2) */
    gboolean may_show_final; /* the run may show Zeek's final summary: it prints trees, colors,
                                runs a script, names a final field or a macro, or has an option
                                not known to show only what it names (never missed) */
} tshark_options_t;

/* May this text (an option's value, a custom column's fields) name Zeek's
 * final summary?  It names a final field (every name of one, old ones too,
 * has "final" in it) or a display filter macro ("$"), which can name one. */
gboolean tcpstate_may_name_final(const char *text);

/* Called with each -e field name, in order. */
typedef void (*tshark_e_field_fn)(const char *name);

/* tshark's options, read from /proc/self/cmdline at the first call. */
const tshark_options_t *tcpstate_tshark_options(void);

/* Read the command line again and call `each` with its -e field names (the
 * names are not kept: nothing of the command line outlives the call). */
void tcpstate_tshark_e_fields(tshark_e_field_fn each);

#endif
