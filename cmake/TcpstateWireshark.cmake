# Finds the installed Wireshark development files and says where plugins go.
#
# Sets:
#   TCPSTATE_WS_VERSION       "<major>.<minor>", the plugin ABI directory name
#   TCPSTATE_PLUGIN_STAGE_DIR build/plugins/<major>.<minor>/epan (WIRESHARK_PLUGIN_DIR=build/plugins)
#   TCPSTATE_PLUGIN_INSTALL_DIR where Wireshark loads epan plugins for everyone
#   TCPSTATE_PROFILE_INSTALL_DIR where the "TCP State" profile goes (Wireshark's global profiles)
find_package(Wireshark CONFIG REQUIRED)
if(NOT Wireshark_PLUGINS_ENABLED)
  message(FATAL_ERROR "This Wireshark was built without plugin support")
endif()
set(TCPSTATE_WS_VERSION "${Wireshark_MAJOR_VERSION}.${Wireshark_MINOR_VERSION}")
set(TCPSTATE_PLUGIN_STAGE_DIR "${CMAKE_BINARY_DIR}/plugins/${TCPSTATE_WS_VERSION}/epan")
set(TCPSTATE_PLUGIN_INSTALL_DIR "${Wireshark_PLUGIN_INSTALL_DIR}/epan")
set(TCPSTATE_PROFILE_INSTALL_DIR "${Wireshark_INSTALL_PREFIX}/share/wireshark/profiles/TCP State")
message(STATUS "Wireshark ${Wireshark_VERSION}: plugin staged in ${TCPSTATE_PLUGIN_STAGE_DIR}, installed in ${TCPSTATE_PLUGIN_INSTALL_DIR}")
