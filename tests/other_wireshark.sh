#!/usr/bin/env bash
# other_wireshark.sh VERSION_SUITE [WORKDIR]: compile tcpstate's Wireshark
# glue against the headers of another Wireshark release, with -Werror.
# The headers come from Debian's libwireshark-dev, libwsutil-dev and
# libwiretap-dev of that suite, fetched with a private apt configuration
# (nothing is installed).  Compiles only: the machine's tshark stays 4.0.
#   tests/other_wireshark.sh trixie      # Wireshark 4.4
set -euo pipefail
suite=${1:-trixie}
work=${2:-/tmp/tcpstate-ws-$suite}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/root"
echo "deb [trusted=yes] http://deb.debian.org/debian $suite main" > "$work/sources.list"
apt=(-o Dir::Etc::sourcelist="$work/sources.list" -o Dir::Etc::sourceparts=/nonexistent
     -o Dir::State::Lists="$work/lists" -o Dir::Cache::Archives="$work/archives")
apt-get "${apt[@]}" update >/dev/null
(cd "$work" && apt-get "${apt[@]}" download "libwireshark-dev/$suite" "libwsutil-dev/$suite" \
    "libwiretap-dev/$suite" 2>/dev/null >/dev/null) || { echo "FAIL: cannot download the $suite headers"; exit 1; }
for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/root"; done
inc="$work/root/usr/include/wireshark"
version=$(awk '/define WIRESHARK_VERSION_(MAJOR|MINOR|MICRO)/ { printf "%s%s", sep, $3; sep = "." }' "$inc/ws_version.h")
for f in plugin.c packet-tcpstate.c tcpstate-stats.c; do
    gcc -std=gnu11 -fsyntax-only -Wall -Wextra -Werror -DTCPSTATE_VERSION='"0"' -I"$inc" -I"$src/plugin" \
        $(pkg-config --cflags glib-2.0) "$src/plugin/$f" || { echo "FAIL: $f against Wireshark $version"; exit 1; }
done
echo "plugin.c, packet-tcpstate.c, tcpstate-stats.c compile against Wireshark $version headers ($suite) with -Werror"
