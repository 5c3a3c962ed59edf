/* tcpstate-stats.c - statistics over the "tcpstate" tap.
 *
 *   tshark -q -z tcpstate,sum[,at=SECONDS][,FILTER]
 *       netstat-style counts of endpoint states (client side, server side,
 *       both) and of Zeek conn_state codes, one entry per connection: its
 *       state after its last segment that passed FILTER and, with at=, came
 *       no later than SECONDS after the capture's first packet (the snapshot
 *       netstat would have shown then; a TIME_WAIT whose 2*MSL had run out by
 *       then counts as CLOSED).
 *   tshark -q -z tcpstate,conn[,at=SECONDS][,FILTER]
 *       one line per connection: stream, ends, states, conn_state, history,
 *       start, duration, bytes each way.
 * Both are table statistics, so the GUI shows them under Statistics > TCP State.
 * Counts are kept up to date packet by packet: each connection remembers what
 * it contributed, so a packet costs O(1).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define WS_BUILD_DLL
#include <stdlib.h>
#include <string.h>

#include <epan/addr_resolv.h>
#include <epan/packet.h>
#include <epan/to_str.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

#include "packet-tcpstate.h"
#include "tcpstate_fsm.h"
#include "tcpstate_zeek.h"

/* What one connection contributes to a table. */
typedef struct {
    guint8 seen;
    guint8 client, server, code; /* as counted */
    guint64 first_us;            /* conn table: its first segment's time */
    guint32 row;                 /* conn table: its row + 1 */
} conn_track_t;

typedef struct {
    conn_track_t *conns;
    guint32 len;
    guint64 at_us;               /* 0: end of capture; else capture start + at */
    gboolean have_at;
    guint32 rows;
} tracker_t;

static tracker_t sum_tracker, conn_tracker;

static conn_track_t *track(tracker_t *t, guint32 conn)
{
    if (conn >= t->len) {
        guint32 n = t->len ? t->len : 256;
        while (n <= conn)
            n *= 2;
        t->conns = g_renew(conn_track_t, t->conns, n);
        memset(t->conns + t->len, 0, (n - t->len) * sizeof *t->conns);
        t->len = n;
    }
    return &t->conns[conn];
}

static void tracker_reset(tracker_t *t)
{
    g_free(t->conns);
    t->conns = NULL;
    t->len = 0;
    t->rows = 0;
}

/* "at=SECONDS," before the filter: parsed here, the rest is the filter. */
static void parse_at(tracker_t *t, const char *opt_arg, const char **filter, char **err)
{
    const char *f = *filter;
    char *end;
    double secs;

    t->have_at = FALSE;
    t->at_us = 0;
    if (!f || strncmp(f, "at=", 3) != 0)
        return;
    secs = g_ascii_strtod(f + 3, &end);
    if (end == f + 3 || secs < 0 || (*end != '\0' && *end != ',')) {
        *err = g_strdup_printf("tcpstate: bad at= value in \"%s\" (want seconds since the first packet)", opt_arg);
        return;
    }
    t->have_at = TRUE;
    t->at_us = (guint64)(secs * 1e6 + 0.5);
    *filter = *end == ',' ? end + 1 : NULL;
}

/* Is this segment past the at= moment?  Then it does not count. */
static gboolean after_at(tracker_t *t, packet_info *pinfo)
{
    guint64 rel_us = (guint64)pinfo->rel_ts.secs * 1000000u + (guint64)(pinfo->rel_ts.nsecs / 1000);

    return t->have_at && rel_us > t->at_us;
}

/* The state of `side` after the segment, as netstat would show it at the
 * at= moment: a TIME_WAIT that the moment outlived is gone, CLOSED. */
static guint8 state_at(const tracker_t *t, packet_info *pinfo, const tcpstate_tap_info_t *info,
                       enum tcps_side side)
{
    guint8 state = (guint8)tcps_result_state(&info->result, side);
    guint64 rel_us = (guint64)pinfo->rel_ts.secs * 1000000u + (guint64)(pinfo->rel_ts.nsecs / 1000);
    guint64 start_us = info->time_us - rel_us;

