/* plugin.c - the entry points Wireshark looks for in tcpstate.so.
 *
 * 4.0 to 4.6 look for plugin_version/plugin_want_major/plugin_want_minor and
 * plugin_register(); 4.4 and later also for plugin_describe() (the flags of
 * <wsutil/plugins.h>, which 4.2 does not have yet: ws_compat.h says which).
 * Built and run on 4.0, 4.4 and 4.6, compiled against 4.2 (README,
 * "Wireshark versions").
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define WS_BUILD_DLL
#include <epan/proto.h>
#include <ws_symbol_export.h>

#include "packet-tcpstate.h"
#include "ws_compat.h"

#ifndef TCPSTATE_VERSION
#define TCPSTATE_VERSION "0.0.0"
#endif

static const proto_plugin tcpstate_plugin = {
    .register_protoinfo = proto_register_tcpstate,
    .register_handoff = proto_reg_handoff_tcpstate,
};

WS_DLL_PUBLIC_DEF const char plugin_version[] = TCPSTATE_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

void plugin_register(void)
{
    proto_register_plugin(&tcpstate_plugin);
}

#if TCPSTATE_HAS_PLUGIN_DESCRIBE
/* 4.4 also asks what kind of plugin this is. */
#include <wsutil/plugins.h>

WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR | WS_PLUGIN_DESC_TAP_LISTENER;
}
#endif
