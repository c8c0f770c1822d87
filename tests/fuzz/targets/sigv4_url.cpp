// aws::parse_url: the URL parser SigV4 signs from (urlsplit semantics).
// Properties: never crashes; an accepted URL is http(s), has a lower-case
// non-empty host, a path that is empty or starts with '/', a Host header
// without the default port; and rebuilding "scheme://host[:port]path[?query]"
// parses to the same Url.
#include "aws/sigv4/url.hpp"
#include "fuzz_check.hpp"

using namespace pullcred;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    auto url = aws::parse_url(text);
    if (!url) {
        // Error messages never quote the URL (it may carry credentials): fixed texts only.
        const auto &message = url.error().message;
        bool known = false;
        for (const std::string_view fixed : {
                 "URL contains control characters",
                 "not an absolute http(s) URL",
                 "URL scheme is not http or https",
                 "URL has no host",
                 "URL user information is not supported",
                 "URL has an unterminated IPv6 address",
                 "URL has a malformed IPv6 address",
                 "URL has garbage after its IPv6 address",
                 "URL host is empty or has characters outside [A-Za-z0-9._-]",
                 "URL port is not a number",
                 "URL port is out of range",
             })
            known = known || message == fixed;
        FUZZ_CHECK(known, "unexpected error text (quotes the URL?): " + fuzz::escape(message));
        return 0;
    }
    const auto what = "URL " + fuzz::escape(text);
    FUZZ_CHECK(url->scheme == "http" || url->scheme == "https", what);
    FUZZ_CHECK(!url->host.empty() &&
                   url->host.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos,
               what + ": host " + url->host);
    FUZZ_CHECK(url->path.empty() || url->path.front() == '/', what + ": path " + url->path);
    FUZZ_CHECK(url->path.find_first_of("?#") == std::string::npos, what + ": path keeps query or fragment");
    FUZZ_CHECK(url->query.find('#') == std::string::npos, what + ": query keeps the fragment");
    const auto header = url->host_header();
    FUZZ_CHECK(header.starts_with(url->host), what + ": Host header " + header);
    const std::uint16_t default_port = url->scheme == "https" ? 443 : 80;
    FUZZ_CHECK((header == url->host) == (!url->port || *url->port == default_port),
               what + ": Host " + header);

    std::string rebuilt = url->scheme + "://" + url->host;
    if (url->port) rebuilt += ":" + std::to_string(*url->port);
    rebuilt += url->path;
    if (!url->query.empty()) rebuilt += "?" + url->query;
    auto again = aws::parse_url(rebuilt);
    FUZZ_CHECK(again.ok(), what + ": rebuilt " + fuzz::escape(rebuilt) + " refused");
    FUZZ_CHECK(again->scheme == url->scheme && again->host == url->host && again->port == url->port &&
                   again->path == url->path && again->query == url->query,
               what + ": rebuilt " + fuzz::escape(rebuilt) + " reads differently");
    return 0;
}
