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

static void comments(void)
{
    char b[TCPS_FLOW_COMMENT_SIZE];
    struct tcps_result r;

    memset(&r, 0, sizeof r);
    r.prev = pack(TCPS_CLOSED, TCPS_LISTEN);
    r.states = pack(TCPS_SYN_SENT, TCPS_SYN_RCVD);
    r.handshake = TCPS_HS_SYN;
    tcps_flow_comment(b, sizeof b, &r);
    expect("the opening SYN", b, "client CLOSED -> SYN_SENT \xc2\xb7 server LISTEN -> SYN_RCVD \xc2\xb7 SYN (1/3)");

    memset(&r, 0, sizeof r);
    r.prev = pack(TCPS_SYN_SENT, TCPS_SYN_RCVD);
    r.states = pack(TCPS_ESTABLISHED, TCPS_SYN_RCVD);
    r.handshake = TCPS_HS_SYNACK;
    r.sender = TCPS_SERVER;
    tcps_flow_comment(b, sizeof b, &r);
    expect("only the client moves", b, "client SYN_SENT -> ESTABLISHED \xc2\xb7 server SYN_RCVD \xc2\xb7 SYN-ACK (2/3)");

    memset(&r, 0, sizeof r);
    r.prev = r.states = pack(TCPS_ESTABLISHED, TCPS_ESTABLISHED);
    tcps_flow_comment(b, sizeof b, &r);
    expect("nothing changes: short", b, "client ESTABLISHED \xc2\xb7 server ESTABLISHED");

    memset(&r, 0, sizeof r);
    r.prev = pack(TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT);
    r.states = pack(TCPS_TIME_WAIT, TCPS_LAST_ACK);
    r.teardown = TCPS_TD_FIN_PIGGYBACK;
    tcps_flow_comment(b, sizeof b, &r);
    expect("3-segment close", b, "client FIN_WAIT_1 -> TIME_WAIT \xc2\xb7 server CLOSE_WAIT -> LAST_ACK \xc2\xb7 "
           "FIN+ACK (2nd FIN on the ACK of the 1st: 3-segment close)");

    memset(&r, 0, sizeof r);
    r.states = pack(TCPS_ESTABLISHED, TCPS_ESTABLISHED); /* first segment seen mid-stream: no before */
    r.notes = TCPS_NOTE_INFERRED;
    tcps_flow_comment(b, sizeof b, &r);
    expect("picked up mid-stream", b, "client ESTABLISHED \xc2\xb7 server ESTABLISHED [inferred]");

    memset(&r, 0, sizeof r);
    r.prev = pack(TCPS_CLOSED, TCPS_ESTABLISHED);
    r.states = pack(TCPS_CLOSED, TCPS_CLOSED);
    r.teardown = TCPS_TD_RST_ABORT;
    r.notes = TCPS_NOTE_INFERRED | TCPS_NOTE_CLOSED_PEER | TCPS_NOTE_RETRANSMISSION;
    r.order = TCPS_ORDER_GAP;
    tcps_flow_comment(b, sizeof b, &r);
    expect("every marker, in order; other notes are not markers", b,
           "client CLOSED \xc2\xb7 server ESTABLISHED -> CLOSED \xc2\xb7 RST (connection aborted) "
           "[inferred, after a gap, closed peer]");

    memset(&r, 0, sizeof r);
    r.prev = pack(TCPS_ESTABLISHED, TCPS_ESTABLISHED);
    r.states = pack(TCPS_ESTABLISHED, TCPS_ESTABLISHED);
    r.order = TCPS_ORDER_OUT_OF_ORDER;
    r.notes = TCPS_NOTE_ACK | TCPS_NOTE_ISN_CLIENT;
    tcps_flow_comment(b, sizeof b, &r);
    expect("out of order is no doubt about the state", b, "client ESTABLISHED \xc2\xb7 server ESTABLISHED");

    /* The longest comment there can be fits, untruncated. */
    memset(&r, 0, sizeof r);
    r.prev = pack(TCPS_ESTABLISHED, TCPS_ESTABLISHED);
    r.states = pack(TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT);
    r.handshake = TCPS_HS_SYNACK_RETRANS;
    r.teardown = TCPS_TD_FIN_PIGGYBACK;
    r.notes = TCPS_NOTE_INFERRED | TCPS_NOTE_CLOSED_PEER;
    r.order = TCPS_ORDER_GAP;
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
