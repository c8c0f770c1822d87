// String to sign and Authorization header, shared by HMAC SigV4
// ("AWS4-HMAC-SHA256") and Roles Anywhere's SigV4-X509
// ("AWS4-X509-RSA-SHA256", "AWS4-X509-ECDSA-SHA256"), which only differ in
// what signs the string to sign.
#pragma once

#include "aws/result.hpp"
#include "aws/sigv4/canonical_request.hpp"
#include "aws/sigv4/request.hpp"
#include "aws/sigv4/scope.hpp"

#include <string>
#include <string_view>

namespace pullcred::aws {

inline constexpr std::string_view kHmacAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kX509RsaAlgorithm = "AWS4-X509-RSA-SHA256";
inline constexpr std::string_view kX509EcdsaAlgorithm = "AWS4-X509-ECDSA-SHA256";

// "<algorithm>\n<amz_date>\n<credential scope>\n<hex sha256(canonical request)>"
Result<std::string> string_to_sign(std::string_view algorithm, std::string_view amz_date,
                                   std::string_view credential_scope, std::string_view canonical_request);

// "<algorithm> Credential=<credential_id>/<scope>, SignedHeaders=<list>, Signature=<hex>"
// (credential_id: the access key id, or for X.509 the leaf serial in decimal).
std::string authorization_header(std::string_view algorithm, std::string_view credential_id,
                                 std::string_view credential_scope, std::string_view signed_headers,
                                 std::string_view signature_hex);

struct PreparedSignature {
    std::string amz_date;         // the X-Amz-Date value, to send with the request
    std::string credential_scope; // <yyyymmdd>/<region>/<service>/aws4_request
    CanonicalRequest canonical_request;
    std::string string_to_sign; // what the key (HMAC or private) signs
};

// Everything before the signature itself: adds "X-Amz-Date" (from
// scope.time) to a copy of `request`, builds the canonical request over the
// selected headers and the string to sign for `algorithm`.
// Errors: bad scope, an S3 service (its path rules differ and are not
// implemented), a request already carrying X-Amz-Date or Authorization, an
// exactly() selection missing "host" or "x-amz-date", and those of
// build_canonical_request().
//
// Roles Anywhere, for instance:
//   prepare_signature(request, kX509RsaAlgorithm, {"rolesanywhere", region, now},
//       SignedHeaderSelection::exactly({"content-type", "host", "x-amz-date", "x-amz-x509"}))
// then sign string_to_sign with the private key, and send X-Amz-Date and
//   authorization_header(kX509RsaAlgorithm, serial_decimal, credential_scope,
//                        canonical_request.signed_headers, hex(signature)).
Result<PreparedSignature> prepare_signature(const HttpRequestToSign &request, std::string_view algorithm,
                                            const SigningScope &scope,
                                            const SignedHeaderSelection &selection);

} // namespace pullcred::aws
