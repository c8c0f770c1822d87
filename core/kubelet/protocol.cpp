#include "kubelet/protocol.hpp"

#include <nlohmann/json.hpp>

#include "text/quote.hpp"
#include "util/duration.hpp"
#include "util/json_strict.hpp"

namespace pullcred::kubelet {

namespace {

constexpr std::string_view kGroup = "credentialprovider.kubelet.k8s.io/";

std::optional<ApiVersion> parse_api_version(std::string_view text) {
    if (text.substr(0, kGroup.size()) != kGroup) return std::nullopt;
    const auto version = text.substr(kGroup.size());
    if (version == "v1") return ApiVersion::v1;
    if (version == "v1beta1") return ApiVersion::v1beta1;
    if (version == "v1alpha1") return ApiVersion::v1alpha1;
    return std::nullopt;
}

std::string_view to_string(CacheKeyType type) {
    switch (type) {
    case CacheKeyType::image:
        return "Image";
    case CacheKeyType::registry:
        return "Registry";
    case CacheKeyType::global:
        return "Global";
    }
    return "Registry";
}

Error request_error(std::string_view what) {
    return Error::failed("kubelet request: " + std::string(what));
}

} // namespace

std::string_view to_string(ApiVersion version) {
    switch (version) {
    case ApiVersion::v1:
        return "credentialprovider.kubelet.k8s.io/v1";
    case ApiVersion::v1beta1:
        return "credentialprovider.kubelet.k8s.io/v1beta1";
    case ApiVersion::v1alpha1:
        return "credentialprovider.kubelet.k8s.io/v1alpha1";
    }
    return "credentialprovider.kubelet.k8s.io/v1";
}

Result<Request> parse_request(std::string_view json) {
    if (json.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return request_error("empty input on stdin (kubelet sends a CredentialProviderRequest)");
    if (json.size() > kMaxRequestBytes)
        return request_error("larger than " + std::to_string(kMaxRequestBytes) + " bytes");
    auto parsed = parse_json_strict(json);
    if (!parsed) return request_error(parsed.error().message);
    const auto &doc = *parsed;
    if (!doc.is_object()) return request_error("expected a JSON object");

    Request request;
    const auto string_field = [&](const char *name) -> const std::string * {
        auto it = doc.find(name);
        return (it != doc.end() && it->is_string()) ? it->get_ptr<const std::string *>() : nullptr;
    };
    const auto *kind = string_field("kind");
    if (kind == nullptr || *kind != "CredentialProviderRequest")
        return request_error("kind must be \"CredentialProviderRequest\"");
    const auto *api_version = string_field("apiVersion");
    if (api_version == nullptr) return request_error("apiVersion is missing");
    auto version = parse_api_version(*api_version);
    if (!version)
        return request_error("unsupported apiVersion " + text::quote_bounded(*api_version) +
                             " (supported: credentialprovider.kubelet.k8s.io/v1, v1beta1, v1alpha1)");
    request.api_version = *version;

    for (const auto &[key, value] : doc.items()) {
        if (key == "kind" || key == "apiVersion") continue;
        if (key == "image") {
            if (!value.is_string() || value.get_ref<const std::string &>().empty())
                return request_error("image must be a non-empty string");
            request.image = value.get<std::string>();
        } else if (key == "serviceAccountToken") {
            if (!value.is_string()) return request_error("serviceAccountToken must be a string");
            if (!value.get_ref<const std::string &>().empty())
                request.service_account_token = value.get<std::string>();
        } else if (key == "serviceAccountAnnotations") {
            if (value.is_null()) continue;
            if (!value.is_object()) return request_error("serviceAccountAnnotations must be an object");
            for (const auto &[name, annotation] : value.items()) {
                if (!annotation.is_string())
                    return request_error("serviceAccountAnnotations[" + text::quote_bounded(name) +
                                         "] must be a string");
                request.service_account_annotations[name] = annotation.get<std::string>();
            }
        }
        // Other fields are ignored: a newer kubelet may add some.
    }
    if (request.image.empty()) return request_error("image is missing");
    return request;
}

std::string encode_response(const Response &response) {
    nlohmann::ordered_json doc;
    doc["kind"] = "CredentialProviderResponse";
    doc["apiVersion"] = std::string(to_string(response.api_version));
    doc["cacheKeyType"] = std::string(to_string(response.cache_key_type));
    if (response.cache_duration) doc["cacheDuration"] = format_go_duration(*response.cache_duration);
    auto &auth = doc["auth"];
    auth = nlohmann::ordered_json::object();
    for (const auto &[registry, config] : response.auth)
        auth[registry] = {{"username", config.username}, {"password", config.password}};
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

} // namespace pullcred::kubelet