    if (state == TCPS_TIME_WAIT && t->have_at && info->time_wait_since_us &&
        info->time_wait_since_us + 2ull * info->msl_s * 1000000u <= start_us + t->at_us)
        return TCPS_CLOSED;
    return state;
}

/* ------------------------------------------------------------------------ */
/* tcpstate,sum                                                               */

enum { SUM_NAME, SUM_TOTAL, SUM_CLIENT, SUM_SERVER };
#define SUM_TABLE_STATES "Endpoint states"
#define SUM_TABLE_CODES "Zeek conn_state"

static stat_tap_table_item sum_fields[] = {
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "State", "%-12s" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Endpoints", "%9u" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Client side", "%11u" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Server side", "%11u" },
};

static void add_count(stat_tap_table *table, guint row, guint field, int delta)
{
    stat_tap_table_item_type *item = stat_tap_get_field_data(table, row, field);
    item->value.uint_value = (guint)((int)item->value.uint_value + delta);
    stat_tap_set_field_data(table, row, field, item);
}

/* Count one connection's ends and conn_state in (delta 1) or out (-1); 0 = nothing. */
static void count_conn(stat_tap_table *states, stat_tap_table *codes, guint8 client, guint8 server, guint8 code,
                       int delta)
{
    if (client) {
        add_count(states, client - 1, SUM_CLIENT, delta);
        add_count(states, client - 1, SUM_TOTAL, delta);
    }
    if (server) {
        add_count(states, server - 1, SUM_SERVER, delta);
        add_count(states, server - 1, SUM_TOTAL, delta);
    }
    if (code)
        add_count(codes, code - 1, SUM_TOTAL, delta);
}

static void sum_init(stat_tap_table_ui *ui)
{
    stat_tap_table *states, *codes;
    stat_tap_table_item_type items[G_N_ELEMENTS(sum_fields)];

    tracker_reset(&sum_tracker);
    if ((states = stat_tap_find_table(ui, SUM_TABLE_STATES)) == NULL) {
        states = stat_tap_init_table(SUM_TABLE_STATES, G_N_ELEMENTS(sum_fields), 0, NULL);
        stat_tap_add_table(ui, states);
        memset(items, 0, sizeof items);
        items[SUM_NAME].type = TABLE_ITEM_STRING;
        items[SUM_TOTAL].type = items[SUM_CLIENT].type = items[SUM_SERVER].type = TABLE_ITEM_UINT;
        for (guint s = TCPS_CLOSED; s < TCPS_STATE_COUNT; s++) {
            items[SUM_NAME].value.string_value = tcpstate_state_name(s);
            stat_tap_init_table_row(states, s - 1, G_N_ELEMENTS(sum_fields), items);
        }
    }
    if ((codes = stat_tap_find_table(ui, SUM_TABLE_CODES)) == NULL) {
        codes = stat_tap_init_table(SUM_TABLE_CODES, G_N_ELEMENTS(sum_fields), 0, NULL);
        stat_tap_add_table(ui, codes);
        memset(items, 0, sizeof items);
        items[SUM_NAME].type = TABLE_ITEM_STRING;
        items[SUM_TOTAL].type = TABLE_ITEM_UINT; /* connections; no sides */
        for (guint c = ZK_CS_S0; c < ZK_CS_COUNT; c++) {
            items[SUM_NAME].value.string_value = tcpstate_conn_state_name(c);
            stat_tap_init_table_row(codes, c - 1, G_N_ELEMENTS(sum_fields), items);
        }
    }
}

