#!/usr/bin/env bash
# gui.sh SRC PLUGIN_DIR OUTDIR: the Wireshark GUI (wireshark-qt) under Xvfb,
# as nobody, with the "TCP State" profile and the freshly built plugin:
#
#  1. close_wait_left_open.pcap with the filter tcpstate.server == "CLOSE_WAIT":
#     the window opens on the capture, the packet list shows the profile's
#     CLOSE_WAIT coloring (pixels of that rule's background in a screenshot),
#     and on quitting Wireshark records the profile and the filter as used;
#     tshark with the same profile and filter lists the frames the window shows.
#  2. seed.pcap with the statistics -z tcpstate,sum (what Statistics > TCP State
#     opens): the statistics window opens, and the packet list shows the
#     "established" and "TIME_WAIT" colors.
#  3. seed.pcap, Statistics > Flow Graph, flow type "TCP State Flows": the
#     dialog opens on the ladder, and its export as ASCII (the dialog's own
#     Export, file type ASCII) holds the seed's arrows and states, checked by
#     test_flow.py against the reviewed expected output.  Menus, buttons and
#     list entries are found on screen by their text (tesseract), so the test
#     does not depend on where each Wireshark release puts them.
#  4. syn_dropped.pcap with an expert severity column (the profile a
#     Wireshark started without -C opens: the last one used): the column
#     shows tcpstate's Warning on the three retransmitted SYNs, not TCP's
#     Note.
#
# Screenshots: OUTDIR/gui-filter.png, OUTDIR/gui-statistics.png, OUTDIR/gui-flow.png,
# OUTDIR/gui-severity.png
# (and, with TCPSTATE_GUI_DEBUG=1, every screen the flow graph part read).
set -uo pipefail
src=$1 plugins=$2 out=$3
for tool in Xvfb wireshark xdotool xwdtopnm pnmtopng tesseract; do
    command -v "$tool" >/dev/null ||
        { echo "FAIL: $tool not installed (apt-get install wireshark-qt xvfb xdotool netpbm tesseract-ocr)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "FAIL: run as root (Wireshark runs as nobody here, for WIRESHARK_PLUGIN_DIR)"; exit 1; }
mkdir -p "$out"
tmp=$(mktemp -d)
display=":$((90 + $$ % 100))"
status=0 ocr_shots=0
cleanup() { pkill -u nobody -x wireshark 2>/dev/null; [ -n "${xvfb:-}" ] && kill "$xvfb" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

Xvfb "$display" -screen 0 1600x900x24 -fbdir "$tmp" -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 2

home="$tmp/home"
mkdir -p "$home/.config/wireshark/profiles/TCP State" "$tmp/xdg"
cp "$src"/plugin/profile/* "$home/.config/wireshark/profiles/TCP State/"
chown -R nobody "$home" "$tmp/xdg"
chmod 700 "$tmp/xdg"
chmod 755 "$tmp"
env_gui=(env -i PATH=/usr/bin:/bin HOME="$home" DISPLAY="$display" XDG_RUNTIME_DIR="$tmp/xdg"
         WIRESHARK_PLUGIN_DIR="$plugins" LC_ALL=C.UTF-8)

# Background color (8 bits a channel) of a coloring rule of the profile.
rule_rgb() {
    awk -F'@' -v name="$1" '$2 == name { split($4, a, /[][,]/); printf "%d %d %d\n", a[2] / 257, a[3] / 257, a[4] / 257 }' \
        "$src/plugin/profile/colorfilters"
}

# Pixels of a color in a screenshot (PNG -> plain PPM).
count_rgb() {
    pngtopnm "$1" | pnmtoplainpnm | awk -v r="$2" -v g="$3" -v b="$4" '
        NR <= 3 { next } { for (i = 1; i <= NF; i++) { v[k++ % 3] = $i; if (k % 3 == 0 && v[0] == r && v[1] == g && v[2] == b) n++ } }
        END { print n + 0 }'
}

shot() { xwdtopnm "$tmp/Xvfb_screen0" 2>/dev/null | pnmtopng > "$1"; }

# click_text "WORDS" [DX]: click the middle of the first word of a phrase on
# the screen (the topmost), read by tesseract, or DX pixels right of it.
click_text() {
    local xy
    shot "$tmp/ocr.png"
    [ -n "${TCPSTATE_GUI_DEBUG:-}" ] && cp "$tmp/ocr.png" "$out/ocr-$((++ocr_shots)).png"
    # Words compare without punctuation: tesseract reads "type:" as "type" at times.
    xy=$(tesseract "$tmp/ocr.png" - tsv 2>/dev/null | awk -F'\t' -v phrase="$1" '
        BEGIN { gsub(/[^[:alnum:]. ]/, "", phrase); n = split(phrase, want, " ") }
        $1 == 5 { w = $12; gsub(/[^[:alnum:].]/, "", w)
                  k = (w == want[m + 1] && (m == 0 || $3 "." $4 "." $5 == line)) ? m + 1 : (w == want[1]) ? 1 : 0
                  if (k == 1) { x = int($7 + $9 / 2); y = int($8 + $10 / 2); line = $3 "." $4 "." $5 }
                  m = k
                  if (m == n && (!best || y < besty)) { best = 1; bestx = x; besty = y }
                  if (m == n) m = 0 }
        END { if (best) print bestx, besty }')
    [ -n "$xy" ] || return 1
    # Qt 6 takes a click only where the pointer has moved within first.
    DISPLAY="$display" xdotool mousemove $((${xy% *} + ${2:-0} - 5)) $((${xy#* } - 2))
    sleep 0.3
    DISPLAY="$display" xdotool mousemove $((${xy% *} + ${2:-0})) ${xy#* }
    sleep 0.5
    DISPLAY="$display" xdotool click 1
    sleep 2
}

# wait_dialog: a new visible top-level window (other than $main), moved to
# the screen's corner, full size, and raised; or fail.  (Wireshark 4.4 opens
# the flow graph dialog slowly, small, and names it like the main window.)
wait_dialog() {
    local w
    for _ in $(seq 30); do
        w=$(DISPLAY="$display" xdotool search --onlyvisible --name '.' 2>/dev/null | grep -vx "$main" | tail -1)
        if [ -n "$w" ]; then
            DISPLAY="$display" xdotool windowmove "$w" 0 0 windowsize "$w" 1600 900 windowraise "$w"
            sleep 3
            return 0
        fi
        sleep 1
    done
    return 1
}

# wait_window NAME: the id of the first window whose name matches, or fail.
wait_window() {
    local id
    for _ in $(seq 60); do
        id=$(DISPLAY="$display" xdotool search --name "$1" 2>/dev/null | head -1)
        [ -n "$id" ] && { echo "$id"; return 0; }
        sleep 1
    done
    return 1
}

# 1. A filter in the TCP State profile.
pcap="$src/captures/close_wait_left_open.pcap"
filter='tcpstate.server == "CLOSE_WAIT"'
runuser -u nobody -- "${env_gui[@]}" wireshark -C "TCP State" -r "$pcap" -Y "$filter" >"$tmp/ws1.log" 2>&1 &
if win=$(wait_window "close_wait_left_open.pcap"); then
    DISPLAY="$display" xdotool windowmove "$win" 0 0 windowsize "$win" 1600 900
    sleep 3
    shot "$out/gui-filter.png"
    read -r r g b < <(rule_rgb "TCP State: CLOSE_WAIT")
    n=$(count_rgb "$out/gui-filter.png" "$r" "$g" "$b")
    echo "filter window: $n pixels of the CLOSE_WAIT color ($r,$g,$b)"
    [ "$n" -gt 500 ] || { echo "FAIL: no CLOSE_WAIT-colored row in the packet list"; status=1; }
    DISPLAY="$display" xdotool windowfocus --sync "$win" key --clearmodifiers ctrl+q
    for _ in $(seq 20); do pgrep -u nobody -x wireshark >/dev/null || break; sleep 1; done
    recent="$home/.config/wireshark/recent_common"
    grep -q '^gui.last_used_profile: TCP State' "$recent" 2>/dev/null ||
        { echo "FAIL: Wireshark did not record the TCP State profile as used"; status=1; }
    grep -qF "recent.display_filter: $filter" "$recent" 2>/dev/null ||
        { echo "FAIL: Wireshark did not record the filter as applied"; status=1; }
else
    echo "FAIL: no Wireshark window for the capture: $(tail -3 "$tmp/ws1.log")"
    status=1
fi
pkill -u nobody -x wireshark 2>/dev/null
sleep 1
# The rows that window shows, through tshark with the same profile and filter.
rows=$(runuser -u nobody -- "${env_gui[@]}" tshark -C "TCP State" -r "$pcap" -Y "$filter" -T fields \
       -e frame.number -e tcpstate.client -e tcpstate.server | tr '\t\n' ' ;')
echo "tshark, same profile and filter: $rows"
[ "$rows" = "4 FIN_WAIT_1 CLOSE_WAIT;5 FIN_WAIT_2 CLOSE_WAIT;" ] || { echo "FAIL: unexpected rows"; status=1; }

# 2. The statistics window, on the seed.
runuser -u nobody -- "${env_gui[@]}" wireshark -C "TCP State" -r "$src/captures/seed.pcap" -z tcpstate,sum \
    >"$tmp/ws2.log" 2>&1 &
if win=$(wait_window "TCP State/Endpoint states"); then
    main=$(wait_window "seed.pcap")
    DISPLAY="$display" xdotool windowmove "$main" 0 0 windowsize "$main" 1000 600
    DISPLAY="$display" xdotool windowmove "$win" 700 120 windowsize "$win" 880 700
    sleep 3
    shot "$out/gui-statistics.png"
    for rule in "TCP State: established" "TCP State: TIME_WAIT"; do
        read -r r g b < <(rule_rgb "$rule")
        n=$(count_rgb "$out/gui-statistics.png" "$r" "$g" "$b")
        echo "statistics screenshot: $n pixels of the '$rule' color"
        [ "$n" -gt 500 ] || { echo "FAIL: no '$rule' row"; status=1; }
    done
else
    echo "FAIL: the TCP State statistics window did not open: $(tail -3 "$tmp/ws2.log")"
    status=1
fi
pkill -u nobody -x wireshark 2>/dev/null
sleep 1

# 3. Statistics > Flow Graph > TCP State Flows, on the seed, exported as ASCII.
flow_step() {
    echo "FAIL: flow graph: $1 (the screen it looked at: $out/gui-flow-failed.png): $(tail -3 "$tmp/ws3.log")"
    cp "$tmp/ocr.png" "$out/gui-flow-failed.png" 2>/dev/null
    status=1
}
export_file="$home/flow.txt"
runuser -u nobody -- "${env_gui[@]}" wireshark -C "TCP State" -r "$src/captures/seed.pcap" >"$tmp/ws3.log" 2>&1 &
if ! main=$(wait_window "seed.pcap"); then
    flow_step "no main window"
else
    DISPLAY="$display" xdotool windowmove "$main" 0 0 windowsize "$main" 1600 900
    sleep 2
    # (A menu opened with Alt+S does not take clicks under Qt 6: open it with the mouse.)
    if ! click_text "Statistics"; then flow_step "no Statistics menu"
    elif ! click_text "Flow Graph"; then flow_step "no Flow Graph in the Statistics menu"
    elif ! wait_dialog; then flow_step "no flow graph dialog"
    elif ! click_text "Flow type:" 110; then flow_step "no flow type chooser"
    elif ! click_text "State Flows"; then flow_step "no TCP State Flows among the flow types"
    else
        # Point at the 3-segment close: its whole comment shows under the graph
        # (the comment column shows only the first 20 ems of each).
        click_text "0.020000" 250 || echo "(no row at 0.020000 to point at)"
        shot "$out/gui-flow.png"
        if ! click_text Export; then flow_step "no Export button"
        elif ! click_text "Portable Document"; then flow_step "no file type chooser in the export dialog"
        elif ! click_text "ASCII"; then flow_step "no ASCII file type"
        elif ! click_text "File name:" 200 && ! click_text "Filename:" 200; then flow_step "no file name field"
        else
            # (The file name field is right of its label, which tesseract reads either way.)
            DISPLAY="$display" xdotool type --delay 20 "$export_file"
            DISPLAY="$display" xdotool key Return
            sleep 2
            if [ ! -s "$export_file" ]; then
                flow_step "the export wrote nothing"
            else
                echo "flow graph exported as ASCII: $(grep -c -- '-->\|<--' "$export_file") arrows"
                "$src/tests/test_flow.py" check-ascii seed "$export_file" || { echo "FAIL: the exported flow graph"; status=1; }
            fi
        fi
    fi
fi
pkill -u nobody -x wireshark 2>/dev/null
sleep 1

# 4. The expert severity column, on syn_dropped: each retransmitted SYN is
#    a Note for TCP, and a Warning for tcpstate (the SYN went unanswered),
#    which the column shows as the frame's highest severity.  The packet
#    list fills its columns from a dissection without a tree, where
#    tcpstate adds its expert infos only for the column (experts_only in
#    plugin/packet-tcpstate.c): without them the column reads Note (tried).
#    Read by tesseract.
runuser -u nobody -- "${env_gui[@]}" wireshark -r "$src/captures/syn_dropped.pcap" \
    -o 'gui.column.format:"No.","%m","Severity","%a"' >"$tmp/ws4.log" 2>&1 &
if win=$(wait_window "syn_dropped.pcap"); then
    DISPLAY="$display" xdotool windowmove "$win" 0 0 windowsize "$win" 1600 900
    sleep 3
    shot "$out/gui-severity.png"
    # The packet list, in black and white: tesseract misses text on the
    # colored rows of the full screenshot.
    pngtopnm "$out/gui-severity.png" | pnmcut -left 0 -top 0 -width 500 -height 450 | ppmtopgm |
        pgmtopbm -threshold -value 0.5 | pnmscale 2 2>/dev/null | pnmtopng >"$tmp/severity.png"
    words=$(tesseract "$tmp/severity.png" - --psm 6 2>/dev/null | tr -cs '[:alnum:]' '\n')
    warnings=$(grep -cx Warning <<<"$words") notes=$(grep -cx Note <<<"$words")
    echo "severity column: $warnings Warning, $notes Note (want 3 and 0)"
    [ "$warnings" -eq 3 ] && [ "$notes" -eq 0 ] ||
        { echo "FAIL: the severity column does not show tcpstate's warnings"; status=1; }
else
    echo "FAIL: no Wireshark window for syn_dropped.pcap: $(tail -3 "$tmp/ws4.log")"
    status=1
fi
exit $status
