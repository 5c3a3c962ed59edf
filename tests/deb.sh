#!/usr/bin/env bash
# deb.sh BUILD SRC: build the Debian package with cpack, install it with dpkg,
# and run tshark (as nobody, with Wireshark's own plugin directory: no
# WIRESHARK_PLUGIN_DIR) on the seed capture: the plugin must load from the
# installed path and the "TCP State" profile must be there.  Afterwards the
# package is removed and whatever cmake --install had put there before is
# put back.  Needs root (dpkg).
set -uo pipefail
build=$1 src=$2
[ "$(id -u)" = 0 ] || { echo "FAIL: installing a package needs root"; exit 1; }
cd "$build" || exit 1
rm -f tcpstate_*.deb
cpack -G DEB >/dev/null || { echo "FAIL: cpack"; exit 1; }
deb=$(ls tcpstate_*.deb) || exit 1
plugin=$(dpkg-deb -c "$deb" | awk '/tcpstate\.so$/ { sub(/^\./, "", $6); print $6 }')
profile="/usr/share/wireshark/profiles/TCP State"
depends=$(dpkg-deb -f "$deb" Depends)
echo "$deb: $plugin; Depends: $depends"
case "$depends" in *"libwireshark"*"(>= "*"<< "*) ;; *) echo "FAIL: no libwireshark version range in Depends"; exit 1 ;; esac
# It must name the package of the libwireshark this machine's tshark runs on
# (libwireshark16 on Debian 12, 18 on 13, 19 on unstable).
epan=$(ldd "$(command -v tshark)" | awk '/libwireshark\.so/ { print $3 }')
epan_pkg=$(dpkg-query -S "$(readlink -f "$epan")" | cut -d: -f1)
case "$depends" in "$epan_pkg (>= "*) ;; *) echo "FAIL: Depends '$depends' does not name $epan_pkg"; exit 1 ;; esac

# Keep what an earlier cmake --install put at those paths, to restore it.
keep=$(mktemp -d)
was_installed=$(dpkg-query -W -f='${Status}' tcpstate 2>/dev/null | grep -c "ok installed")
[ -f "$plugin" ] && cp -p "$plugin" "$keep/"
[ -d "$profile" ] && cp -rp "$profile" "$keep/profile"

status=0
dpkg -i "$deb" >/dev/null || { echo "FAIL: dpkg -i"; status=1; }
dpkg -L tcpstate | grep -qx "$plugin" || { echo "FAIL: dpkg -L does not list $plugin"; status=1; }
home=$(mktemp -d); chmod 777 "$home"
run=(runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME="$home")
"${run[@]}" tshark -G plugins | grep -q "$plugin" || { echo "FAIL: tshark does not load $plugin"; status=1; }
states=$("${run[@]}" tshark -r "$src/captures/seed.pcap" -T fields -e tcpstate.client | tr '\n' ' ')
# The reviewed expected output of the seed (captures/seed.expected.tsv).
want=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "tcpstate.client") c = i; next } { printf "%s ", $c }' \
       "$src/captures/seed.expected.tsv")
[ "$states" = "$want" ] || { echo "FAIL: client states from the installed plugin: '$states'"; status=1; }
cols=$("${run[@]}" tshark -C "TCP State" -r "$src/captures/seed.pcap" -c 1 2>&1)
case "$cols" in *"SYN_SENT SYN_RCVD"*) ;; *) echo "FAIL: the installed profile: $cols"; status=1 ;; esac
echo "installed plugin: client states $states"

if [ "$was_installed" = 0 ]; then
    dpkg -r tcpstate >/dev/null || { echo "FAIL: dpkg -r"; status=1; }
    [ -f "$keep/tcpstate.so" ] && mkdir -p "$(dirname "$plugin")" && cp -p "$keep/tcpstate.so" "$plugin"
    [ -d "$keep/profile" ] && mkdir -p "$profile" && cp -rp "$keep/profile/." "$profile/"
fi
rm -rf "$keep" "$home"
exit $status
