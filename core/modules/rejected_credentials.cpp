#include "modules/rejected_credentials.hpp"

#include <array>
#include <cctype>
#include <pullcred/module.hpp>

namespace pullcred::modules {

namespace {
// AWS error codes that mean "these credentials", not "this request": from
// the JSON protocols' __type / x-amzn-ErrorType and the query protocol's <Code>.
constexpr std::array<std::string_view, 12> kRefusalCodes = {"UnrecognizedClientException",
                                                            "InvalidSignatureException",
                                                            "SignatureDoesNotMatch",
                                                            "IncompleteSignature",
                                                            "InvalidClientTokenId",
                                                            "ExpiredToken",
                                                            "ExpiredTokenException",
                                                            "InvalidToken",
                                                            "AccessDenied",
                                                            "AccessDeniedException",
                                                            "AuthFailure",
                                                            "MissingAuthenticationToken"};

bool names_refusal(std::string_view text) {
    for (const auto code : kRefusalCodes) {
        const auto at = text.find(code);
        if (at == std::string_view::npos) continue;
        const auto end = at + code.size();
        const bool word_end =
            end == text.size() || !(std::isalnum(static_cast<unsigned char>(text[end])) != 0);
        const bool word_start = at == 0 || !(std::isalnum(static_cast<unsigned char>(text[at - 1])) != 0);
        if (word_start && word_end) return true;
    }
    return false;
}
} // namespace

std::optional<std::string> signing_access_key(const pullcred_http_request &request) {
    for (std::size_t i = 0; i < request.header_count; ++i) {
        const auto name = sdk::view(request.headers[i].name);
        if (!sdk::detail::iequals(name, "Authorization")) continue;
        const auto value = sdk::view(request.headers[i].value);
        constexpr std::string_view kCredential = "Credential=";
        const auto at = value.find(kCredential);
        if (at == std::string_view::npos) return std::nullopt;
        const auto start = at + kCredential.size();
        const auto slash = value.find('/', start);
        if (slash == std::string_view::npos) return std::nullopt;
        return std::string(value.substr(start, slash - start));
    }
    return std::nullopt;
}

bool credentials_refused(int status, std::string_view error_type_header, std::string_view body_start) {
    if (status != 400 && status != 401 && status != 403) return false;
    return names_refusal(error_type_header) || names_refusal(body_start);
}

} // namespace pullcred::modules
