// parse_ecr_host / match_ecr_private_host and parse_endpoint_url /
// resolve_endpoint, on the same input.
// Properties: never crashes; the hand-written ECR host matcher agrees with
// the reference provider's regex (run through std::regex, for inputs up to
// 256 bytes); an accepted host rebuilds from its parts; an endpoint URL
// override that parses rebuilds from its parts and is accepted, with the
// same scheme, host, port and path, by the SigV4 URL parser that signs
// requests to it; only valid regions resolve, and their default endpoints
// parse too.
#include <regex>

#include "aws/endpoints/ecr_host.hpp"
#include "aws/endpoints/endpoint.hpp"
#include "aws/sigv4/url.hpp"
#include "fuzz_check.hpp"

using namespace pullcred;

namespace {

// reference/aws.md, with RE2's `$` (end of text) as regex_match's whole-string match.
const std::regex &ecr_regex() {
    static const std::regex regex(R"(([0-9]{12})\.dkr[\.\-]ecr(\-fips)?\.([a-zA-Z0-9][a-zA-Z0-9_-]*)\.)"
                                  R"((amazonaws\.(?:com(?:\.cn)?|eu)|on\.(?:aws|amazonwebservices\.com\.cn)|)"
                                  R"(sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov))",
                                  std::regex::ECMAScript | std::regex::optimize);
    return regex;
}

void check_ecr(std::string_view text) {
    const auto match = aws::match_ecr_private_host(text);
    if (text.size() <= 256) {
        std::match_results<std::string_view::const_iterator> groups;
        const bool expected = std::regex_match(text.begin(), text.end(), groups, ecr_regex());
        FUZZ_CHECK(match.has_value() == expected,
                   "ECR host matcher disagrees with the regex on " + fuzz::escape(text));
        if (expected) {
            FUZZ_CHECK(match->account == groups.str(1) && match->fips == groups[2].matched &&
                           match->region == groups.str(3) && match->suffix == groups.str(4),
                       "capture groups differ on " + fuzz::escape(text));
        }
    }
    if (match) {
        const std::string rebuilt = std::string(match->account) + ".dkr" + match->separator + "ecr" +
                                    (match->fips ? "-fips." : ".") + std::string(match->region) + "." +
                                    std::string(match->suffix);
        FUZZ_CHECK(rebuilt == text, "rebuilt " + rebuilt);
    }

    const auto host = aws::parse_ecr_host(text);
    if (!host) return;
    std::string_view bare = text;
    if (host->port) {
        const auto colon = text.rfind(':');
        FUZZ_CHECK(colon != std::string_view::npos && *host->port != 0, "port without ':'");
        bare = text.substr(0, colon);
        unsigned value = 0;
        for (const char c : text.substr(colon + 1)) value = value * 10 + static_cast<unsigned>(c - '0');
        FUZZ_CHECK(value == *host->port, "port value differs");
    }
    FUZZ_CHECK(host->host == bare, "host is not the input without its port");
    FUZZ_CHECK(!host->region.empty() && !host->partition.empty(), "no region or partition");
    if (host->kind == aws::EcrRegistryKind::private_registry) {
        const auto again = aws::match_ecr_private_host(bare);
        FUZZ_CHECK(again.has_value() && host->account_id == again->account && host->region == again->region &&
                       host->fips == again->fips,
                   "parse_ecr_host and match_ecr_private_host disagree");
        FUZZ_CHECK(host->account_id.size() == 12, "account id");
    }
}

void check_same_url(const aws::Endpoint &endpoint, std::string_view input) {
    auto url = aws::parse_url(endpoint.url);
    FUZZ_CHECK(url.ok(), "endpoint " + fuzz::escape(endpoint.url) + " (from " + fuzz::escape(input) +
                             ") refused by the SigV4 URL parser: " + (url ? "" : url.error().message));
    FUZZ_CHECK(url->scheme == endpoint.scheme && url->host == endpoint.host && url->path == endpoint.path &&
                   url->query.empty(),
               "SigV4 reads endpoint " + fuzz::escape(endpoint.url) + " differently");
    FUZZ_CHECK(url->port == endpoint.port, "SigV4 reads another port in " + fuzz::escape(endpoint.url));
}

void check_endpoint(std::string_view text) {
    auto endpoint = aws::parse_endpoint_url(text, "fuzz");
    if (endpoint) {
        FUZZ_CHECK(endpoint->scheme == "http" || endpoint->scheme == "https", endpoint->scheme);
        FUZZ_CHECK(endpoint->url == endpoint->scheme + "://" + endpoint->authority() + endpoint->path,
                   "url does not rebuild: " + endpoint->url);
        FUZZ_CHECK(endpoint->path.empty() || (endpoint->path.front() == '/' && endpoint->path.back() != '/'),
                   "path " + endpoint->path);
        FUZZ_CHECK(!endpoint->port || *endpoint->port != 0, "port 0");
        check_same_url(*endpoint, text);
        // The parsed URL is a fixed point.
        auto again = aws::parse_endpoint_url(endpoint->url, "fuzz");
        FUZZ_CHECK(again.ok() && again->url == endpoint->url, "endpoint url is not a fixed point");
    }
    // The input as a region, for each service; and as an explicit override.
    for (const std::string_view service : {"ecr", "ecr-public", "sts", "rolesanywhere"}) {
        aws::EndpointOptions options;
        if (auto resolved = aws::resolve_endpoint(service, text, options); resolved.ok()) {
            // ECR Public's API is in us-east-1 whatever the region.
            FUZZ_CHECK(service == "ecr-public" || aws::is_valid_region(text),
                       "resolved an endpoint for region " + fuzz::escape(text));
            check_same_url(*resolved, text);
        }
        options.endpoint_url = std::string(text);
        if (auto resolved = aws::resolve_endpoint(service, "us-east-1", options); resolved.ok())
            check_same_url(*resolved, text);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    check_ecr(text);
    check_endpoint(text);
    return 0;
}
