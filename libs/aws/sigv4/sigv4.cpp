#include "aws/sigv4/sigv4.hpp"

#include <algorithm>

namespace pullcred::aws {
namespace {

// Printable ASCII but space, '/' and ',' (which would break the
// Credential=... field).
bool is_valid_access_key_id(std::string_view id) {
    return !id.empty() && std::all_of(id.begin(), id.end(),
                                      [](char c) { return c > 0x20 && c < 0x7f && c != '/' && c != ','; });
}

Status check_credentials(const AwsCredentials &credentials) {
    if (!is_valid_access_key_id(credentials.access_key_id))
        return Error{"AWS access key id is empty or malformed"};
    if (credentials.secret_access_key.empty()) return Error{"AWS secret access key is empty"};
    if (!is_valid_header_value(credentials.session_token)) {
        return Error{"AWS session token has control characters"};
    }
    return ok();
}

Status check_reserved_headers(const HeaderList &headers) {
    for (const auto &header : headers) {
        const std::string name = to_lower_ascii(header.first);
        if (name == "authorization" || name == "x-amz-date" || name == "x-amz-security-token" ||
            name == "date") {
            return Error{"the request to sign already has a " + name + " header"};
        }
    }
    return ok();
}

} // namespace

Result<Sha256Digest> derive_signing_key(std::string_view secret_access_key, std::string_view yyyymmdd,
                                        std::string_view region, std::string_view service) {
    std::string seed = "AWS4";
    seed.append(secret_access_key);
    auto key = hmac_sha256(seed, yyyymmdd);
    secure_wipe(seed);
    for (std::string_view part : {region, service, std::string_view("aws4_request")}) {
        if (!key) return key.error();
        Sha256Digest previous = *key;
        key = hmac_sha256(previous, part);
        secure_wipe(previous);
    }
    return key;
}

Result<SigV4Signature> sign_sigv4_detailed(const HttpRequestToSign &request,
                                           const AwsCredentials &credentials, const SigningScope &scope) {
    if (auto checked = check_credentials(credentials); !checked) return checked.error();
    if (auto checked = check_reserved_headers(request.headers); !checked) return checked.error();

    const HttpRequestToSign *to_sign = &request;
    HttpRequestToSign with_token;
    if (!credentials.session_token.empty()) {
        with_token = request;
        with_token.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
        to_sign = &with_token;
    }
    auto prepared = prepare_signature(*to_sign, kHmacAlgorithm, scope, SignedHeaderSelection::all_headers());
    if (!prepared) return prepared.error();

    auto key = derive_signing_key(credentials.secret_access_key, prepared->amz_date.substr(0, 8),
                                  scope.region, scope.service);
    if (!key) return key.error();
    auto signature = hmac_sha256(*key, prepared->string_to_sign);
    secure_wipe(*key);
    if (!signature) return signature.error();

    SigV4Signature out;
    out.headers.emplace_back("X-Amz-Date", prepared->amz_date);
    if (!credentials.session_token.empty()) {
        out.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
    }
    out.headers.emplace_back("Authorization", authorization_header(kHmacAlgorithm, credentials.access_key_id,
                                                                   prepared->credential_scope,
                                                                   prepared->canonical_request.signed_headers,
                                                                   to_hex(*signature)));
    out.prepared = std::move(*prepared);
    return out;
}

Result<HeaderList> sign_sigv4(const HttpRequestToSign &request, const AwsCredentials &credentials,
                              const SigningScope &scope) {
    auto signed_request = sign_sigv4_detailed(request, credentials, scope);
    if (!signed_request) return signed_request.error();
    return std::move(signed_request->headers);
}

} // namespace pullcred::aws
