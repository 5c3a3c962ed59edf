#!/usr/bin/env bash
# Builds tcpstate with AddressSanitizer + UndefinedBehaviorSanitizer into
# BUILD_DIR, runs the state machine's unit tests, then tshark (libasan
# preloaded) with the sanitized plugin, two-pass, over every capture of the
# project and every Zeek trace.  Any sanitizer report, stderr line or failed
# run fails the test.
set -uo pipefail
src=$1 build=$2
shared_traces="$src/../shared/zeek/traces"

cmake -S "$src" -B "$build" -DTCPSTATE_SANITIZE=ON -DTCPSTATE_WERROR=ON >/dev/null || exit 1
cmake --build "$build" -j"$(nproc)" >/dev/null || exit 1
"$build/tests/test_fsm" >/dev/null || { echo "FAIL: sanitized unit tests"; exit 1; }

asan=$(gcc -print-file-name=libasan.so)
run=(env -i PATH=/usr/bin:/bin HOME=/tmp LD_PRELOAD="$asan" ASAN_OPTIONS=detect_leaks=0
     UBSAN_OPTIONS=print_stacktrace=1 WIRESHARK_PLUGIN_DIR="$build/plugins")
[ "$(id -u)" = 0 ] && run=(runuser -u nobody -- "${run[@]}")

files=0 problems=0
while IFS= read -r -d '' f; do
    files=$((files + 1))
    err=$(timeout 120 "${run[@]}" tshark -r "$f" -2 -T fields -e tcpstate.client -e tcpstate.transition 2>&1 >/dev/null)
    rc=$?
    if [ $rc -ne 0 ] || [ -n "$err" ]; then
        problems=$((problems + 1))
        echo "FAIL $f (exit $rc): $(printf '%s' "$err" | head -5)"
    fi
done < <(find "$src/captures" "$shared_traces" -name '*.pcap*' -print0 | sort -z)
echo "$files captures under ASan+UBSan, $problems with problems"
[ "$files" -gt 50 ] && [ "$problems" -eq 0 ]
