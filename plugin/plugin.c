/* plugin.c - the entry points Wireshark looks for in tcpstate.so.
 *
 * 4.0 and 4.2 look for plugin_version/plugin_want_major/plugin_want_minor
 * and plugin_register(); 4.4 replaced them with <wsutil/plugins.h> and
 * WIRESHARK_PLUGIN_REGISTER_EPAN.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define WS_BUILD_DLL
#include <epan/proto.h>
#include <ws_symbol_export.h>
#include <ws_version.h>

#include "packet-tcpstate.h"

#ifndef TCPSTATE_VERSION
#define TCPSTATE_VERSION "0.0.0"
#endif

static const proto_plugin tcpstate_plugin = {
    .register_protoinfo = proto_register_tcpstate,
    .register_handoff = proto_reg_handoff_tcpstate,
};

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 4)
#include <wsutil/plugins.h>

static void tcpstate_register(void)
{
    proto_register_plugin(&tcpstate_plugin);
}

static struct ws_module tcpstate_module = {
    .flags = WS_PLUGIN_DESC_DISSECTOR,
    .version = TCPSTATE_VERSION,
    .spdx_id = "GPL-2.0-or-later",
    .home_url = "",
    .blurb = "TCP endpoint states (RFC 9293) for every segment",
    .register_cb = &tcpstate_register,
};

WIRESHARK_PLUGIN_REGISTER_EPAN(&tcpstate_module, 0)
#else
WS_DLL_PUBLIC_DEF const gchar plugin_version[] = TCPSTATE_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

void plugin_register(void)
{
    proto_register_plugin(&tcpstate_plugin);
}
#endif
