// The SigV4 canonical request (shared by HMAC SigV4 and Roles Anywhere's
// SigV4-X509):
//
//   METHOD\n canonical URI\n canonical query\n canonical headers\n\n
//   signed header list\n payload hash
#pragma once

#include "aws/result.hpp"
#include "aws/sigv4/request.hpp"

#include <string>
#include <utility>
#include <vector>

namespace pullcred::aws {

// Which of the request's headers the canonical request covers.
class SignedHeaderSelection {
public:
    // Every header the request carries except is_unsigned_header() ones,
    // plus host (botocore's SigV4Auth.headers_to_sign).
    static SignedHeaderSelection all_headers() { return SignedHeaderSelection(true, {}); }
    // Exactly these names (any case; "host" may be derived from the URL,
    // every other name must be carried by the request). Roles Anywhere:
    // {"content-type", "host", "x-amz-date", "x-amz-x509"[, "x-amz-x509-chain"]}.
    static SignedHeaderSelection exactly(std::vector<std::string> names) {
        return SignedHeaderSelection(false, std::move(names));
    }

    [[nodiscard]] bool is_all() const { return all_; }
    [[nodiscard]] const std::vector<std::string> &names() const { return names_; }

private:
    SignedHeaderSelection(bool all, std::vector<std::string> names) : all_(all), names_(std::move(names)) {}
    bool all_;
    std::vector<std::string> names_;
};

struct CanonicalRequest {
    std::string text;           // the canonical request itself
    std::string signed_headers; // "host;x-amz-date;...", as in the Authorization header
    std::string payload_hash;   // its last line
};

// Errors: malformed URL or method, invalid header names or values (CR/LF,
// other control characters), a selected header the request does not carry.
// The payload hash is the value of an X-Amz-Content-SHA256 header when the
// request carries one (as botocore does), else the hex SHA-256 of the body.
// Path handling is that of every service but S3.
Result<CanonicalRequest> build_canonical_request(const HttpRequestToSign &request,
                                                 const SignedHeaderSelection &selection);

} // namespace pullcred::aws
