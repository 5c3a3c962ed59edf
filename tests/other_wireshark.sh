#!/usr/bin/env bash
# other_wireshark.sh SUITE|INCLUDE_DIR [WORKDIR]: compile tcpstate's
# Wireshark glue against the headers of another Wireshark release, with
# -Werror.  With a Debian suite the headers come from its libwireshark-dev,
# libwsutil-dev and libwiretap-dev, fetched with a private apt configuration
# (nothing is installed); or give a directory that holds Wireshark's
# installed headers (the one with ws_version.h).  Compiles only: the
# machine's tshark stays 4.0.
#   tests/other_wireshark.sh trixie                 # Wireshark 4.4
#   tests/other_wireshark.sh /path/include/wireshark  # e.g. 4.2
set -euo pipefail
suite=${1:-trixie}
src=$(cd "$(dirname "$0")/.." && pwd)
if [ -d "$suite" ]; then
    inc=$(cd "$suite" && pwd)
else
work=${2:-/tmp/tcpstate-ws-$suite}
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/root"
echo "deb [trusted=yes] http://deb.debian.org/debian $suite main" > "$work/sources.list"
apt=(-o Dir::Etc::sourcelist="$work/sources.list" -o Dir::Etc::sourceparts=/nonexistent
     -o Dir::State::Lists="$work/lists" -o Dir::Cache::Archives="$work/archives")
apt-get "${apt[@]}" update >/dev/null
(cd "$work" && apt-get "${apt[@]}" download "libwireshark-dev/$suite" "libwsutil-dev/$suite" \
    "libwiretap-dev/$suite" 2>/dev/null >/dev/null) || { echo "FAIL: cannot download the $suite headers"; exit 1; }
for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/root"; done
inc="$work/root/usr/include/wireshark"
fi
version=$(awk '/define WIRESHARK_VERSION_(MAJOR|MINOR|MICRO)/ { printf "%s%s", sep, $3; sep = "." }' "$inc/ws_version.h")
glue=$(cd "$src/plugin" && ls plugin.c packet-*.c tcpstate-*.c)
for f in $glue; do
    gcc -std=gnu11 -fsyntax-only -Wall -Wextra -Werror -DTCPSTATE_VERSION='"0"' -I"$inc" -I"$inc/include" -I"$src/plugin" -I"$src/plugin/core" \
        $(pkg-config --cflags glib-2.0) "$src/plugin/$f" || { echo "FAIL: $f against Wireshark $version"; exit 1; }
done
echo "$(echo $glue | sed "s/ /, /g") compile against Wireshark $version headers with -Werror"
