# The minimal libcurl pullcred links statically into libpullcred-net.so: what
# is built (Debian's curl source package, its patches applied) and how (the
# options below). cmake/Curl.cmake names the cache directory after this file's
# SHA-256, so any edit here builds anew.
#
# To follow a Debian security update (`apt-cache policy libcurl4-openssl-dev`):
# set the version, then the SHA-256 and SHA-1 of the new .dsc, and copy the
# other three files' Checksums-Sha256 and Checksums-Sha1 from that .dsc.
set(PULLCRED_CURL_DEBIAN_VERSION 7.88.1-10+deb12u15)
set(PULLCRED_CURL_POOL "http://deb.debian.org/debian/pool/main/c/curl")
# name|sha256|sha1, the .dsc first.
set(PULLCRED_CURL_FILES
  "curl_7.88.1-10+deb12u15.dsc|2744f12e3aef161c0361743fa1b318296b122e566e47f381e4a63320fbcc23f4|d0b8754730adcf1f95bb0d38ef4c8613de276db2"
  "curl_7.88.1.orig.tar.gz|cdb38b72e36bc5d33d5b8810f8018ece1baa29a8f215b4495e495ded82bbf3c7|6ae5229c36badb822641bb14958e7d227c57611d"
  "curl_7.88.1.orig.tar.gz.asc|7a5a55d7123149a1b357f298cf895bd0a601e3a2807005ef6c95f3752803485f|9222035242431a3ef31d33a2ca3d881bcf4572fe"
  "curl_7.88.1-10+deb12u15.debian.tar.xz|961b78bc48492c5693e4decb352ddd176f343260a8956f48b2887874048ef23b|03b665ea82b1f319f6944c9473c8c9fd9980838b")

# HTTP/1.1 and HTTPS through OpenSSL, HTTP and HTTPS proxies (basic proxy
# authentication from the proxy URL), the threaded resolver (timeouts with
# CURLOPT_NOSIGNAL), IPv6, curl_getdate (Retry-After) and the URL API.
# Nothing else: no other protocol, no zlib, brotli, zstd, nghttp2, IDN, PSL,
# SSH, GSSAPI/Kerberos, LDAP, NTLM/Digest, cookies, HSTS, alt-svc, DoH, netrc.
# The CA defaults are Debian's (--with-ca-bundle, --with-ca-path); the code
# flags are the hardening of cmake/Hardening.cmake, PIC, and hidden symbols so
# that libpullcred-net.so exports none of libcurl's.
set(PULLCRED_CURL_OPTIONS
  -DCMAKE_BUILD_TYPE=Release
  "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG"
  "-DCMAKE_C_FLAGS=-fvisibility=hidden -ffunction-sections -fdata-sections -fstack-protector-strong -fstack-clash-protection -fcf-protection -D_FORTIFY_SOURCE=2"
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  -DBUILD_SHARED_LIBS=OFF
  -DBUILD_CURL_EXE=OFF
  -DBUILD_TESTING=OFF
  -DENABLE_MANUAL=OFF
  -DPICKY_COMPILER=OFF
  -DHTTP_ONLY=ON
  -DCURL_ENABLE_SSL=ON
  -DCURL_USE_OPENSSL=ON
  -DCURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
  -DCURL_CA_PATH=/etc/ssl/certs
  -DCURL_CA_FALLBACK=OFF
  -DENABLE_THREADED_RESOLVER=ON
  -DENABLE_IPV6=ON
  -DENABLE_ARES=OFF
  -DENABLE_UNIX_SOCKETS=OFF
  -DENABLE_WEBSOCKETS=OFF
  -DCURL_ZLIB=OFF
  -DCURL_BROTLI=OFF
  -DCURL_ZSTD=OFF
  -DUSE_NGHTTP2=OFF
  -DUSE_NGTCP2=OFF
  -DUSE_QUICHE=OFF
  -DUSE_MSH3=OFF
  -DUSE_LIBIDN2=OFF
  -DCURL_USE_LIBPSL=OFF
  -DCURL_USE_LIBSSH2=OFF
  -DCURL_USE_LIBSSH=OFF
  -DCURL_USE_GSSAPI=OFF
  -DCURL_DISABLE_LDAP=ON
  -DCURL_DISABLE_LDAPS=ON
  -DCURL_DISABLE_CRYPTO_AUTH=ON
  -DCURL_DISABLE_NTLM=ON
  -DCURL_DISABLE_COOKIES=ON
  -DCURL_DISABLE_HSTS=ON
  -DCURL_DISABLE_ALTSVC=ON
  -DCURL_DISABLE_DOH=ON
  -DCURL_DISABLE_MIME=ON
  -DCURL_DISABLE_NETRC=ON
  -DCURL_DISABLE_GETOPTIONS=ON
  -DCURL_DISABLE_PROGRESS_METER=ON)
