/* packet-tcpstate.h - registration of the tcpstate postdissector.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PACKET_TCPSTATE_H
#define PACKET_TCPSTATE_H

void proto_register_tcpstate(void);
void proto_reg_handoff_tcpstate(void);

#endif /* PACKET_TCPSTATE_H */
