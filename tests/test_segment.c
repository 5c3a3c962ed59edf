/* test_segment.c - unit tests of reading a segment from a TCP header's
 * bytes (tcpstate_segment.c): numbers, flags, lengths, what was captured,
 * and the window scale option among others, whole, cut or malformed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "tcpstate_segment.h"
#include "unit_check.h"

/* A header with data offset `hlen` and these option bytes after byte 20. */
static void header(uint8_t *h, size_t hlen, uint8_t flags, const uint8_t *opts, size_t n_opts)
{
    static const uint8_t fixed[20] = {
        0x9c, 0x40, 0x00, 0x50,             /* ports 40000 -> 80 */
        0x12, 0x34, 0x56, 0x78,             /* seq 0x12345678 */
        0x9a, 0xbc, 0xde, 0xf0,             /* ack 0x9abcdef0 */
        0x00, 0x00, 0xfa, 0xf0,             /* offset (set below), flags, window 64240 */
        0x00, 0x00, 0x00, 0x00,
    };
    memset(h, 0, TCPS_HEADER_MAX);
    memcpy(h, fixed, sizeof fixed);
    h[12] = (uint8_t)(hlen / 4 << 4);
    h[13] = flags;
    memcpy(h + 20, opts, n_opts);
}

/* Ports need only the first 4 bytes; with fewer, nothing is read. */
static void test_ports(void)
{
    uint8_t h[TCPS_HEADER_MAX];
    struct tcps_segment s;

    header(h, 20, TCPS_SYN, NULL, 0);
    memset(&s, 0, sizeof s);
    tcps_read_ports(h, 4, &s);
    CHECK_EQ(s.sport, 40000);
    CHECK_EQ(s.dport, 80);
    s.sport = s.dport = 7;
    tcps_read_ports(h, 3, &s);
    CHECK_EQ(s.sport, 7);
    CHECK_EQ(s.dport, 7);
}

static void test_fields(void)
{
    uint8_t h[TCPS_HEADER_MAX];
    struct tcps_segment s;
    uint8_t captured = 0xff;

    /* 20-byte header, 100 bytes reported, all 120 captured. */
    header(h, 20, TCPS_ACK | TCPS_PSH, NULL, 0);
    memset(&s, 0, sizeof s);
    CHECK(tcps_read_segment(h, 120, 120, &s, &captured));
    CHECK_EQ(s.seq, 0x12345678);
    CHECK_EQ(s.ack, 0x9abcdef0);
    CHECK_EQ(s.flags, TCPS_ACK | TCPS_PSH);
    CHECK_EQ(s.win, 64240);
    CHECK_EQ(s.len, 100);
    CHECK_EQ(s.wscale, -1);                              /* not a SYN */
    CHECK_EQ(captured, TCPS_CAPTURED_HEADER | TCPS_CAPTURED_PAYLOAD);
    /* Snap length 54 of a 14+20 frame: header whole, payload cut. */
    CHECK(tcps_read_segment(h, 20, 120, &s, &captured));
    CHECK_EQ(captured, TCPS_CAPTURED_HEADER);
    /* A 40-byte header of which 24 bytes were captured. */
    header(h, 40, TCPS_ACK, NULL, 0);
    CHECK(tcps_read_segment(h, 24, 40, &s, &captured));
    CHECK_EQ(s.len, 0);
    CHECK_EQ(captured, 0);
    /* What the state machine cannot take. */
    CHECK(!tcps_read_segment(h, 19, 40, &s, &captured));  /* fewer than 20 bytes */
    header(h, 16, TCPS_ACK, NULL, 0);
    CHECK(!tcps_read_segment(h, 40, 40, &s, &captured));  /* data offset 4 words */
    header(h, 60, TCPS_ACK, NULL, 0);
    CHECK(!tcps_read_segment(h, 40, 40, &s, &captured));  /* 60-byte header in 40 bytes */
}

static int wscale_of(size_t hlen, size_t have, const uint8_t *opts, size_t n)
{
    uint8_t h[TCPS_HEADER_MAX];
    struct tcps_segment s;
    uint8_t captured;

    header(h, hlen, TCPS_SYN, opts, n);
    memset(&s, 0, sizeof s);
    return tcps_read_segment(h, have, hlen, &s, &captured) ? s.wscale : -99;
}

static void test_window_scale(void)
{
    /* Linux's SYN: MSS, SACK permitted, timestamps, NOP, window scale 7. */
    static const uint8_t linux_syn[20] = { 2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 };
    static const uint8_t big[4] = { 3, 3, 15, 0 };            /* shift 15: taken as 14 */
    static const uint8_t after_eol[8] = { 0, 1, 3, 3, 5, 0, 0, 0 };
    static const uint8_t bad_len[8] = { 2, 1, 3, 3, 5, 0, 0, 0 }; /* option length 1: the list ends */
    static const uint8_t wrong_len[8] = { 3, 4, 5, 0, 3, 3, 6, 0 }; /* a 4-byte "wscale" is skipped */

    CHECK_EQ(wscale_of(40, 40, linux_syn, sizeof linux_syn), 7);
    CHECK_EQ(wscale_of(40, 39, linux_syn, sizeof linux_syn), -1); /* its last byte not captured */
    CHECK_EQ(wscale_of(24, 24, big, sizeof big), 14);
    CHECK_EQ(wscale_of(28, 28, after_eol, sizeof after_eol), -1);
    CHECK_EQ(wscale_of(28, 28, bad_len, sizeof bad_len), -1);
    CHECK_EQ(wscale_of(28, 28, wrong_len, sizeof wrong_len), 6);
    CHECK_EQ(wscale_of(20, 20, NULL, 0), -1);
}

int main(void)
{
    test_ports();
    test_fields();
    test_window_scale();
    return checks_done();
}
