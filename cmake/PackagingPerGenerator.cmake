# CPACK_PROJECT_CONFIG_FILE: read by cpack once per generator.
if(CPACK_GENERATOR STREQUAL "DEB")
  set(CPACK_PACKAGING_INSTALL_PREFIX "${CPACK_PULLCRED_BUNDLE_PREFIX}")
else()
  # The tarball holds pullcred-<version>-linux-x86_64/{bin,lib,share}:
  #   mkdir -p /opt/pullcred && tar -xzf <file> --strip-components=1 -C /opt/pullcred
  set(CPACK_PACKAGING_INSTALL_PREFIX "/")
endif()
