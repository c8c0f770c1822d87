// Deterministic generator of awkward SigV4 requests for the botocore check.
#pragma once

#include "aws/sigv4/sigv4.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pullcred::aws::testing {

struct GeneratedCase {
    int id = 0;
    HttpRequestToSign request;
    AwsCredentials credentials;
    SigningScope scope;
    std::int64_t epoch_ms = 0; // scope.time, for the oracle
    // URL pieces, for mutations: url = base + path + ("?" + query) + fragment.
    std::string base, path, query, fragment;
    bool has_query = false;
};

// splitmix64: the same sequence on every platform and standard library.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next();
    std::size_t below(std::size_t bound) { return bound == 0 ? 0 : static_cast<std::size_t>(next() % bound); }
    bool percent(unsigned chance) { return below(100) < chance; }
    template <class T> const T &pick(const std::vector<T> &items) { return items[below(items.size())]; }

private:
    std::uint64_t state_;
};

std::string assemble_url(const GeneratedCase &c);

// `count` cases from `seed`; case 0 is AWS's get-vanilla example.
std::vector<GeneratedCase> generate_cases(std::uint64_t seed, std::size_t count);

std::string base64(const std::string &bytes);

} // namespace pullcred::aws::testing
