#include "aws/sigv4/string_to_sign.hpp"

#include "aws/sigv4/hash.hpp"
#include "aws/sigv4/headers.hpp"

#include <algorithm>

namespace pullcred::aws {
namespace {

bool carries_header(const HeaderList &headers, std::string_view lower_case_name) {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto &header) { return to_lower_ascii(header.first) == lower_case_name; });
}

bool selects(const SignedHeaderSelection &selection, std::string_view lower_case_name) {
    return selection.is_all() ||
           std::any_of(selection.names().begin(), selection.names().end(),
                       [&](const std::string &name) { return to_lower_ascii(name) == lower_case_name; });
}

bool is_algorithm_name(std::string_view algorithm) {
    return !algorithm.empty() && std::all_of(algorithm.begin(), algorithm.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    });
}

} // namespace

Result<std::string> string_to_sign(std::string_view algorithm, std::string_view amz_date,
                                   std::string_view credential_scope, std::string_view canonical_request) {
    auto hash = sha256_hex(canonical_request);
    if (!hash) return hash.error();
    std::string out;
    out.reserve(algorithm.size() + amz_date.size() + credential_scope.size() + hash->size() + 3);
    out.append(algorithm);
    out.push_back('\n');
    out.append(amz_date);
    out.push_back('\n');
    out.append(credential_scope);
    out.push_back('\n');
    out.append(*hash);
    return out;
}

std::string authorization_header(std::string_view algorithm, std::string_view credential_id,
                                 std::string_view credential_scope, std::string_view signed_headers,
                                 std::string_view signature_hex) {
    std::string out(algorithm);
    out += " Credential=";
    out.append(credential_id);
    out.push_back('/');
    out.append(credential_scope);
    out += ", SignedHeaders=";
    out.append(signed_headers);
    out += ", Signature=";
    out.append(signature_hex);
    return out;
}

Result<PreparedSignature> prepare_signature(const HttpRequestToSign &request, std::string_view algorithm,
                                            const SigningScope &scope,
                                            const SignedHeaderSelection &selection) {
    if (!is_algorithm_name(algorithm)) return Error{"signing algorithm name is empty or malformed"};
    if (auto checked = check_scope(scope); !checked) return checked.error();
    if (scope.service.starts_with("s3")) return Error{"S3 request signing is not supported"};
    if (carries_header(request.headers, "x-amz-date")) return Error{"the request already has X-Amz-Date"};
    if (carries_header(request.headers, "authorization"))
        return Error{"the request already has Authorization"};
    if (!selects(selection, "host")) return Error{"the signed header list must include host"};
    if (!selects(selection, "x-amz-date")) return Error{"the signed header list must include x-amz-date"};

    PreparedSignature out;
    auto amz_date = format_amz_date(scope.time);
    if (!amz_date) return amz_date.error();
    out.amz_date = std::move(*amz_date);
    out.credential_scope = credential_scope(out.amz_date, scope.region, scope.service);

    HttpRequestToSign dated = request;
    dated.headers.emplace_back("X-Amz-Date", out.amz_date);
    auto canonical = build_canonical_request(dated, selection);
    if (!canonical) return canonical.error();
    out.canonical_request = std::move(*canonical);

    auto to_sign = string_to_sign(algorithm, out.amz_date, out.credential_scope, out.canonical_request.text);
    if (!to_sign) return to_sign.error();
    out.string_to_sign = std::move(*to_sign);
    return out;
}

} // namespace pullcred::aws
