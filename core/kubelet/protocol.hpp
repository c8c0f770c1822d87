// The kubelet image credential provider protocol
// (credentialprovider.kubelet.k8s.io v1, v1beta1, v1alpha1).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace pullcred::kubelet {

enum class ApiVersion { v1, v1beta1, v1alpha1 };

std::string_view to_string(ApiVersion version);

inline constexpr std::size_t kMaxRequestBytes = std::size_t{256} * 1024;

struct Request {
    ApiVersion api_version = ApiVersion::v1;
    std::string image;
    std::optional<std::string> service_account_token;
    std::map<std::string, std::string> service_account_annotations;
};

enum class CacheKeyType { image, registry, global };

struct AuthConfig {
    std::string username;
    std::string password;
};

struct Response {
    ApiVersion api_version = ApiVersion::v1;
    CacheKeyType cache_key_type = CacheKeyType::registry;
    std::optional<std::chrono::nanoseconds> cache_duration;
    std::map<std::string, AuthConfig> auth;
};

Result<Request> parse_request(std::string_view json);
std::string encode_response(const Response &response);

} // namespace pullcred::kubelet
