/* tcpstate_flow.c - the text of one arrow of the "TCP State Flows" graph.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdarg.h>
#include <stdio.h>

#include "tcpstate_flow.h"

/* Append to a string of `size` bytes, truncating (never overflowing). */
static void append(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = 0;
    va_list ap;

    while (used < size && buf[used])
        used++;
    if (used + 1 >= size)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

void tcps_flow_label(char *buf, size_t size, uint16_t flags, uint32_t payload)
{
    /* packet-tcp.c's order: bit i of the flags is names[i]. */
    static const char *const names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE" };

    if (!size)
        return;
    buf[0] = '\0';
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (flags & (1u << i))
            append(buf, size, "%s%s", buf[0] ? ", " : "", names[i]);
    if (!buf[0])
        append(buf, size, "<None>");
    if (payload)
        append(buf, size, " - Len: %u", payload);
}

static void append_side(char *buf, size_t size, const struct tcps_result *r, enum tcps_side side)
{
    enum tcps_state before = tcps_result_prev(r, side), after = tcps_result_state(r, side);

    if (before != after && before != TCPS_NONE)
        append(buf, size, "%s %s -> %s", tcps_side_name(side), tcps_state_name(before), tcps_state_name(after));
    else
        append(buf, size, "%s %s", tcps_side_name(side), tcps_state_name(after));
}

void tcps_flow_comment(char *buf, size_t size, const struct tcps_result *r)
{
    const char *hs = tcps_handshake_name((enum tcps_handshake)r->handshake);
    const char *td = tcps_teardown_name((enum tcps_teardown)r->teardown);
    const char *markers[3];
    unsigned n = 0;

    if (!size)
        return;
    buf[0] = '\0';
    append_side(buf, size, r, TCPS_CLIENT);
    append(buf, size, " \xc2\xb7 ");
    append_side(buf, size, r, TCPS_SERVER);
    if (hs)
        append(buf, size, " \xc2\xb7 %s", hs);
    if (td)
        append(buf, size, " \xc2\xb7 %s", td);

    if (r->notes & TCPS_NOTE_INFERRED)
        markers[n++] = "inferred";
    if (r->order & TCPS_ORDER_GAP)
        markers[n++] = "after a gap";
    if (r->notes & TCPS_NOTE_CLOSED_PEER)
        markers[n++] = "closed peer";
    for (unsigned i = 0; i < n; i++)
        append(buf, size, "%s%s%s", i ? ", " : " [", markers[i], i + 1 == n ? "]" : "");
}
