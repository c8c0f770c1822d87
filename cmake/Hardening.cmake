# pullcred::hardening: the hardening distributions use for root daemons, as an
# INTERFACE target that each shipped executable and module links:
#   PIE (static-pie for executables whose PULLCRED_STATIC property is ON),
#   full RELRO and BIND_NOW, -fstack-protector-strong, -fstack-clash-protection,
#   -fcf-protection (x86), -D_FORTIFY_SOURCE=3 (2 before GCC 12 and with clang)
#   in optimised configurations only, never with sanitizers.
# pullcred::hardening_codegen carries the compile options alone, for static
# libraries whose objects end up in a shipped binary.
# Also installed with the SDK (PullcredHardening.cmake), where
# pullcred_add_module() links it into third-party modules.
include_guard(GLOBAL)
include(CheckCompilerFlag)
include(CheckLinkerFlag)

get_property(_pullcred_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
if("CXX" IN_LIST _pullcred_languages)
  set(_pullcred_check_language CXX)
else()
  set(_pullcred_check_language C)
endif()

add_library(pullcred_hardening_codegen INTERFACE)
add_library(pullcred::hardening_codegen ALIAS pullcred_hardening_codegen)
add_library(pullcred_hardening INTERFACE)
add_library(pullcred::hardening ALIAS pullcred_hardening)
target_link_libraries(pullcred_hardening INTERFACE pullcred_hardening_codegen)

foreach(flag -fstack-protector-strong -fstack-clash-protection)
  string(MAKE_C_IDENTIFIER "PULLCRED_HAVE${flag}" have)
  check_compiler_flag(${_pullcred_check_language} ${flag} ${have})
  if(${have})
    target_compile_options(pullcred_hardening_codegen INTERFACE ${flag})
  endif()
endforeach()
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|i.86)$")
  check_compiler_flag(${_pullcred_check_language} -fcf-protection PULLCRED_HAVE_fcf_protection)
  if(PULLCRED_HAVE_fcf_protection)
    target_compile_options(pullcred_hardening_codegen INTERFACE -fcf-protection)
  endif()
endif()

# _FORTIFY_SOURCE needs optimisation (glibc warns without it, and warnings are
# errors), and hides calls from the sanitizers' interceptors.
if(CMAKE_${_pullcred_check_language}_COMPILER_ID STREQUAL "GNU"
   AND CMAKE_${_pullcred_check_language}_COMPILER_VERSION VERSION_GREATER_EQUAL 12)
  set(_pullcred_fortify 3)
else()
  set(_pullcred_fortify 2)
endif()
if(NOT PULLCRED_SANITIZE)
  target_compile_options(pullcred_hardening_codegen INTERFACE
    "$<$<CONFIG:Release,RelWithDebInfo,MinSizeRel>:-U_FORTIFY_SOURCE;-D_FORTIFY_SOURCE=${_pullcred_fortify}>")
endif()

check_linker_flag(${_pullcred_check_language} "LINKER:-z,relro,-z,now" PULLCRED_HAVE_relro_now)
if(PULLCRED_HAVE_relro_now)
  target_link_options(pullcred_hardening INTERFACE "LINKER:-z,relro,-z,now")
endif()

# PIE: position-independent objects for every consumer; executables linked
# with -pie, or -static-pie when they ask for a static link.
set_target_properties(pullcred_hardening PROPERTIES INTERFACE_POSITION_INDEPENDENT_CODE ON)
check_linker_flag(${_pullcred_check_language} -static-pie PULLCRED_HAVE_static_pie)
if(PULLCRED_HAVE_static_pie)
  set(_pullcred_static_link -static-pie)
else()
  message(WARNING "the linker cannot make static-pie executables: static executables are linked "
                  "-static -no-pie (not position-independent)")
  set(_pullcred_static_link -static -no-pie)
endif()
set(_pullcred_is_exe "$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>")
set(_pullcred_is_static "$<BOOL:$<TARGET_PROPERTY:PULLCRED_STATIC>>")
target_link_options(pullcred_hardening INTERFACE
  "$<${_pullcred_is_exe}:$<IF:${_pullcred_is_static},${_pullcred_static_link},-pie>>")
