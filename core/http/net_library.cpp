// Entry point of libpullcred-net.so: the NetServices implementation
// (curl_net_services.hpp). libcurl's global state is initialised once, on
// the first call, under C++'s thread-safe static initialisation; it is never
// cleaned up, since the library stays loaded until exit. Nor is OpenSSL's: its
// exit handler would only free memory the process is about to give back, and
// costs a cold fetch about 5% of its instructions.
#include "http/curl_net_services.hpp"

#include <curl/curl.h>
#include <openssl/crypto.h>

extern "C" __attribute__((visibility("default"))) pullcred::net::NetServices *pullcred_net_services() {
    static pullcred::net::NetServices *const services = []() -> pullcred::net::NetServices * {
        if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr) != 1) return nullptr;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return nullptr;
        static pullcred::net::CurlNetServices instance;
        return &instance;
    }();
    return services;
}
