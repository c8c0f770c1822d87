# CURL::libcurl for libpullcred-net.so. By default the minimal static libcurl
# of cmake/curl/recipe.cmake (HTTP/1.1, HTTPS through OpenSSL, proxies), built
# once from Debian's curl source package into PULLCRED_DEPS_DIR and shared by
# every build tree of the machine: what the tests load is what the bundle and
# the .deb ship. -DPULLCRED_SYSTEM_CURL=ON links Debian's libcurl4-openssl-dev
# instead (offline machines; its ~28 libraries load on every cold fetch).
include_guard(GLOBAL)
option(PULLCRED_SYSTEM_CURL
       "Link the system's shared libcurl (libcurl4-openssl-dev) instead of the minimal static one" OFF)
if(PULLCRED_SYSTEM_CURL)
  find_package(CURL 7.84 REQUIRED)
  message(STATUS "libcurl: the system's (${CURL_VERSION_STRING}), PULLCRED_SYSTEM_CURL=ON")
  return()
endif()

if(DEFINED ENV{PULLCRED_DEPS_DIR} AND NOT "$ENV{PULLCRED_DEPS_DIR}" STREQUAL "")
  set(_pullcred_deps_default "$ENV{PULLCRED_DEPS_DIR}")
elseif(DEFINED ENV{HOME} AND NOT "$ENV{HOME}" STREQUAL "")
  set(_pullcred_deps_default "$ENV{HOME}/.cache/pullcred-deps")
else()
  set(_pullcred_deps_default "${PROJECT_BINARY_DIR}/deps")
endif()
set(PULLCRED_DEPS_DIR "${_pullcred_deps_default}" CACHE PATH
    "Where third-party libraries built for pullcred are kept, shared by build trees (default $PULLCRED_DEPS_DIR or ~/.cache/pullcred-deps)")

# The key: the recipe and the script that follows it, the compiler that builds
# libcurl (the system's cc, whatever the project's compiler, so that the gcc
# and clang presets share one build) and the OpenSSL it is compiled against.
set(_pullcred_curl_dir "${PROJECT_SOURCE_DIR}/cmake/curl")
include("${_pullcred_curl_dir}/recipe.cmake")
find_program(PULLCRED_CURL_CC NAMES cc gcc REQUIRED)
execute_process(COMMAND "${PULLCRED_CURL_CC}" --version OUTPUT_VARIABLE _pullcred_cc_version ERROR_QUIET)
string(REGEX REPLACE "\n.*" "" _pullcred_cc_version "${_pullcred_cc_version}")
file(SHA256 "${_pullcred_curl_dir}/recipe.cmake" _pullcred_recipe_sha)
file(SHA256 "${_pullcred_curl_dir}/build-curl.cmake" _pullcred_script_sha)
set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             "${_pullcred_curl_dir}/build-curl.cmake")
string(SHA256 _pullcred_curl_key
       "${_pullcred_recipe_sha} ${_pullcred_script_sha} ${_pullcred_cc_version} ${OPENSSL_VERSION} ${CMAKE_SYSTEM_PROCESSOR}")
string(SUBSTRING "${_pullcred_curl_key}" 0 16 _pullcred_curl_key)
set(PULLCRED_CURL_PREFIX "${PULLCRED_DEPS_DIR}/curl-${PULLCRED_CURL_DEBIAN_VERSION}-${_pullcred_curl_key}")

if(NOT EXISTS "${PULLCRED_CURL_PREFIX}/lib/libcurl.a")
  file(MAKE_DIRECTORY "${PULLCRED_DEPS_DIR}")
  # Build trees configured at once wait for the first one's build.
  file(LOCK "${PULLCRED_CURL_PREFIX}.lock" GUARD FILE TIMEOUT 1200 RESULT_VARIABLE _pullcred_lock)
  if(NOT _pullcred_lock STREQUAL "0")
    message(FATAL_ERROR "cannot lock ${PULLCRED_CURL_PREFIX}.lock (${_pullcred_lock}): "
                        "check that ${PULLCRED_DEPS_DIR} is writable, or set PULLCRED_DEPS_DIR")
  endif()
  if(NOT EXISTS "${PULLCRED_CURL_PREFIX}/lib/libcurl.a")
    message(STATUS "libcurl: building ${PULLCRED_CURL_DEBIAN_VERSION} (minimal, static) into ${PULLCRED_CURL_PREFIX}")
    execute_process(
      COMMAND "${CMAKE_COMMAND}" "-DPREFIX=${PULLCRED_CURL_PREFIX}" "-DDOWNLOADS=${PULLCRED_DEPS_DIR}/downloads"
              "-DCC=${PULLCRED_CURL_CC}" -P "${_pullcred_curl_dir}/build-curl.cmake"
      RESULT_VARIABLE _pullcred_curl_rc)
    if(NOT _pullcred_curl_rc EQUAL 0)
      message(FATAL_ERROR "libcurl: the minimal libcurl could not be built (see above); "
                          "-DPULLCRED_SYSTEM_CURL=ON links the system's libcurl4-openssl-dev instead")
    endif()
  endif()
  file(LOCK "${PULLCRED_CURL_PREFIX}.lock" RELEASE)
endif()
message(STATUS "libcurl: minimal static ${PULLCRED_CURL_DEBIAN_VERSION} from ${PULLCRED_CURL_PREFIX}")

find_package(Threads REQUIRED)
add_library(CURL::libcurl STATIC IMPORTED GLOBAL)
set_target_properties(CURL::libcurl PROPERTIES
  IMPORTED_LOCATION "${PULLCRED_CURL_PREFIX}/lib/libcurl.a"
  INTERFACE_INCLUDE_DIRECTORIES "${PULLCRED_CURL_PREFIX}/include"
  INTERFACE_COMPILE_DEFINITIONS CURL_STATICLIB
  INTERFACE_LINK_LIBRARIES "OpenSSL::SSL;OpenSSL::Crypto;Threads::Threads")

# Its licence travels with the bundle and the .deb beside those of the
# libraries the bundle copies in (packaging/bundle/make-bundle.sh).
install(FILES "${PULLCRED_CURL_PREFIX}/share/doc/curl/copyright" "${PULLCRED_CURL_PREFIX}/VERSION"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}/third-party/curl" COMPONENT runtime)
