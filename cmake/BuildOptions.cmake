# Compile options shared by every target, as an interface target: link
# pullcred::build_options instead of setting global flags.
add_library(pullcred_build_options INTERFACE)
add_library(pullcred::build_options ALIAS pullcred_build_options)

# Every object is compiled hardened (static libraries end up in shipped
# binaries); shipped targets also link pullcred::hardening for PIE, RELRO
# and BIND_NOW (cmake/Hardening.cmake).
include("${CMAKE_CURRENT_LIST_DIR}/Hardening.cmake")
target_link_libraries(pullcred_build_options INTERFACE pullcred::hardening_codegen)

target_compile_features(pullcred_build_options INTERFACE cxx_std_20)
target_compile_options(pullcred_build_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wformat=2 -Wimplicit-fallthrough
  "$<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond;-Wduplicated-branches;-Wlogical-op>"
  # Not -Wnull-dereference: GCC 12's is flow-based and fires inside inlined
  # libstdc++ and nlohmann/json code (std::string, json::iterator) that no
  # source change of ours can reach.
  $<$<BOOL:${PULLCRED_WERROR}>:-Werror>
  # GCC 12 reports std::string's own memcpy, inlined into optimised code, as
  # out of bounds (GCC bugs 105329, 105651; fixed in 13).
  "$<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-array-bounds;-Wno-stringop-overflow;-Wno-stringop-overread;-Wno-restrict>")

# With clang and PULLCRED_FUZZ, the same build also carries libFuzzer's
# coverage instrumentation (fuzzer-no-link: no libFuzzer main is linked), so
# the fuzz targets (tests/fuzz) link the libraries the tests already use.
if(PULLCRED_SANITIZE)
  set(pullcred_sanitizers address,undefined)
  if(PULLCRED_FUZZ AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    set(pullcred_sanitizers fuzzer-no-link,address,undefined)
  endif()
  target_compile_options(pullcred_build_options INTERFACE
    -fsanitize=${pullcred_sanitizers} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(pullcred_build_options INTERFACE -fsanitize=${pullcred_sanitizers})
  # clang links the sanitizer runtimes into executables only: a module's
  # sanitizer symbols come from the host at load time, so `-z defs` (see
  # pullcred_add_module) cannot hold here; the other presets still check it.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    target_link_options(pullcred_build_options INTERFACE LINKER:-z,undefs)
  endif()
endif()

# pullcred::static_cxx_runtime: libstdc++ and libgcc linked into pullcred's
# own executables (pullcred-host, pullcred-node, pullcred-signing-helper),
# libpullcred-net.so and the in-tree modules instead of loaded. Loading
# libstdc++.so costs more than the rest of a cache hit, and a cold fetch paid
# the dynamic linker for its 4,300 symbol relocations and about 1 MiB of its
# pages (README, "Speed"). Each
# copy keeps its symbols to itself (--exclude-libs): only the C ABI, C types
# and heap blocks of the one libc malloc cross between them, never a C++
# object or exception. Off with sanitizers, whose runtimes replace operator new.
if(PULLCRED_SANITIZE)
  set(pullcred_static_cxx_default OFF)
else()
  set(pullcred_static_cxx_default ON)
endif()
option(PULLCRED_STATIC_CXX_RUNTIME
       "Link libstdc++ and libgcc into pullcred's executables, libpullcred-net.so and the in-tree modules"
       ${pullcred_static_cxx_default})
add_library(pullcred_static_cxx_runtime INTERFACE)
add_library(pullcred::static_cxx_runtime ALIAS pullcred_static_cxx_runtime)
if(PULLCRED_STATIC_CXX_RUNTIME)
  target_link_options(pullcred_static_cxx_runtime INTERFACE
    -static-libstdc++ -static-libgcc LINKER:--exclude-libs,ALL)
endif()

set(CMAKE_C_EXTENSIONS OFF)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
