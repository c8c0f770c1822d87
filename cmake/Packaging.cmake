# CPack: the node bundle (PULLCRED_BUNDLE_DIR, made by the `bundle` target) as
# pullcred-<version>-linux-x86_64.tar.gz and pullcred_<version>_amd64.deb.
# CPack installs only the `bundle` component, whose one rule copies the
# finished bundle: the regular install rules never reach the packages, and
# the .deb puts the bundle in PULLCRED_BUNDLE_PREFIX (/opt/pullcred), where
# its executables' interpreter path points.
# PULLCRED_BUNDLE_DIR in the environment of cpack packages another bundle.
install(CODE "
  set(dest \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}\")
  set(bundle \"\$ENV{PULLCRED_BUNDLE_DIR}\")
  if(NOT bundle)
    set(bundle \"${PULLCRED_BUNDLE_DIR}\")
  endif()
  if(NOT EXISTS \"\${bundle}/bin\")
    message(FATAL_ERROR \"no node bundle in \${bundle}: build the bundle target first\")
  endif()
  file(COPY \"\${bundle}/\" DESTINATION \"\${dest}\" USE_SOURCE_PERMISSIONS)
" COMPONENT bundle EXCLUDE_FROM_ALL)

set(CPACK_PACKAGE_NAME pullcred)
set(CPACK_PACKAGE_VENDOR "pullcred")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION} (self-contained node bundle)")
set(CPACK_PACKAGE_FILE_NAME "pullcred-${PROJECT_VERSION}-linux-x86_64")
set(CPACK_GENERATOR TGZ DEB)
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};pullcred;bundle;/")
set(CPACK_STRIP_FILES OFF)
set(CPACK_THREADS 2)
set(CPACK_PROJECT_CONFIG_FILE "${CMAKE_CURRENT_LIST_DIR}/PackagingPerGenerator.cmake")
set(CPACK_PULLCRED_BUNDLE_PREFIX "${PULLCRED_BUNDLE_PREFIX}")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "pullcred maintainers")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Image credential provider for kubelet.\nSelf-contained: ships its own glibc and OpenSSL in ${PULLCRED_BUNDLE_PREFIX}/lib/pullcred/sys, libcurl linked in.")
# Nothing from the host: the bundle carries every library it loads.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "")

include(CPack)
