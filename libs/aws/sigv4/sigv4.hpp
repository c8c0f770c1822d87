// AWS Signature Version 4 (HMAC-SHA256), checked against botocore's
// SigV4Auth. Including this header brings in the whole signing toolkit:
//
//   url.hpp               parse_url(): scheme, host, port, path, query
//   uri_encode.hpp        uri_encode(), encode_query()
//   canonical_path.hpp    canonical_uri(), remove_dot_segments()
//   canonical_query.hpp   canonical_query_string()
//   headers.hpp           canonical_header_value(), header name/value checks
//   canonical_request.hpp build_canonical_request(), SignedHeaderSelection
//   scope.hpp             SigningScope, format_amz_date(), credential_scope()
//   string_to_sign.hpp    string_to_sign(), prepare_signature(), authorization_header()
//   hash.hpp              sha256_hex(), hmac_sha256(), to_hex()
#pragma once

#include "aws/result.hpp"
#include "aws/sigv4/canonical_path.hpp"
#include "aws/sigv4/canonical_query.hpp"
#include "aws/sigv4/canonical_request.hpp"
#include "aws/sigv4/hash.hpp"
#include "aws/sigv4/headers.hpp"
#include "aws/sigv4/request.hpp"
#include "aws/sigv4/scope.hpp"
#include "aws/sigv4/string_to_sign.hpp"
#include "aws/sigv4/uri_encode.hpp"
#include "aws/sigv4/url.hpp"

#include <string>
#include <string_view>

namespace pullcred::aws {

struct AwsCredentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token; // empty when none
};

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, yyyymmdd), region), service), "aws4_request")
Result<Sha256Digest> derive_signing_key(std::string_view secret_access_key, std::string_view yyyymmdd,
                                        std::string_view region, std::string_view service);

struct SigV4Signature {
    // To add to the request, in this order: X-Amz-Date,
    // X-Amz-Security-Token (when the credentials have a session token),
    // Authorization.
    HeaderList headers;
    // Canonical request and string to sign (no secret in them), for
    // debugging signature mismatches.
    PreparedSignature prepared;
};

// Signs `request` as botocore's SigV4Auth does: every header it carries
// (lower-cased; but expect, user-agent, x-amzn-trace-id) plus host,
// x-amz-date and x-amz-security-token. The request must not carry
// Authorization, X-Amz-Date, X-Amz-Security-Token or Date (the signer sets
// the date and token). Errors never contain the secret key or the token.
Result<SigV4Signature> sign_sigv4_detailed(const HttpRequestToSign &request,
                                           const AwsCredentials &credentials, const SigningScope &scope);

// sign_sigv4_detailed(...).headers.
Result<HeaderList> sign_sigv4(const HttpRequestToSign &request, const AwsCredentials &credentials,
                              const SigningScope &scope);

} // namespace pullcred::aws
