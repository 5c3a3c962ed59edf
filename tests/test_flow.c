/* test_flow.c - the text of the "TCP State Flows" arrows (no Wireshark):
 * every expected string is written out here, from the states RFC 9293 gives
 * for the segment, not taken from the code's output.
 */
#include "tcpstate_flow.h"

#include <stdio.h>
#include <string.h>

static int failures, checks;

static void expect(const char *what, const char *got, const char *want)
{
    checks++;
    if (strcmp(got, want) != 0) {
        failures++;
        printf("  FAIL %s:\n    got      '%s'\n    expected '%s'\n", what, got, want);
    }
}

static uint8_t pack(enum tcps_state client, enum tcps_state server)
{
    return (uint8_t)(client << 4 | server);
}

static void labels(void)
{
    char b[TCPS_FLOW_LABEL_SIZE];

    tcps_flow_label(b, sizeof b, TCPS_SYN, 0);
    expect("SYN", b, "SYN");
    tcps_flow_label(b, sizeof b, TCPS_SYN | TCPS_ACK, 0);
    expect("SYN-ACK in packet-tcp.c's order", b, "SYN, ACK");
    tcps_flow_label(b, sizeof b, TCPS_FIN | TCPS_PSH | TCPS_ACK, 5);
    expect("FIN with data", b, "FIN, PSH, ACK - Len: 5");
    tcps_flow_label(b, sizeof b, TCPS_ACK | TCPS_FLAG_AE, 0);
    expect("AE after the byte-13 flags", b, "ACK, AE");
    tcps_flow_label(b, sizeof b, 0, 0);
    expect("no flag", b, "<None>");
    tcps_flow_label(b, sizeof b, 0x1ff, 4294967295u);
    expect("every flag, the longest length", b, "FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE - Len: 4294967295");
    tcps_flow_label(b, 8, TCPS_SYN | TCPS_ACK, 77);
    expect("cut to the buffer, terminated", b, "SYN, AC");
}

#define DOT " \xc2\xb7 "

/* One segment's result and the comment it must get. */
struct comment_case {
    const char *what;
    enum tcps_state client_before, server_before, client, server; /* before: TCPS_NONE = not seen */
    enum tcps_handshake hs;
    enum tcps_teardown td;
    uint16_t notes;
    uint8_t order;
    const char *want;
};

static const struct comment_case cases[] = {
    { "the opening SYN", TCPS_CLOSED, TCPS_LISTEN, TCPS_SYN_SENT, TCPS_SYN_RCVD, TCPS_HS_SYN, TCPS_TD_NONE, 0, 0,
      "client CLOSED -> SYN_SENT" DOT "server LISTEN -> SYN_RCVD" DOT "SYN (1/3)" },
    { "only the client moves", TCPS_SYN_SENT, TCPS_SYN_RCVD, TCPS_ESTABLISHED, TCPS_SYN_RCVD, TCPS_HS_SYNACK,
      TCPS_TD_NONE, 0, 0, "client SYN_SENT -> ESTABLISHED" DOT "server SYN_RCVD" DOT "SYN-ACK (2/3)" },
    { "nothing changes: short", TCPS_ESTABLISHED, TCPS_ESTABLISHED, TCPS_ESTABLISHED, TCPS_ESTABLISHED,
      TCPS_HS_NONE, TCPS_TD_NONE, 0, 0, "client ESTABLISHED" DOT "server ESTABLISHED" },
    { "3-segment close", TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT, TCPS_TIME_WAIT, TCPS_LAST_ACK, TCPS_HS_NONE,
      TCPS_TD_FIN_PIGGYBACK, 0, 0,
      "client FIN_WAIT_1 -> TIME_WAIT" DOT "server CLOSE_WAIT -> LAST_ACK" DOT
      "FIN+ACK (2nd FIN on the ACK of the 1st: 3-segment close)" },
    { "picked up mid-stream: no before", TCPS_NONE, TCPS_NONE, TCPS_ESTABLISHED, TCPS_ESTABLISHED, TCPS_HS_NONE,
      TCPS_TD_NONE, TCPS_NOTE_INFERRED, 0, "client ESTABLISHED" DOT "server ESTABLISHED [inferred]" },
    { "every marker, in order; other notes are not markers", TCPS_CLOSED, TCPS_ESTABLISHED, TCPS_CLOSED,
      TCPS_CLOSED, TCPS_HS_NONE, TCPS_TD_RST_ABORT,
      TCPS_NOTE_INFERRED | TCPS_NOTE_CLOSED_PEER | TCPS_NOTE_RETRANSMISSION, TCPS_ORDER_GAP,
      "client CLOSED" DOT "server ESTABLISHED -> CLOSED" DOT "RST (connection aborted) "
      "[inferred, after a gap, closed peer]" },
    { "out of order is no doubt about the state", TCPS_ESTABLISHED, TCPS_ESTABLISHED, TCPS_ESTABLISHED,
      TCPS_ESTABLISHED, TCPS_HS_NONE, TCPS_TD_NONE, TCPS_NOTE_ACK | TCPS_NOTE_ISN_CLIENT, TCPS_ORDER_OUT_OF_ORDER,
      "client ESTABLISHED" DOT "server ESTABLISHED" },
};

static struct tcps_result result_of(const struct comment_case *c)
{
    struct tcps_result r;

    memset(&r, 0, sizeof r);
    r.prev = pack(c->client_before, c->server_before);
    r.states = pack(c->client, c->server);
    r.handshake = c->hs;
    r.teardown = c->td;
    r.notes = c->notes;
    r.order = c->order;
    return r;
}

static void comments(void)
{
    /* The longest comment there can be: both ends move, both roles, every marker. */
    static const struct comment_case longest = {
        "longest", TCPS_ESTABLISHED, TCPS_ESTABLISHED, TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT, TCPS_HS_SYNACK_RETRANS,
        TCPS_TD_FIN_PIGGYBACK, TCPS_NOTE_INFERRED | TCPS_NOTE_CLOSED_PEER, TCPS_ORDER_GAP, NULL
    };
    char b[TCPS_FLOW_COMMENT_SIZE];
    struct tcps_result r;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r = result_of(&cases[i]);
        tcps_flow_comment(b, sizeof b, &r);
        expect(cases[i].what, b, cases[i].want);
    }
    r = result_of(&longest);
    tcps_flow_comment(b, sizeof b, &r);
    checks++;
    if (strlen(b) + 1 >= sizeof b || b[strlen(b) - 1] != ']') {
        failures++;
        printf("  FAIL the longest comment does not fit: '%s'\n", b);
    }
    tcps_flow_comment(b, 12, &r);
    expect("cut to the buffer, terminated", b, "client ESTA");
}

int main(void)
{
    labels();
    comments();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
