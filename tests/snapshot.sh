#!/usr/bin/env bash
# snapshot.sh OUTDIR [PLUGIN_DIR]: everything tshark says with the plugin, on
# every capture of the project and every Zeek trace, for comparing two builds
# (`diff -r` of two snapshots must be empty for a change that keeps outputs):
#   OUTDIR/NAME.fields   every tcpstate field (and tcp.stream), one pass; not
#                        the deprecated aliases of renamed fields (README,
#                        "Renamed fields"): they repeat the new fields
#   OUTDIR/NAME.fields2  the same with -2
#   OUTDIR/NAME.V        the whole dissection (-V), one pass, so TCP's own
#                        output is compared too
#   OUTDIR/NAME.stats    -z tcpstate,sum and tcpstate,conn
# PLUGIN_DIR defaults to build/plugins.  As root, tshark runs as nobody.
# TCPSTATE_SNAPSHOT_EXTRA names more directories of captures (e.g. the
# sanitizers test's mutated and truncated ones, build/asan/mutated).
set -euo pipefail
out=$1
src=$(cd "$(dirname "$0")/.." && pwd)
plugins=${2:-$src/build/plugins}
shared=${TCPSTATE_SHARED:-$src/../shared}
TCPSTATE_SNAPSHOT_EXTRA=${TCPSTATE_SNAPSHOT_EXTRA:-}
mkdir -p "$out"
chmod 777 "$out"
run=(env -i PATH=/usr/bin:/bin HOME=/tmp LC_ALL=C.UTF-8 WIRESHARK_PLUGIN_DIR="$plugins")
[ "$(id -u)" = 0 ] && run=(runuser -u nobody -- "${run[@]}")

fields=$("${run[@]}" tshark -G fields | awk -F'\t' '$1 == "F" && $3 ~ /^tcpstate\./ && $0 !~ /Deprecated alias of/ { printf " -e %s", $3 }')
[ -n "$fields" ] || { echo "FAIL: no tcpstate fields: the plugin did not load from $plugins"; exit 1; }
n=0
while IFS= read -r -d '' f; do
    name=$(basename "$f"); name=${name%%.pcap*}
    [ -e "$out/$name.V" ] && name="$name-$n"
    # shellcheck disable=SC2086
    "${run[@]}" tshark -r "$f" -T fields -E header=y -E occurrence=a -e frame.number -e tcp.stream $fields \
        > "$out/$name.fields" 2>&1 || true
    # shellcheck disable=SC2086
    "${run[@]}" tshark -r "$f" -2 -T fields -E header=y -E occurrence=a -e frame.number -e tcp.stream $fields \
        > "$out/$name.fields2" 2>&1 || true
    "${run[@]}" tshark -r "$f" -V > "$out/$name.V" 2>&1 || true
    "${run[@]}" tshark -r "$f" -q -z tcpstate,sum -z tcpstate,conn > "$out/$name.stats" 2>&1 || true
    n=$((n + 1))
done < <(find "$src/captures" "$shared/zeek/traces" ${TCPSTATE_SNAPSHOT_EXTRA//:/ } -name '*.pcap*' -print0 | sort -z)
echo "$n captures written to $out"
