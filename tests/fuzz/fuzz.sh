#!/usr/bin/env bash
# fuzz.sh SRC BUILD SECONDS: build fuzz_fsm with clang (libFuzzer + ASan +
# UBSan), seed its corpus from every capture of the project and every Zeek
# trace, and fuzz for SECONDS.  Exit non-zero on any crash, invariant
# violation or sanitizer report (libFuzzer leaves crash-* in BUILD/fuzz).
set -euo pipefail
src=$1 build=$2 seconds=${3:-60}
out="$build/fuzz"
mkdir -p "$out/seeds" "$out/corpus"
command -v clang >/dev/null || { echo "FAIL: clang not installed (apt-get install clang)"; exit 1; }
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$src/plugin/core" \
    "$src/plugin/core/tcpstate_fsm.c" "$src/plugin/core/tcpstate_zeek.c" "$src/tests/fuzz/fuzz_fsm.c" -o "$out/fuzz_fsm"
if [ -z "$(ls -A "$out/seeds")" ]; then
    /usr/bin/python3 "$src/tests/fuzz/make_corpus.py" "$out/seeds" "$src"/captures/*.pcap "$src"/captures/hostile/*.pcap \
        $(find "${TCPSTATE_SHARED:-$src/../shared}/zeek/traces" -name '*.pcap*' 2>/dev/null)
fi
cd "$out"
./fuzz_fsm -max_total_time="$seconds" -max_len=6400 -print_final_stats=1 corpus seeds 2>&1 | tail -15
