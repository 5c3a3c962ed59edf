/* gencap.c - writes a pcap of realistic, interleaved TCP connections for the
 * benchmark (tests/bench/bench.py), fast: a million packets in about a second.
 *
 *   gencap OUT.pcap [-c CONNECTIONS] [-k CONCURRENT] [-p EXCHANGES] [-g GAP_US] [-s SEED]
 *
 * CONNECTIONS connections (default 10000) are opened over time with at most
 * CONCURRENT (default 1000) alive at once; the next packet always comes from
 * a connection picked at random among the live ones, so their packets
 * interleave as on a busy link, GAP_US (default 20) microseconds apart on
 * average.  Each connection does about EXCHANGES
 * (default 8, varied 1..2*EXCHANGES) request/response exchanges.  The mix:
 *   70 %  handshake, exchanges, client closes first (FIN, ACK, FIN, ACK)
 *   10 %  handshake, exchanges, server closes first
 *    6 %  handshake, exchanges, then an RST from either side
 *    4 %  refused: SYN answered by RST
 *    5 %  no handshake captured: the capture meets it mid-connection
 *    5 %  handshake and a 3-segment close (FIN+ACK on the ACK of the FIN)
 * and 2 % of data segments are sent twice (a retransmission).
 * Ethernet / IPv4 / TCP with correct IP and TCP checksums; clients
 * 10.x.y.z with ephemeral ports, servers 192.168.x.y on 80, 443, 22, 25.
 * Deterministic for a given seed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };
enum kind { K_CLIENT_CLOSE, K_SERVER_CLOSE, K_RESET, K_REFUSED, K_MIDSTREAM, K_THREE_SEG, K_COUNT };

struct close_step {
    uint8_t from_server, flags;
};

/* A connection is a small program: step by step it emits its next packet. */
struct conn {
    uint32_t caddr, saddr;
    uint16_t cport, sport;
    uint32_t cseq, sseq;        /* next sequence number each side sends */
    uint16_t step, exchanges;
    uint8_t kind;
    uint8_t rst_by_server;
    uint8_t resend;             /* the last data segment is sent again next */
    uint16_t last_len;
    uint8_t last_from_server;
};