static tap_packet_status sum_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
                                    tap_flags_t flags _U_)
{
    stat_data_t *sd = (stat_data_t *)tapdata;
    const tcpstate_tap_info_t *info = (const tcpstate_tap_info_t *)data;
    stat_tap_table *states = g_array_index(sd->stat_tap_data->tables, stat_tap_table *, 0);
    stat_tap_table *codes = g_array_index(sd->stat_tap_data->tables, stat_tap_table *, 1);
    conn_track_t *ct;
    guint8 client, server;

    if (after_at(&sum_tracker, pinfo))
        return TAP_PACKET_DONT_REDRAW;
    ct = track(&sum_tracker, info->conn);
    client = state_at(&sum_tracker, pinfo, info, TCPS_CLIENT);
    server = state_at(&sum_tracker, pinfo, info, TCPS_SERVER);
    if (ct->seen && ct->client == client && ct->server == server && ct->code == info->conn_state)
        return TAP_PACKET_DONT_REDRAW;
    if (ct->seen)
        count_conn(states, codes, ct->client, ct->server, ct->code, -1);
    ct->seen = 1;
    ct->client = client;
    ct->server = server;
    ct->code = info->conn_state;
    count_conn(states, codes, ct->client, ct->server, ct->code, 1);
    return TAP_PACKET_REDRAW;
}

static void sum_reset(stat_tap_table *table)
{
    tracker_reset(&sum_tracker);
    for (guint r = 0; r < table->num_elements; r++)
        for (guint f = SUM_TOTAL; f <= SUM_SERVER; f++) {
            stat_tap_table_item_type *item = stat_tap_get_field_data(table, r, f);
            item->value.uint_value = 0;
        }
}

static void sum_filter_check(const char *opt_arg, const char **filter, char **err)
{
    parse_at(&sum_tracker, opt_arg, filter, err);
}

/* ------------------------------------------------------------------------ */
/* tcpstate,conn                                                              */

enum { C_STREAM, C_CLIENT, C_SERVER, C_CSTATE, C_SSTATE, C_CODE, C_HISTORY, C_START, C_DURATION,
       C_BYTES_C, C_BYTES_S, C_NFIELDS };
#define CONN_TABLE "Connections"

