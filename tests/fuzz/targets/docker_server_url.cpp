// cli::parse_server_url: the stdin of `docker-credential get`.
// Properties: the registry has no '/' and no scheme and is part of the URL;
// the URL has no trailing newline; parsing the URL again gives the same.
#include "cli/server_url.hpp"
#include "fuzz_check.hpp"

using namespace pullcred;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    auto parsed = cli::parse_server_url(text);
    if (!parsed) return 0;
    FUZZ_CHECK(!parsed->registry.empty() && parsed->registry.find('/') == std::string::npos,
               "registry " + fuzz::escape(parsed->registry));
    FUZZ_CHECK(parsed->url.find(parsed->registry) != std::string::npos, "registry not in the URL");
    FUZZ_CHECK(parsed->url.empty() || parsed->url.back() != '\n', "trailing newline kept");
    auto again = cli::parse_server_url(parsed->url);
    FUZZ_CHECK(again && again->url == parsed->url && again->registry == parsed->registry, "not stable");
    return 0;
}
