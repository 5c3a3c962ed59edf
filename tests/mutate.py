#!/usr/bin/python3
"""Mutation check of the plain-C core: do the fast tests notice a wrong line?

    tests/mutate.py [--build DIR] [--only N,...] [--full]

Each mutant below changes one point of tcpstate_fsm.c or tcpstate_zeek.c (a
state swapped, a comparison flipped, a condition negated, a timer changed).
For each, the script builds the plugin and the unit tests from a copy of the
sources with that one change, runs the fast tests (the unit tests and the
per-capture tests: every field of every packet against the reviewed expected
outputs, the kernel's and the article's truth, the hostile captures) and
reports whether they failed ("killed") or passed ("survived").  The unit
tests run first, and a mutant they kill is not run through the per-capture
tests (each of those costs tshark runs: 41 mutants took 35 minutes that way);
--full runs every fast test on every mutant and lists every test that kills
it, as the README's table does.  A survivor
is a hole in the tests, unless the mutant is equivalent: then EQUIVALENT says
why.  Exit status 1 when a non-equivalent mutant survives or the unmutated
copy fails.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FSM = "plugin/core/tcpstate_fsm.c"
ZEEK = "plugin/core/tcpstate_zeek.c"
FAST_TESTS = "^(fsm_unit|zeek_unit|flow_unit|fields_.*|truth_.*|hostile|flow)$"
UNIT_TESTS = "^(fsm_unit|zeek_unit|flow_unit)$"

# (file, the exact text (it must occur once), its replacement, what the mutant does)
MUTANTS = [
    (FSM, "return state >= TCPS_ESTABLISHED;", "return state > TCPS_ESTABLISHED;",
     "ESTABLISHED no longer counts as synchronized"),
    (FSM, "        return seg->sport < 1024;", "        return seg->dport < 1024;",
     "inferred roles: the well-known port is taken as the client's"),
    (FSM, "if ((flags & TCPS_SYN) && (flags & (TCPS_FIN | TCPS_RST)))",
     "if ((flags & TCPS_SYN) || (flags & (TCPS_FIN | TCPS_RST)))", "every SYN, FIN or RST is invalid"),
    (FSM, "conn->state[TCPS_CLIENT] = conn->state[TCPS_SERVER] = TCPS_ESTABLISHED;",
     "conn->state[TCPS_CLIENT] = conn->state[TCPS_SERVER] = TCPS_SYN_RCVD;",
     "a mid-stream pick-up starts in SYN_RCVD"),
    (FSM, "return has(conn, CF_FIN_C, side) && (seg->flags & TCPS_ACK) && seq_gt(seg->ack, conn->fin[side]);",
     "return has(conn, CF_FIN_C, side) && (seg->flags & TCPS_ACK) && seq_geq(seg->ack, conn->fin[side]);",
     "an ACK of the FIN's own sequence number acknowledges the FIN"),
    (FSM, "(!has(conn, CF_NXT_C, side) || seq_leq(seg->ack, conn->nxt[side]));",
     "(!has(conn, CF_NXT_C, side) || seq_lt(seg->ack, conn->nxt[side]));",
     "SYN_SENT refuses an ACK of exactly SND.NXT"),
    (FSM, "now - conn->since_us < 2ull * cfg->msl_s * US_PER_S)", "now - conn->since_us < 1ull * cfg->msl_s * US_PER_S)",
     "TIME_WAIT lasts 1 MSL, not 2"),
    (FSM, "    if (restart || !(conn->flags & CF_TW_TIMER)) {", "    if (restart || 1) {",
     "the second end entering TIME_WAIT restarts the shared timer"),
    (FSM, "        conn->state[side] = TCPS_LAST_ACK;", "        conn->state[side] = TCPS_CLOSING;",
     "a FIN from CLOSE_WAIT goes to CLOSING"),
    (FSM, "        conn->state[side] = TCPS_CLOSING;", "        conn->state[side] = TCPS_FIN_WAIT_2;",
     "a FIN received in FIN_WAIT_1 goes to FIN_WAIT_2"),
    (FSM, "(conn->flags & CF_PASSIVE) ? TCPS_LISTEN : TCPS_CLOSED", "(conn->flags & CF_PASSIVE) ? TCPS_CLOSED : TCPS_LISTEN",
     "RST in SYN_RCVD: a passive end closes, an active one listens"),
    (FSM, "if (seg->seq == rcv_nxt - 1 && (conn->state[r] == TCPS_CLOSE_WAIT ||",
     "if (seg->seq == rcv_nxt + 1 && (conn->state[r] == TCPS_CLOSE_WAIT ||",
     "Linux's RST at the FIN's sequence number is looked for one too far"),
    (FSM, "if (x->teardown == TCPS_TD_FIN_SECOND)", "if (x->teardown != TCPS_TD_FIN_SECOND)",
     "3-segment-close label condition negated"),
    (FSM, "        label_ack(x, TCPS_TD_ACK_SIMULTANEOUS);", "        label_ack(x, TCPS_TD_ACK_FIRST);",
     "CLOSING -> TIME_WAIT labelled as the ACK of the 1st FIN"),
    (FSM, "if (s == TCPS_SERVER && !(conn->flags & CF_SYNACK)) {", "if (s == TCPS_SERVER || !(conn->flags & CF_SYNACK)) {",
     "a server's SYN before any SYN-ACK: && turned into ||"),
    (FSM, "(conn->state[r] == TCPS_SYN_RCVD || conn->state[r] == TCPS_LISTEN)) {",
     "(conn->state[r] == TCPS_SYN_RCVD && conn->state[r] == TCPS_LISTEN)) {",
     "an unanswered SYN is never recognised"),
    (FSM, "    if (seq_gt(seg->seq, conn->nxt[s])) {", "    if (seq_geq(seg->seq, conn->nxt[s])) {",
     "every in-order segment opens a gap"),
    (FSM, "seq_leq(x->end, conn->nxt[x->s]);", "seq_lt(x->end, conn->nxt[x->s]);",
     "a segment ending at SND.NXT is not a retransmission"),
    (FSM, "seq_gt(seg->seq + seg->len, conn->fin[s]))", "seq_geq(seg->seq + seg->len, conn->fin[s]))",
     "data ending at the FIN counts as data after the FIN"),
    (FSM, "    if (restart || !(conn->flags & CF_TW_TIMER)) {", "    if (!(conn->flags & CF_TW_TIMER)) {",
     "a FIN in TIME_WAIT does not restart the timer"),
    (ZEEK, "if (rs == CLOSED && os == CLOSED)\n        return ZK_CS_SF;", "if (rs == CLOSED || os == CLOSED)\n        return ZK_CS_SF;",
     "conn_state SF when either side closed"),
    (ZEEK, "if (os == SYN_SENT && rs == INACTIVE)\n        return ZK_CS_S0;", "if (os == SYN_SENT && rs != INACTIVE)\n        return ZK_CS_S0;",
     "conn_state S0 when the responder answered"),
    (ZEEK, "        return o_inactive ? ZK_CS_RSTRH : ZK_CS_RSTR;", "        return o_inactive ? ZK_CS_RSTR : ZK_CS_RSTRH;",
     "RSTR and RSTRH swapped"),
    (ZEEK, "        char code = (flags & TCPS_ACK) ? 'H' : 'S';", "        char code = (flags & TCPS_ACK) ? 'S' : 'H';",
     "history: SYN and SYN-ACK letters swapped"),
    (ZEEK, "    } else if (len) {\n        check_history(c, e, HIST_DATA, 'D');", "    } else if (!len) {\n        check_history(c, e, HIST_DATA, 'D');",
     "history: data letter for segments without data"),
    (ZEEK, "        scaled_history(c, e, 'T', &e->rxmt_cnt, &e->rxmt_thresh);",
     "        (void)0;", "history: retransmissions never marked"),
    (FSM, "        conn->state[side] = TCPS_SYN_RCVD;", "        conn->state[side] = TCPS_ESTABLISHED;",
     "a SYN received goes straight to ESTABLISHED"),
    (FSM, "    if (conn->state[side] == TCPS_SYN_SENT)\n        conn->state[side] = TCPS_ESTABLISHED;",
     "    if (conn->state[side] != TCPS_SYN_SENT)\n        conn->state[side] = TCPS_ESTABLISHED;",
     "a SYN-ACK received: the SYN_SENT condition negated"),
    (FSM, "if (conn->state[s] == TCPS_CLOSE_WAIT && !acks_fin_of(conn, x->seg, x->r)) {",
     "if (conn->state[s] == TCPS_CLOSE_WAIT || !acks_fin_of(conn, x->seg, x->r)) {",
     "crossed FIN: && turned into ||"),
    (FSM, "    if (!x->fin_again)\n", "    if (x->fin_again)\n", "a FIN's label: the sent-again condition negated"),
    (FSM, "    if (!(x->seg->flags & TCPS_FIN))\n        x->teardown", "    if (x->seg->flags & TCPS_FIN)\n        x->teardown",
     "an ACK's label only on segments with a FIN"),
    (FSM, "if (!seq_gt(seg->ack, conn->isn[side]))", "if (!seq_geq(seg->ack, conn->isn[side]))",
     "SYN_RCVD takes an ACK of its ISN (not of its SYN) as acceptable"),
    (FSM, "if (!(peer_syn_again && conn->state[r] == TCPS_SYN_RCVD))",
     "if (!(peer_syn_again || conn->state[r] == TCPS_SYN_RCVD))",
     "a SYN in a synchronized state: && turned into ||"),
    (FSM, "        if (conn->state[x->r] != TCPS_LISTEN)\n            return;",
     "        if (conn->state[x->r] == TCPS_LISTEN)\n            return;",
     "an unacceptable RST: the listener condition negated"),
    (FSM, "        x->handshake = TCPS_HS_ACK;", "        x->handshake = TCPS_HS_SYNACK;",
     "the handshake's ACK labelled as its SYN-ACK"),
    (FSM, "                conn->state[s] = TCPS_SYN_SENT;", "                conn->state[s] = TCPS_SYN_RCVD;",
     "a server's own SYN from LISTEN goes to SYN_RCVD"),
    (FSM, "        if (!(seg->flags & TCPS_SYN))\n            x->handshake = TCPS_HS_ACK;",
     "        if (!(seg->flags & (TCPS_SYN | TCPS_FIN)))\n            x->handshake = TCPS_HS_ACK;",
     "the handshake's ACK carrying a FIN loses its label"),
    (FSM, "    if (s == TCPS_CLIENT)\n        x->handshake = x->retrans ? TCPS_HS_SYN_RETRANS : TCPS_HS_SYN;",
     "    x->handshake = TCPS_HS_SIM_SYN;\n    if (s == TCPS_CLIENT)\n        x->handshake = x->retrans ? TCPS_HS_SYN_RETRANS : TCPS_HS_SYN;",
     "every SYN from the server labelled a simultaneous open"),
    (FSM, "conn->state[side] == TCPS_LISTEN ? CF_PASSIVE : CF_SIMOPEN;",
     "conn->state[side] == TCPS_LISTEN ? CF_PASSIVE : 0;",
     "a SYN received in SYN_SENT is not recorded as a simultaneous open"),
    (ZEEK, "    if (attempt_may_remove(c) && c->attempt_at_us < t)\n        t = c->attempt_at_us;",
     "    (void)0;", "the removal time kept after a packet forgets the attempt timer"),
    (ZEEK, "    if (c->delete_at_us && c->delete_at_us < t)\n        t = c->delete_at_us;",
     "    (void)0;", "the removal time kept after a packet forgets the delete timer"),
]

# Mutants the tests cannot tell apart from the original, and why (by number).
EQUIVALENT = {}


def run(cmd, cwd=None, timeout=900):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", help="work directory (default: a temporary one)")
    ap.add_argument("--only", help="comma-separated mutant numbers")
    ap.add_argument("--full", action="store_true", help="every fast test on every mutant (all its killers)")
    args = ap.parse_args()
    work = args.build or tempfile.mkdtemp(prefix="tcpstate-mutate-")
    src, build = os.path.join(work, "src"), os.path.join(work, "build")
    shutil.rmtree(src, ignore_errors=True)
    files = run(["git", "ls-files"], cwd=ROOT).stdout.split()
    for f in files:
        os.makedirs(os.path.dirname(os.path.join(src, f)) or src, exist_ok=True)
        # copy, not copy2: fresh times, so a build directory reused after an
        # interrupted run rebuilds what a mutant had changed.
        shutil.copy(os.path.join(ROOT, f), os.path.join(src, f))
    shared = os.environ.get("TCPSTATE_SHARED") or os.path.join(os.path.dirname(ROOT), "shared")
    cfg = run(["cmake", "-S", src, "-B", build, f"-DTCPSTATE_SHARED_DIR={os.path.abspath(shared)}"])
    if cfg.returncode:
        sys.exit(f"cmake failed:\n{cfg.stderr}")
    targets = ["--target", "tcpstate", "test_fsm", "test_zeek", "test_flow"]

    def build_and_test():
        b = run(["cmake", "--build", build, "-j2", *targets])
        if b.returncode:
            return "does not compile"
        for tests in [FAST_TESTS] if args.full else [UNIT_TESTS, FAST_TESTS]:
            t = run(["ctest", "--test-dir", build, "-j2", "-R", tests])
            failed = [line.split(" - ")[1].split()[0] for line in t.stdout.splitlines()
                      if " - " in line and "(Failed" in line]
            if t.returncode:
                return "killed by " + ", ".join(failed[:4]) + (" ..." if len(failed) > 4 else "")
        return None

    start = time.time()
    if build_and_test():
        sys.exit("the unmutated sources fail the fast tests")
    chosen = [int(n) for n in args.only.split(",")] if args.only else range(1, len(MUTANTS) + 1)
    survivors = []
    for n in chosen:
        path, old, new, what = MUTANTS[n - 1]
        text = open(os.path.join(ROOT, path)).read()
        if text.count(old) != 1:
            sys.exit(f"mutant {n} ({what}): its text occurs {text.count(old)} times in {path}")
        with open(os.path.join(src, path), "w") as f:
            f.write(text.replace(old, new))
        verdict = build_and_test()
        with open(os.path.join(src, path), "w") as f:
            f.write(text)
        if verdict is None and n in EQUIVALENT:
            verdict = "survived, equivalent: " + EQUIVALENT[n]
        elif verdict is None:
            verdict = "SURVIVED"
            survivors.append(n)
        print(f"{n:2} {os.path.basename(path):15} {what}: {verdict}", flush=True)
    print(f"{len(chosen)} mutants, {len(survivors)} non-equivalent survivors {survivors}; "
          f"{time.time() - start:.0f} s")
    sys.exit(1 if survivors else 0)


if __name__ == "__main__":
    main()