static uint64_t rng_state;
static uint32_t rnd(void)
{
    /* xorshift64*: fast, good enough, reproducible */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static FILE *out;
static uint64_t now_us = 1700000000ull * 1000000ull;
static uint64_t packets;
static uint8_t payload_bytes[1500];

static void put32le(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static void put16be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32be(uint8_t *p, uint32_t v) { put16be(p, (uint16_t)(v >> 16)); put16be(p + 2, (uint16_t)v); }

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (; n > 1; p += 2, n -= 2)
        s += (uint32_t)(p[0] << 8 | p[1]);
    if (n)
        s += (uint32_t)(p[0] << 8);
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* One frame: Ethernet, IPv4 (20), TCP (20, or 24 with MSS on SYNs), payload. */
static void emit(const struct conn *c, int from_server, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len)
{
    static uint8_t frame[14 + 20 + 24 + 1500];
    static uint16_t ip_id;
    uint8_t *ip = frame + 14, *tcp = ip + 20;
    uint16_t thl = (flags & F_SYN) ? 24 : 20;
    uint16_t total = (uint16_t)(20 + thl + len);
    uint32_t src = from_server ? c->saddr : c->caddr, dst = from_server ? c->caddr : c->saddr;
    uint8_t rec[16];

    memset(frame, 0, 14 + 20 + thl);
    memcpy(frame, from_server ? "\x02\x00\x00\x00\x00\x01" : "\x02\x00\x00\x00\x00\x02", 6);
    memcpy(frame + 6, from_server ? "\x02\x00\x00\x00\x00\x02" : "\x02\x00\x00\x00\x00\x01", 6);
    frame[12] = 0x08;
    ip[0] = 0x45;
    put16be(ip + 2, total);
    put16be(ip + 4, ++ip_id);
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 6;
    put32be(ip + 12, src);
    put32be(ip + 16, dst);
    put16be(ip + 10, fold(sum16(ip, 20, 0)));
    put16be(tcp, from_server ? c->sport : c->cport);
    put16be(tcp + 2, from_server ? c->cport : c->sport);
    put32be(tcp + 4, seq);
    put32be(tcp + 8, (flags & F_ACK) ? ack : 0);
    tcp[12] = (uint8_t)((thl / 4) << 4);
    tcp[13] = flags;
    put16be(tcp + 14, (flags & F_RST) ? 0 : 64240);
    if (flags & F_SYN) {
        tcp[20] = 2; tcp[21] = 4; put16be(tcp + 22, 1460);
    }
    memcpy(tcp + thl, payload_bytes, len);
    {
        uint32_t s = sum16(ip + 12, 8, 0) + 6 + (uint32_t)(thl + len);
        put16be(tcp + 16, fold(sum16(tcp, (size_t)thl + len, s)));
    }
    put32le(rec, (uint32_t)(now_us / 1000000));
    put32le(rec + 4, (uint32_t)(now_us % 1000000));
    put32le(rec + 8, (uint32_t)(14 + total));
    put32le(rec + 12, (uint32_t)(14 + total));
    fwrite(rec, 1, 16, out);
    fwrite(frame, 1, 14u + total, out);
    packets++;
}

static uint16_t exchanges_param = 8;
static uint32_t gap_us = 20;

static void start(struct conn *c, uint32_t n)
{
    uint32_t r = rnd() % 100;
    static const uint16_t ports[] = { 80, 443, 443, 22, 25, 8080 };

    memset(c, 0, sizeof *c);
    /* 4-tuples never repeat: the connection number picks the client address
     * and port (28 k ports per address). */
    c->caddr = 0x0a000000u | (n / 28000 + 1);
    c->cport = (uint16_t)(32768 + n % 28000);
    c->saddr = 0xc0a80000u | (rnd() % 200 + 1);
    c->sport = ports[rnd() % 6];
    c->cseq = rnd();
    c->sseq = rnd();
    c->kind = r < 70 ? K_CLIENT_CLOSE : r < 80 ? K_SERVER_CLOSE : r < 86 ? K_RESET : r < 90 ? K_REFUSED
            : r < 95 ? K_MIDSTREAM : K_THREE_SEG;
    c->rst_by_server = rnd() & 1;
    c->exchanges = (uint16_t)(1 + rnd() % (2u * exchanges_param));
}

/* A data segment (request or response); it may be sent again next. */
static void send_data(struct conn *c, int from_server, uint16_t len)
{
    uint32_t *own = from_server ? &c->sseq : &c->cseq;

    emit(c, from_server, F_ACK | F_PSH, *own, from_server ? c->cseq : c->sseq, len);
    *own += len;
    c->last_len = len;
    c->last_from_server = (uint8_t)from_server;
}

/* Emit the connection's next packet; return 0 when it has finished. */
static int step(struct conn *c)
{
    uint16_t s = c->step++;
    uint16_t phase_data = 3, data_steps = (uint16_t)(c->exchanges * 4);

    if (c->resend) {
        /* the same data segment again: a retransmission */
        c->resend = 0;
        if (c->last_from_server)
            emit(c, 1, F_ACK | F_PSH, c->sseq - c->last_len, c->cseq, c->last_len);
        else
            emit(c, 0, F_ACK | F_PSH, c->cseq - c->last_len, c->sseq, c->last_len);
        c->step--;
        return 1;
    }
    if (c->kind == K_MIDSTREAM && s == 0)
        c->step = s = phase_data; /* first packet seen is data */
    if (s == 0) {
        emit(c, 0, F_SYN, c->cseq++, 0, 0);
        return 1;
    }
    if (s == 1) {
        if (c->kind == K_REFUSED) {
            emit(c, 1, F_RST | F_ACK, 0, c->cseq, 0);
            return 0;
        }
        emit(c, 1, F_SYN | F_ACK, c->sseq++, c->cseq, 0);
        return 1;
    }
    if (s == 2) {
        emit(c, 0, F_ACK, c->cseq, c->sseq, 0);
        return 1;
    }
    if (s < phase_data + data_steps) {
        /* request, its ACK, response, its ACK */
        switch ((s - phase_data) % 4) {
        case 0:
            send_data(c, 0, (uint16_t)(40 + rnd() % 400));
            break;
        case 1:
            emit(c, 1, F_ACK, c->sseq, c->cseq, 0);
            return 1;
        case 2:
            send_data(c, 1, (uint16_t)(100 + rnd() % 1360));
            break;
        default:
            emit(c, 0, F_ACK, c->cseq, c->sseq, 0);
            return 1;
        }
        if (rnd() % 100 < 2)
            c->resend = 1;
        return 1;
    }
    s = (uint16_t)(s - phase_data - data_steps);
    if (c->kind == K_RESET) {
        if (c->rst_by_server)
            emit(c, 1, F_RST | F_ACK, c->sseq, c->cseq, 0);
        else
            emit(c, 0, F_RST | F_ACK, c->cseq, c->sseq, 0);
        return 0;
    }
    {
        /* The closes, step by step: who sends (1: the server), with which flags. */
        static const struct close_step client_close[] = {
            { 0, F_FIN | F_ACK }, { 1, F_ACK }, { 1, F_FIN | F_ACK }, { 0, F_ACK } };
        static const struct close_step server_close[] = {
            { 1, F_FIN | F_ACK }, { 0, F_ACK }, { 0, F_FIN | F_ACK }, { 1, F_ACK } };
        static const struct close_step three_segment[] = { { 0, F_FIN | F_ACK }, { 1, F_FIN | F_ACK }, { 0, F_ACK } };
        const struct close_step *close = client_close; /* mid-stream connections close the same way */
        uint16_t steps = 4;
        uint32_t *own;

        if (c->kind == K_SERVER_CLOSE)
            close = server_close;
        else if (c->kind == K_THREE_SEG)
            close = three_segment, steps = 3;
        own = close[s].from_server ? &c->sseq : &c->cseq;
        emit(c, close[s].from_server, close[s].flags, *own, close[s].from_server ? c->cseq : c->sseq, 0);
        if (close[s].flags & F_FIN)
            ++*own;
        return s + 1 < steps;
    }
}

static void usage(void)
{
    fputs("usage: gencap OUT.pcap [-c CONNECTIONS] [-k CONCURRENT] [-p EXCHANGES] [-g GAP_US] [-s SEED]\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    uint32_t connections = 10000, concurrent = 1000, opened = 0, live = 0;
    uint64_t seed = 1;
    struct conn *pool;
    int opt;
    static char buf[1 << 20];
    uint8_t hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0xff, 0xff, 0, 0, 1, 0, 0, 0 }; /* LE, v2.4, snaplen 65535, Ethernet */

    if (argc < 2 || argv[1][0] == '-')
        usage();
    optind = 2;
    while ((opt = getopt(argc, argv, "c:k:p:g:s:")) != -1) {
        switch (opt) {
        case 'c': connections = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'k': concurrent = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'p': exchanges_param = (uint16_t)strtoul(optarg, NULL, 10); break;
        case 'g': gap_us = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        default: usage();
        }
    }
    if (!connections || !concurrent || !exchanges_param || !gap_us || connections > 28000u * 250u)
        usage();
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (size_t i = 0; i < sizeof payload_bytes; i++)
        payload_bytes[i] = (uint8_t)("GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n"[i % 44]);
    out = fopen(argv[1], "wb");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    setvbuf(out, buf, _IOFBF, sizeof buf);
    fwrite(hdr, 1, sizeof hdr, out);
    pool = calloc(concurrent, sizeof *pool);
    if (!pool)
        return 1;
    for (;;) {
        uint32_t i;
        /* Keep the pool full while connections remain to be opened. */
        while (live < concurrent && opened < connections) {
            start(&pool[live], opened++);
            live++;
        }
        if (!live)
            break;
        i = rnd() % live;
        now_us += 1 + rnd() % (2 * gap_us); /* 20 us: 50 k packets per second */
        if (!step(&pool[i]))
            pool[i] = pool[--live];
    }
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 1;
    }
    fprintf(stderr, "%s: %llu packets, %u connections\n", argv[1], (unsigned long long)packets, connections);
    free(pool);
    return 0;
}
