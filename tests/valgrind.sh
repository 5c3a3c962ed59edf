#!/usr/bin/env bash
# valgrind.sh PLUGIN_DIR CAPTURE...: tshark with the plugin under
# valgrind --leak-check=full, two-pass, asking for tcpstate fields, both
# statistics and the flow graph.  Fails on any invalid access, use of uninitialised memory, or
# lost block whose stack passes through tcpstate's code.  (Wireshark and GLib
# keep some allocations to exit; those are not tcpstate's and are only counted.)
# --keep-debuginfo: tshark unloads plugins before valgrind reports leaks.
set -uo pipefail
plugins=$1; shift
log=$(mktemp /tmp/tcpstate-valgrind.XXXXXX)
chmod 666 "$log"
run=(env -i PATH=/usr/bin:/bin HOME=/tmp WIRESHARK_PLUGIN_DIR="$plugins")
[ "$(id -u)" = 0 ] && run=(runuser -u nobody -- "${run[@]}")
status=0
for f in "$@"; do
    "${run[@]}" valgrind --leak-check=full --show-leak-kinds=definite --num-callers=40 --keep-debuginfo=yes \
        --log-file="$log" tshark -r "$f" -2 -q -z tcpstate,sum -z tcpstate,conn -z flow,tcpstate,standard \
        -T fields -e tcpstate.client -e tcpstate.zeek.history -e tcpstate.zeek.final.conn_state >/dev/null 2>&1
    rc=$?
    # One record per blank-line-separated block of the log.
    # Only blocks lost at their root count ("definitely").  The statistics
    # tables belong to Wireshark's framework (stat_tap_add_table/_init_table
    # allocate them into the registered UI); tshark never frees them at exit,
    # and with them the rows and strings tcpstate put in ("indirectly" lost).
    mine=$(awk 'BEGIN { RS = "==[0-9]+== \n" } /tcpstate/ && /(Invalid|uninitialised|Conditional jump|definitely lost|Mismatched|Syscall param)/ && !/stat_tap_(add|init)_table/ { print; print "----" }' "$log")
    errors=$(grep -Eo "ERROR SUMMARY: [0-9]+" "$log" | tail -1)
    lost=$(grep -E "definitely lost:" "$log" | tail -1 | sed 's/^==[0-9]*== *//')
    if [ $rc -ne 0 ] || [ -n "$mine" ]; then
        status=1
        echo "FAIL $f (tshark exit $rc)"
        printf '%s\n' "$mine" | head -60
    else
        echo "ok   $f: nothing from tcpstate ($errors in all; $lost)"
    fi
done
rm -f "$log"
exit $status
