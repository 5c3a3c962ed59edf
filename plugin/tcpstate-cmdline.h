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
    GPtrArray *e_names;  /* the -e field names, in order */
} tshark_options_t;

/* tshark's options, read from /proc/self/cmdline at the first call. */
const tshark_options_t *tcpstate_tshark_options(void);

/* The same, from an argv (for the tests of the parse). */
void tcpstate_parse_tshark_options(char **argv, int argc, tshark_options_t *out);

#endif
