#include "request/service_account.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "util/sha256.hpp"

namespace pullcred::request {

namespace {

std::optional<std::string> base64url_decode(std::string_view text) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        int value = -1;
        if (c >= 'A' && c <= 'Z')
            value = c - 'A';
        else if (c >= 'a' && c <= 'z')
            value = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            value = c - '0' + 52;
        else if (c == '-')
            value = 62;
        else if (c == '_')
            value = 63;
        else if (c == '=')
            break;
        else
            return std::nullopt;
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    return out;
}

std::optional<std::string> string_setting(const nlohmann::json &object, const char *key) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string() || it->get_ref<const std::string &>().empty())
        return std::nullopt;
    return it->get<std::string>();
}

} // namespace

std::string token_identity(std::string_view token) {
    const auto first = token.find('.');
    const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second != std::string_view::npos) {
        if (auto payload = base64url_decode(token.substr(first + 1, second - first - 1))) {
            auto claims = nlohmann::json::parse(*payload, nullptr, false);
            if (claims.is_object()) {
                auto subject = string_setting(claims, "sub");
                std::string uid;
                if (auto k8s = claims.find("kubernetes.io"); k8s != claims.end() && k8s->is_object())
                    if (auto account = k8s->find("serviceaccount");
                        account != k8s->end() && account->is_object())
                        uid = string_setting(*account, "uid").value_or("");
                if (subject) return *subject + (uid.empty() ? "" : "/" + uid);
            }
        }
    }
    return "token-sha256:" + sha256_hex(token);
}

Result<std::optional<ServiceAccountPlan>> plan_service_account(const kubelet::Request &request,
                                                               const config::Rule &rule) {
    if (!request.service_account_token) return std::optional<ServiceAccountPlan>{};
    const auto settings = rule.settings.value("serviceAccount", nlohmann::json::object());
    const auto annotation =
        string_setting(settings, "roleAnnotation").value_or(std::string(kDefaultRoleAnnotation));

    std::optional<std::string> role;
    if (auto it = request.service_account_annotations.find(annotation);
        it != request.service_account_annotations.end() && !it->second.empty())
        role = it->second;
    if (!role) role = string_setting(settings, "roleArn");
    if (!role) {
        if (const char *env = std::getenv("AWS_ECR_ROLE_ARN"); env != nullptr && *env != '\0') role = env;
    }
    if (!role) {
        if (settings.value("required", false))
            return make_error("registries[" + std::to_string(rule.index) +
                              "] requires a service-account role, and " +
                              "the pod's service account has no " + annotation + " annotation");
        return std::optional<ServiceAccountPlan>{};
    }
    return std::optional<ServiceAccountPlan>{
        ServiceAccountPlan{*role, token_identity(*request.service_account_token) + "|" + *role}};
}

} // namespace pullcred::request
