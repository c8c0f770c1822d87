// Entry point of libpullcred-net.so: the NetServices implementation
// (curl_net_services.hpp). libcurl's global state is initialised once, on
// the first call, under C++'s thread-safe static initialisation; it is never
// cleaned up, since the library stays loaded until exit.
#include "http/curl_net_services.hpp"

#include <curl/curl.h>

extern "C" __attribute__((visibility("default"))) pullcred::net::NetServices *pullcred_net_services() {
    static pullcred::net::NetServices *const services = []() -> pullcred::net::NetServices * {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return nullptr;
        static pullcred::net::CurlNetServices instance;
        return &instance;
    }();
    return services;
}
