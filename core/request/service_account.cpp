#include "request/service_account.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <pullcred/base64.hpp>

#include "text/quote.hpp"
#include "util/sha256.hpp"

namespace pullcred::request {

namespace {

std::optional<std::string> string_setting(const nlohmann::json &object, const char *key) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string() || it->get_ref<const std::string &>().empty())
        return std::nullopt;
    return it->get<std::string>();
}

bool is_iam_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_+=,.@-").find(c) != std::string_view::npos;
}

bool is_iam_name(std::string_view text, std::size_t max_length) {
    return !text.empty() && text.size() <= max_length &&
           std::all_of(text.begin(), text.end(), is_iam_name_char);
}

// A role ARN and where it came from, for the error that refuses it.
Result<std::string> checked_role(std::string role, const std::string &source) {
    if (is_iam_role_arn(role)) return role;
    return Error::failed(
        source + " is " + text::quote_bounded(role) +
        ", which is not an IAM role ARN; set it to arn:<partition>:iam::<12-digit account>:role/"
        "<path/><name> (for example arn:aws:iam::111122223333:role/ecr-pull)");
}

} // namespace

bool is_iam_role_arn(std::string_view text) {
    static constexpr std::array<std::string_view, 8> kPartitions = {
        "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"};
    constexpr std::string_view kArn = "arn:";
    if (!text.starts_with(kArn)) return false;
    text.remove_prefix(kArn.size());
    const auto colon = text.find(':');
    if (colon == std::string_view::npos ||
        std::find(kPartitions.begin(), kPartitions.end(), text.substr(0, colon)) == kPartitions.end())
        return false;
    text.remove_prefix(colon + 1);
    constexpr std::string_view kIam = "iam::";
    if (!text.starts_with(kIam)) return false;
    text.remove_prefix(kIam.size());
    constexpr std::size_t kAccountDigits = 12;
    if (text.size() < kAccountDigits || !std::all_of(text.begin(), text.begin() + kAccountDigits,
                                                     [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    text.remove_prefix(kAccountDigits);
    constexpr std::string_view kRole = ":role/";
    if (!text.starts_with(kRole)) return false;
    text.remove_prefix(kRole.size());
    // IAM's path is "/" or "/a/b/", at most 512 characters with its slashes.
    const auto last_slash = text.rfind('/');
    const auto name = last_slash == std::string_view::npos ? text : text.substr(last_slash + 1);
    if (!is_iam_name(name, 64)) return false;
    if (last_slash == std::string_view::npos) return true;
    const auto path = text.substr(0, last_slash);
    if (path.size() + 2 > 512) return false;
    for (std::size_t start = 0;;) {
        const auto slash = path.find('/', start);
        if (!is_iam_name(path.substr(start, slash - start), 512)) return false;
        if (slash == std::string_view::npos) return true;
        start = slash + 1;
    }
}

bool lacks_required_token(const kubelet::Request &request, const config::Rule &rule) {
    return !request.service_account_token && rule.service_account.required;
}

std::string missing_token_note(const config::Rule &rule) {
    return "registries[" + std::to_string(rule.index) +
           "] requires a service-account token (serviceAccount.required) and kubelet sent none; answering "
           "with no credentials: set tokenAttributes (serviceAccountTokenAudience) for this provider in "
           "kubelet's image credential provider config";
}

std::string token_identity(std::string_view token) {
    const auto first = token.find('.');
    const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second != std::string_view::npos) {
        if (auto payload =
                sdk::base64_decode(token.substr(first + 1, second - first - 1), sdk::Base64Alphabet::url)) {
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
    const auto &settings = rule.service_account;
    if (settings.forward_to_backend)
        return std::optional<ServiceAccountPlan>{
            ServiceAccountPlan{{}, token_identity(*request.service_account_token) + "|backend", true}};
    const auto &annotation = settings.role_annotation;

    const auto rule_name = "registries[" + std::to_string(rule.index) + "]";
    std::optional<Result<std::string>> role;
    if (auto it = request.service_account_annotations.find(annotation);
        it != request.service_account_annotations.end() && !it->second.empty())
        role = checked_role(it->second,
                            "the pod's service-account annotation " + text::quote_bounded(annotation));
    else if (!settings.role_arn.empty())
        role = checked_role(settings.role_arn, rule_name + ".serviceAccount.roleArn");
    else if (const char *env = std::getenv("AWS_ECR_ROLE_ARN"); env != nullptr && *env != '\0')
        role = checked_role(env, "$AWS_ECR_ROLE_ARN");
    if (role && !*role) return role->error();
    if (!role) {
        if (settings.required)
            return Error::failed(rule_name +
                                 " requires a service-account role, and the pod's service account has no " +
                                 annotation + " annotation");
        return std::optional<ServiceAccountPlan>{};
    }
    const auto &arn = **role;
    return std::optional<ServiceAccountPlan>{
        ServiceAccountPlan{arn, token_identity(*request.service_account_token) + "|" + arn}};
}

} // namespace pullcred::request
