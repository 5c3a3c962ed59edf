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
#
# Screenshots: OUTDIR/gui-filter.png, OUTDIR/gui-statistics.png.
set -uo pipefail
src=$1 plugins=$2 out=$3
for tool in Xvfb wireshark xdotool xwdtopnm pnmtopng; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (apt-get install wireshark-qt xvfb xdotool netpbm)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "FAIL: run as root (Wireshark runs as nobody here, for WIRESHARK_PLUGIN_DIR)"; exit 1; }
mkdir -p "$out"
tmp=$(mktemp -d)
display=":$((90 + $$ % 100))"
status=0
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
exit $status
