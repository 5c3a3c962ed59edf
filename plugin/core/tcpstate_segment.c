/* tcpstate_segment.c - see tcpstate_segment.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpstate_segment.h"

#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_WSCALE 3
#define WSCALE_MAX 14

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void tcps_read_ports(const uint8_t *hdr, size_t have, struct tcps_segment *seg)
{
    if (have < 4)
        return;
    seg->sport = get16(hdr);
    seg->dport = get16(hdr + 2);
}

int8_t tcps_window_scale(const uint8_t *hdr, size_t hlen, size_t have)
{
    size_t end = hlen < have ? hlen : have;

    for (size_t o = 20; o < end;) {
        uint8_t kind = hdr[o], olen;
        if (kind == OPT_EOL)
            break;
        if (kind == OPT_NOP) {
            o++;
            continue;
        }
        if (o + 1 >= end)
            break;
        olen = hdr[o + 1];
        if (olen < 2 || o + olen > end) /* a malformed or cut option ends the list */
            break;
        if (kind == OPT_WSCALE && olen == 3)
            return (int8_t)(hdr[o + 2] < WSCALE_MAX ? hdr[o + 2] : WSCALE_MAX);
        o += olen;
    }
    return -1;
}

bool tcps_read_segment(const uint8_t *hdr, size_t have, size_t reported, struct tcps_segment *seg,
                       uint8_t *captured)
{
    size_t hlen;

    if (have < 20)
        return false;
    hlen = (size_t)(hdr[12] >> 4) * 4;
    if (hlen < 20 || reported < hlen)
        return false;
    seg->len = (uint32_t)(reported - hlen);
    seg->seq = get32(hdr + 4);
    seg->ack = get32(hdr + 8);
    seg->flags = hdr[13];
    seg->win = get16(hdr + 14);
    seg->wscale = (seg->flags & TCPS_SYN) ? tcps_window_scale(hdr, hlen, have) : -1;
    *captured = (uint8_t)((have >= hlen ? TCPS_CAPTURED_HEADER : 0) |
                          (have >= hlen + seg->len ? TCPS_CAPTURED_PAYLOAD : 0));
    return true;
}
