# The Debian package (cpack, or cmake --build build --target package):
# the plugin and the "TCP State" profile, at the paths cmake --install uses,
# depending on the libwireshark package and version the plugin was built
# against (Wireshark loads a plugin only into the major.minor it was built for).
get_target_property(_epan_lib epan IMPORTED_LOCATION_NONE)
get_target_property(_epan_soname epan IMPORTED_SONAME_NONE)
if(NOT _epan_lib)
  get_target_property(_epan_lib epan LOCATION)
endif()
get_filename_component(_epan_dir "${_epan_lib}" DIRECTORY)
execute_process(COMMAND dpkg-query -S "${_epan_dir}/${_epan_soname}"
                OUTPUT_VARIABLE _owner OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
if(_rc EQUAL 0 AND _owner MATCHES "^([^:]+)")
  set(TCPSTATE_LIBWIRESHARK_PACKAGE "${CMAKE_MATCH_1}")
else()
  string(REGEX REPLACE "^libwireshark\\.so\\.([0-9]+)$" "libwireshark\\1" TCPSTATE_LIBWIRESHARK_PACKAGE "${_epan_soname}")
endif()
math(EXPR _next_minor "${Wireshark_MINOR_VERSION} + 1")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tcpstate)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "tcpstate developers <tcpstate@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Wireshark plugin: TCP endpoint states (LISTEN ... TIME_WAIT) for every segment")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Wireshark plugin: TCP endpoint states for every segment
 tcpstate adds, for every TCP segment, the state of the client and the server
 (RFC 9293), ISN-relative numbers, Zeek's conn_state and history, expert infos
 for pathologies, netstat-like statistics, and the TCP State configuration
 profile with columns, coloring rules and filter buttons.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "${TCPSTATE_LIBWIRESHARK_PACKAGE} (>= ${Wireshark_VERSION}), ${TCPSTATE_LIBWIRESHARK_PACKAGE} (<< ${Wireshark_MAJOR_VERSION}.${_next_minor}~)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "tshark | wireshark")
set(CPACK_SET_DESTDIR ON) # the install paths are Wireshark's own, absolute
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
