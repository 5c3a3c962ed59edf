# Where the shared real captures are (Zeek's traces and conn.log results):
# ../shared beside the checkout, or, for a clone made elsewhere (CI clones
# into a scratch directory), ../shared beside the repository it was cloned
# from.  -DTCPSTATE_SHARED_DIR=... overrides.  Tests that need it fail
# loudly when it is missing; they never pass without it.
set(TCPSTATE_SHARED_DIR "" CACHE PATH "The shared captures directory (with zeek/traces)")
if(NOT TCPSTATE_SHARED_DIR)
  set(_shared "${PROJECT_SOURCE_DIR}/../shared")
  if(NOT EXISTS "${_shared}/zeek/traces")
    execute_process(COMMAND git -C "${PROJECT_SOURCE_DIR}" config --get remote.origin.url
                    OUTPUT_VARIABLE _origin OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    string(REGEX REPLACE "^file://" "" _origin "${_origin}")
    if(_origin AND IS_DIRECTORY "${_origin}" AND EXISTS "${_origin}/../shared/zeek/traces")
      set(_shared "${_origin}/../shared")
    endif()
  endif()
  get_filename_component(TCPSTATE_SHARED_DIR "${_shared}" ABSOLUTE)
  set(TCPSTATE_SHARED_DIR "${TCPSTATE_SHARED_DIR}" CACHE PATH "The shared captures directory (with zeek/traces)" FORCE)
endif()
if(NOT EXISTS "${TCPSTATE_SHARED_DIR}/zeek/traces")
  message(WARNING "No shared captures at ${TCPSTATE_SHARED_DIR}: the tests that use them will fail")
endif()
message(STATUS "Shared captures: ${TCPSTATE_SHARED_DIR}")