static stat_tap_table_item conn_fields[] = {
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Stream", "%6u" },
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Client", "%-21s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Server", "%-21s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Client state", "%-11s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Server state", "%-11s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "conn_state", "%-6s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "History", "%-12s" },
    { TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Start", "%12.6f" },
    { TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Duration", "%12.6f" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Bytes client->server", "%10u" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Bytes server->client", "%10u" },
};

static void conn_init(stat_tap_table_ui *ui)
{
    tracker_reset(&conn_tracker);
    if (stat_tap_find_table(ui, CONN_TABLE) == NULL)
        stat_tap_add_table(ui, stat_tap_init_table(CONN_TABLE, C_NFIELDS, 0, NULL));
}

static char *endpoint_string(const address *addr, guint16 port)
{
    char *a = address_to_str(NULL, addr);
    char *s = addr->type == AT_IPv6 ? g_strdup_printf("[%s]:%u", a, port) : g_strdup_printf("%s:%u", a, port);
    wmem_free(NULL, a);
    return s;
}

static void set_string(stat_tap_table *table, guint row, guint field, const char *value)
{
    stat_tap_table_item_type *item = stat_tap_get_field_data(table, row, field);
    if (item->value.string_value && g_strcmp0(item->value.string_value, value) == 0)
        return;
    g_free((char *)item->value.string_value);
    item->value.string_value = g_strdup(value ? value : "");
}

static tap_packet_status conn_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
                                     tap_flags_t flags _U_)
{
    stat_data_t *sd = (stat_data_t *)tapdata;
    const tcpstate_tap_info_t *info = (const tcpstate_tap_info_t *)data;
    stat_tap_table *table = g_array_index(sd->stat_tap_data->tables, stat_tap_table *, 0);
    conn_track_t *ct;
    guint row;
    stat_tap_table_item_type *item;

    if (after_at(&conn_tracker, pinfo))
        return TAP_PACKET_DONT_REDRAW;
    ct = track(&conn_tracker, info->conn);
    if (!ct->row) {
        stat_tap_table_item_type items[C_NFIELDS];
        memset(items, 0, sizeof items);
        for (guint f = 0; f < C_NFIELDS; f++)
            items[f].type = conn_fields[f].type;
        items[C_STREAM].value.uint_value = info->stream;
        items[C_CLIENT].value.string_value = endpoint_string(info->client_addr, info->client_port);
        items[C_SERVER].value.string_value = endpoint_string(info->server_addr, info->server_port);
        items[C_START].value.float_value = nstime_to_sec(&pinfo->rel_ts);
        ct->first_us = info->time_us;
        ct->row = ++conn_tracker.rows;
        stat_tap_init_table_row(table, ct->row - 1, C_NFIELDS, items);
    }
    row = ct->row - 1;
    set_string(table, row, C_CSTATE, tcpstate_state_name(state_at(&conn_tracker, pinfo, info, TCPS_CLIENT)));
    set_string(table, row, C_SSTATE, tcpstate_state_name(state_at(&conn_tracker, pinfo, info, TCPS_SERVER)));
    set_string(table, row, C_CODE, tcpstate_conn_state_name(info->conn_state));
    set_string(table, row, C_HISTORY, *info->history ? info->history : "-");
    item = stat_tap_get_field_data(table, row, C_DURATION);
    item->value.float_value = (double)(info->time_us - ct->first_us) / 1e6;
    stat_tap_get_field_data(table, row, C_BYTES_C)->value.uint_value = info->bytes_client;
    stat_tap_get_field_data(table, row, C_BYTES_S)->value.uint_value = info->bytes_server;
    return TAP_PACKET_REDRAW;
}

static void conn_reset(stat_tap_table *table)
{
    tracker_reset(&conn_tracker);
    for (guint r = 0; r < table->num_elements; r++)
        for (guint f = 0; f < C_NFIELDS; f++)
            if (conn_fields[f].type == TABLE_ITEM_STRING) {
                stat_tap_table_item_type *item = stat_tap_get_field_data(table, r, f);
                g_free((char *)item->value.string_value);
                item->value.string_value = NULL;
            }
    table->num_elements = 0;
}

static void conn_free_item(stat_tap_table *table _U_, guint row _U_, guint column, stat_tap_table_item_type *field)
{
    if (conn_fields[column].type == TABLE_ITEM_STRING) {
        g_free((char *)field->value.string_value);
        field->value.string_value = NULL;
    }
}

static void conn_filter_check(const char *opt_arg, const char **filter, char **err)
{
    parse_at(&conn_tracker, opt_arg, filter, err);
}

/* ------------------------------------------------------------------------ */

/* tshark never resets its tables: free what the trackers hold when the file
 * (or the program) is done. */
static void stats_cleanup(void)
{
    tracker_reset(&sum_tracker);
    tracker_reset(&conn_tracker);
}

void register_tcpstate_stats(void)
{
    static tap_param params[] = { { PARAM_FILTER, "filter", "Filter", NULL, TRUE } };
    static stat_tap_table_ui sum_ui = {
        REGISTER_STAT_GROUP_GENERIC, "TCP State/Endpoint states", "tcpstate", "tcpstate,sum",
        sum_init, sum_packet, sum_reset, NULL, sum_filter_check,
        G_N_ELEMENTS(sum_fields), sum_fields, G_N_ELEMENTS(params), params, NULL, 0
    };
    static stat_tap_table_ui conn_ui = {
        REGISTER_STAT_GROUP_GENERIC, "TCP State/Connections", "tcpstate", "tcpstate,conn",
        conn_init, conn_packet, conn_reset, conn_free_item, conn_filter_check,
        G_N_ELEMENTS(conn_fields), conn_fields, G_N_ELEMENTS(params), params, NULL, 0
    };

    register_stat_tap_table_ui(&sum_ui);
    register_stat_tap_table_ui(&conn_ui);
    register_cleanup_routine(stats_cleanup);
}
