# Builds the minimal static libcurl from Debian's curl source package, in
# script mode (cmake -P), into PREFIX (lib/libcurl.a, include/curl/):
#   cmake -DPREFIX=<dir> -DDOWNLOADS=<dir> -DCC=<compiler> -P build-curl.cmake
# cmake/Curl.cmake runs it at configure time when PREFIX is not complete yet.
# Every input (package version, hashes, curl options) is in recipe.cmake; the
# digests of both files name PREFIX, so a change of either builds a new one.
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/recipe.cmake")
foreach(var PREFIX DOWNLOADS CC)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "build-curl.cmake: -D${var}=... is required")
  endif()
endforeach()

find_program(DPKG_SOURCE dpkg-source)
if(NOT DPKG_SOURCE)
  message(FATAL_ERROR "dpkg-source not found: apt-get install dpkg-dev, or configure with -DPULLCRED_SYSTEM_CURL=ON")
endif()

# The .dsc and the files it lists, each checked against the SHA-256 pinned in
# recipe.cmake (for the others, the .dsc's own Checksums-Sha256, which
# dpkg-source checks again). Debian's pool drops a version once a newer one
# is published; snapshot.debian.org keeps every file under its SHA-1.
file(MAKE_DIRECTORY "${DOWNLOADS}")
foreach(entry IN LISTS PULLCRED_CURL_FILES)
  string(REPLACE "|" ";" entry "${entry}")
  list(GET entry 0 name)
  list(GET entry 1 sha256)
  list(GET entry 2 sha1)
  set(path "${DOWNLOADS}/${name}")
  if(EXISTS "${path}")
    file(SHA256 "${path}" have)
    if(have STREQUAL sha256)
      continue()
    endif()
    file(REMOVE "${path}")
  endif()
  set(errors "")
  foreach(url "${PULLCRED_CURL_POOL}/${name}" "https://snapshot.debian.org/file/${sha1}")
    file(DOWNLOAD "${url}" "${path}.part" STATUS status TIMEOUT 120 INACTIVITY_TIMEOUT 30)
    list(GET status 0 code)
    list(GET status 1 text)
    if(code EQUAL 0)
      file(SHA256 "${path}.part" have)
      if(have STREQUAL sha256)
        file(RENAME "${path}.part" "${path}")
        break()
      endif()
      set(text "SHA-256 ${have}, not the pinned ${sha256}")
    endif()
    string(APPEND errors " ${url}: ${text};")
    file(REMOVE "${path}.part")
  endforeach()
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR
      "cannot download ${name} (Debian's curl source package ${PULLCRED_CURL_DEBIAN_VERSION}):${errors} "
      "put the .dsc and the files it lists in ${DOWNLOADS}, or configure with -DPULLCRED_SYSTEM_CURL=ON "
      "(apt-get install libcurl4-openssl-dev)")
  endif()
endforeach()

# A private work directory, renamed into PREFIX only when complete, so that an
# interrupted build never leaves a PREFIX that looks finished.
string(RANDOM LENGTH 8 nonce)
set(work "${PREFIX}.work-${nonce}")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")
function(run what)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY "${work}" RESULT_VARIABLE rc
                  OUTPUT_FILE "${work}/${what}.log" ERROR_FILE "${work}/${what}.log")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "building libcurl failed at ${what} (exit ${rc}): see ${work}/${what}.log, "
                        "or configure with -DPULLCRED_SYSTEM_CURL=ON")
  endif()
endfunction()

# dpkg-source applies the package's debian/patches (its quilt series): the
# security fixes, and two last patches (GnuTLS, NSS) that rename the autotools
# library only and leave the CMake build untouched.
list(GET PULLCRED_CURL_FILES 0 dsc)
string(REGEX REPLACE "\\|.*" "" dsc "${dsc}")
run(unpack ${DPKG_SOURCE} --no-copy -x "${DOWNLOADS}/${dsc}" "${work}/src")
set(launcher "")
find_program(CCACHE ccache)
if(CCACHE)
  set(launcher "-DCMAKE_C_COMPILER_LAUNCHER=${CCACHE}")
endif()
run(configure ${CMAKE_COMMAND} -S "${work}/src" -B "${work}/build" -G Ninja
    -DCMAKE_C_COMPILER=${CC} ${launcher} -DCMAKE_INSTALL_PREFIX=${work}/prefix -DCMAKE_INSTALL_LIBDIR=lib
    ${PULLCRED_CURL_OPTIONS})
run(build ${CMAKE_COMMAND} --build "${work}/build")
run(install ${CMAKE_COMMAND} --install "${work}/build")
if(NOT EXISTS "${work}/prefix/lib/libcurl.a")
  message(FATAL_ERROR "building libcurl failed: no ${work}/prefix/lib/libcurl.a after install")
endif()
file(COPY "${work}/src/debian/copyright" DESTINATION "${work}/prefix/share/doc/curl")
file(WRITE "${work}/prefix/VERSION" "curl ${PULLCRED_CURL_DEBIAN_VERSION}\n")

file(REMOVE_RECURSE "${PREFIX}")
file(RENAME "${work}/prefix" "${PREFIX}")
file(REMOVE_RECURSE "${work}")
