# pullcred_add_module(<target> SOURCES <files...> [OUTPUT_DIRECTORY <dir>])
#
# Builds a pullcred module: a shared object loaded with dlopen whose only
# dynamic symbol is pullcred_module_entry. Everything else is hidden, so two
# modules built against different library versions cannot clash.
function(pullcred_add_module target)
  set(exports_map "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/module-exports.map")
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE pullcred::sdk)
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
