# pullcred_add_module(<target> SOURCES <files...> [OUTPUT_DIRECTORY <dir>]
#                     [NEEDS_ABI <major>.<minor>])
#
# NEEDS_ABI: the oldest host ABI the module runs on (default 1.0: the C++
# wrapper reads what later minors added only when the host has it). Raise it
# when the module itself uses something a later minor added; hosts older than
# that refuse the module with a message that names the fix.
#
# Builds a pullcred module: a shared object loaded with dlopen whose only
# dynamic symbol is pullcred_module_entry. Everything else is hidden, so two
# modules built against different library versions cannot clash. It is
# hardened like pullcred's own binaries (pullcred::hardening: stack
# protector, _FORTIFY_SOURCE in optimised builds, RELRO, BIND_NOW; CMake 3.19
# or later).
if(NOT TARGET pullcred::hardening)
  include("${CMAKE_CURRENT_LIST_DIR}/PullcredHardening.cmake")
endif()

function(pullcred_add_module target)
  set(exports_map "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/module-exports.map")
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY;NEEDS_ABI" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  if(ARG_NEEDS_ABI)
    if(NOT ARG_NEEDS_ABI MATCHES "^1\\.([0-9]+)$")
      message(FATAL_ERROR "pullcred_add_module(${target}): NEEDS_ABI ${ARG_NEEDS_ABI} is not 1.<minor>")
    endif()
    target_compile_definitions(${target} PRIVATE PULLCRED_MODULE_NEEDS_ABI_MINOR=${CMAKE_MATCH_1})
  endif()
  target_link_libraries(${target} PRIVATE pullcred::sdk pullcred::hardening)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${exports_map}")
  target_link_options(${target} PRIVATE
    "LINKER:--version-script=${exports_map}"
    "LINKER:--exclude-libs,ALL"
    "LINKER:-z,defs"
    "LINKER:-z,now")
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  endif()
endfunction()
