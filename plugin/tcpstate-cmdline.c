/* tcpstate-cmdline.c - tshark's options, read from its command line (see
 * tcpstate-cmdline.h).
 *
 * The options are parsed as tshark's getopt reads them: "-T fields" or
 * "-Tfields", "-e NAME" or "-eNAME", options grouped behind one dash, a
 * value-taking option taking the rest of its word or the next word.  -2 is
 * looked for more bluntly: any word that starts with one dash and holds a
 * "2" counts.  A -2 read where there is none only costs memory (every
 * frame's result is kept, as in every run before); a -2 missed would lose
 * results the second pass shows, so no parse of the option letters, which
 * differ between tshark versions, may decide that one.  -R is looked for
 * as bluntly: a read filter missed would leave a second pass without the
 * frames it drops, which tcpstate would need to catch up on (packet-tcpstate.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "tcpstate-cmdline.h"

/* Short options of tshark 4.0 to 4.6 that take a value (their getopt
 * strings). */
#define TSHARK_VALUE_OPTIONS "AaBbCcdEeFfGHiJjKMNOoRrSsTtUuWwXyYz"

/* Options after which a second pass shows nothing beyond the fields its
 * filters, columns, -e fields and statistics name: no printed tree, no
 * coloring rules, no script.  -T only as "fields", "text", "tabs" or
 * "psml".  Any other option may show everything. */
#define NAMING_ONLY_OPTIONS "2CcdEeHlnNoQqrTtuwYz"
#define NAMING_ONLY_LONG_OPTIONS { "--disable-protocol", "--enable-protocol", "--disable-heuristic", \
                                   "--enable-heuristic", "--disable-all-protocols", "--only-protocols" }

gboolean tcpstate_may_name_final(const char *text)
{
    return strstr(text, "final") || strchr(text, '$');
}

/* May a run with option `opt` (and its value, or NULL) show Zeek's final
 * summary (tcpstate.final, tcpstate.zeek.final.*)?  Yes where it may show
 * every field, or its value may name one (tcpstate_may_name_final). */
static gboolean may_show_final(char opt, const char *value)
{
    static const char *const formats[] = { "fields", "text", "tabs", "psml" };
    gboolean format_ok = FALSE;

    if (!strchr(NAMING_ONLY_OPTIONS, opt))
        return TRUE;
    if (value && tcpstate_may_name_final(value))
        return TRUE;
    if (opt != 'T')
        return FALSE;
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++)
        format_ok |= strcmp(value, formats[i]) == 0;
    return !format_ok;
}

/* Is long option `a` (with its "=value", if any) one that shows only what
 * it names, and names no final field? */
static gboolean long_option_names_only(const char *a)
{
    static const char *const names[] = NAMING_ONLY_LONG_OPTIONS;

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        size_t n = strlen(names[i]);
        if (strncmp(a, names[i], n) == 0 && (a[n] == '\0' || a[n] == '='))
            return !tcpstate_may_name_final(a);
    }
    return FALSE;
}

/* Parse an argv as tshark's getopt reads it. */
static void parse_options(char **argv, int argc, tshark_options_t *out, tshark_e_field_fn each_e)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0')
            continue;
        if (a[1] == '-') { /* a long option: none of them is -2, -T or -e; one that starts
                              with r might be a read filter in some version */
            out->read_filter |= a[2] == 'r' || a[2] == 'R';
            out->may_show_final |= !long_option_names_only(a);
            if (!strchr(a, '=') && i + 1 < argc && argv[i + 1][0] != '-') {
                out->may_show_final |= tcpstate_may_name_final(argv[i + 1]);
                i++;
            }
            continue;
        }
        if (strchr(a, '2'))
            out->two_pass = TRUE;
        if (strchr(a, 'R'))
            out->read_filter = TRUE;
        for (const char *c = a + 1; *c; c++) {
            const char *value;
            if (!strchr(TSHARK_VALUE_OPTIONS, *c)) {
                out->may_show_final |= may_show_final(*c, NULL);
                continue;
            }
            value = c[1] ? c + 1 : i + 1 < argc ? argv[++i] : "";
            out->may_show_final |= may_show_final(*c, value);
            if (*c == 'T')
                out->fields_run = strcmp(value, "fields") == 0;
            else if (*c == 'e' && each_e)
                each_e(value);
            break;
        }
    }
}

/* Read /proc/self/cmdline and parse it; FALSE when it cannot be read. */
static gboolean read_command_line(tshark_options_t *out, tshark_e_field_fn each_e)
{
    gchar *buf, **argv;
    gsize len;
    int argc = 0;

    if (!g_file_get_contents("/proc/self/cmdline", &buf, &len, NULL))
        return FALSE;
    argv = g_new0(gchar *, len + 1);
    for (gsize i = 0; i < len; i += strlen(buf + i) + 1)
        argv[argc++] = buf + i;
    parse_options(argv, argc, out, each_e);
    g_free(argv);
    g_free(buf);
    return TRUE;
}

const tshark_options_t *tcpstate_tshark_options(void)
{
    static tshark_options_t options;
    static gboolean tried;

    if (!tried) {
        tried = TRUE;
        options.read = read_command_line(&options, NULL);
        options.may_show_final |= !options.read;
    }
    return &options;
}

void tcpstate_tshark_e_fields(tshark_e_field_fn each)
{
    tshark_options_t ignored = { 0 };

    read_command_line(&ignored, each);
}
