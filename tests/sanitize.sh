#!/usr/bin/env bash
# Builds tcpstate with AddressSanitizer + UndefinedBehaviorSanitizer into
# BUILD_DIR, runs the state machine's unit tests, then tshark (libasan
# preloaded) with the sanitized plugin, two-pass, with the flow graph, over every capture of the
# project and every Zeek trace (any sanitizer report, stderr line or failed
# run fails the test), then over mutated, truncated and random captures.
set -uo pipefail
src=$1 build=$2
shared_traces="${TCPSTATE_SHARED:-$src/../shared}/zeek/traces"

cmake -S "$src" -B "$build" -DTCPSTATE_SANITIZE=ON -DTCPSTATE_WERROR=ON >/dev/null || exit 1
cmake --build "$build" -j"$(nproc)" >/dev/null || exit 1
for unit in test_fsm test_flow; do
    "$build/tests/$unit" >/dev/null || { echo "FAIL: sanitized unit tests ($unit)"; exit 1; }
done

asan=$(gcc -print-file-name=libasan.so)
run=(env -i PATH=/usr/bin:/bin HOME=/tmp LD_PRELOAD="$asan" ASAN_OPTIONS=detect_leaks=0
     UBSAN_OPTIONS=print_stacktrace=1 WIRESHARK_PLUGIN_DIR="$build/plugins")
[ "$(id -u)" = 0 ] && run=(runuser -u nobody -- "${run[@]}")

files=0 problems=0
while IFS= read -r -d '' f; do
    files=$((files + 1))
    err=$(timeout 120 "${run[@]}" tshark -r "$f" -2 -T fields -e tcpstate.client -e tcpstate.transition \
              -z flow,tcpstate,standard 2>&1 >/dev/null)
    rc=$?
    if [ $rc -ne 0 ] || [ -n "$err" ]; then
        problems=$((problems + 1))
        echo "FAIL $f (exit $rc): $(printf '%s' "$err" | head -5)"
    fi
done < <(find "$src/captures" "$shared_traces" -name '*.pcap*' -print0 | sort -z)
echo "$files captures under ASan+UBSan, $problems with problems"
[ "$files" -gt 50 ] && [ "$problems" -eq 0 ] || exit 1

# Hostile input: the same captures with bytes flipped (editcap -E, fixed
# seeds), cut to small snap lengths (editcap -s: truncated TCP headers), and
# random TCP packets (randpkt).  Other dissectors may call these malformed;
# tcpstate must not crash, trip a sanitizer, or be the malformed or buggy one
# (assertions in other dissectors on mutated bytes are theirs).
mut="$build/mutated"
rm -rf "$mut" && mkdir -p "$mut" && chmod 777 "$mut"
n=0
for f in "$src"/captures/*.pcap $(find "$shared_traces" -name '*.pcap*' | sort); do
    n=$((n + 1))
    base=$(basename "$f")
    for rate in 0.02 0.1; do
        editcap --seed "$n" -E "$rate" "$f" "$mut/E$rate-$base" 2>/dev/null
    done
    for snap in 40 54 60; do
        editcap -s "$snap" "$f" "$mut/s$snap-$base" 2>/dev/null
    done
done
for seed in 1 2 3; do
    randpkt -c 2000 -t tcp "$mut/randpkt-tcp-$seed.pcap" 2>/dev/null
done
chmod -R a+r "$mut"
mfiles=0 mproblems=0
for f in "$mut"/*; do
    mfiles=$((mfiles + 1))
    out=$(timeout 120 "${run[@]}" tshark -r "$f" -2 -V 2>&1)
    rc=$?
    bad=$(printf '%s\n' "$out" | grep -E "AddressSanitizer|LeakSanitizer|runtime error:|Dissector bug, protocol TCP State|Malformed Packet: TCP State|tcpstate.*[Ee]xception" | head -3)
    if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then
        bad="exit $rc $bad"
    fi
    if [ -n "$bad" ]; then
        mproblems=$((mproblems + 1))
        echo "FAIL $f: $bad"
    fi
done
echo "$mfiles mutated, truncated and random captures under ASan+UBSan, $mproblems with problems"
[ "$mfiles" -gt 200 ] && [ "$mproblems" -eq 0 ]
