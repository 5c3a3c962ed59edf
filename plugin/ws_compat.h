/* ws_compat.h - every difference between the Wireshark releases tcpstate
 * builds against (4.0, 4.2, 4.4, 4.6), in one place.  The rest of the glue
 * uses these names and has no version tests of its own.
 *
 *   4.2  fvalue_get_uinteger() takes the field's fvalue_t pointer (4.0: the
 *        embedded value's address).  tshark -T fields builds a tree pruned to
 *        the -e fields (4.0: the whole, visible tree; seen on 4.0 and 4.4,
 *        4.2 not run).
 *   4.4  plugins also export plugin_describe().  A tap can ask that protocol
 *        items be real (TL_REQUIRES_PROTOCOLS; not in 4.0, 4.2 not checked).
 *   4.6  wmem_packet_scope() is gone: packet-lifetime memory is pinfo->pool,
 *        which every supported release has, so the glue uses it everywhere
 *        and needs no macro for it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPSTATE_WS_COMPAT_H
#define TCPSTATE_WS_COMPAT_H

#include <ws_version.h>
#include <epan/tap.h>

#define TCPSTATE_WS_AT_LEAST(major, minor) \
    (WIRESHARK_VERSION_MAJOR > (major) || (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

#if TCPSTATE_WS_AT_LEAST(4, 4)
#define TCPSTATE_HAS_PLUGIN_DESCRIBE 1
#else
#define TCPSTATE_HAS_PLUGIN_DESCRIBE 0
#endif

#if TCPSTATE_WS_AT_LEAST(4, 2)
#define FINFO_UINT(fi) fvalue_get_uinteger((fi)->value)
#else
#define FINFO_UINT(fi) fvalue_get_uinteger(&(fi)->value)
#endif

#if TCPSTATE_WS_AT_LEAST(4, 2)
#define TCPSTATE_FIELDS_TREE_IS_VISIBLE 0
#else
#define TCPSTATE_FIELDS_TREE_IS_VISIBLE 1
#endif

/* The tap flags of listeners that read whole trees. */
#ifdef TL_REQUIRES_PROTOCOLS
#define TCPSTATE_TAP_READS_TREES (TL_REQUIRES_PROTO_TREE | TL_REQUIRES_PROTOCOLS)
#else
#define TCPSTATE_TAP_READS_TREES TL_REQUIRES_PROTO_TREE
#endif

#endif /* TCPSTATE_WS_COMPAT_H */
