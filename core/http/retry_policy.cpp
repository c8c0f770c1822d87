#include "http/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <curl/curl.h>
#include <nlohmann/json.hpp>
#include <string>

namespace pullcred::net {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) {
                   return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
               };
               return lower(x) == lower(y);
           });
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

// "aws.protocoltests#ThrottlingException" -> "ThrottlingException";
// "ThrottlingException:http://internal.amazon.com/..." -> "ThrottlingException".
std::string_view strip_code(std::string_view code) {
    if (const auto colon = code.find(':'); colon != std::string_view::npos) code = code.substr(0, colon);
    if (const auto hash = code.rfind('#'); hash != std::string_view::npos) code = code.substr(hash + 1);
    return trim(code);
}

std::string json_error_code(std::string_view body) {
    const auto first = body.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || body[first] != '{') return {};
    const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) return {};
    for (const char *key : {"__type", "code", "Code"}) {
        const auto it = json.find(key);
        if (it != json.end() && it->is_string())
            return std::string(strip_code(it->get_ref<const std::string &>()));
    }
    return {};
}

std::string xml_error_code(std::string_view body) {
    constexpr std::string_view open = "<Code>";
    constexpr std::string_view close = "</Code>";
    const auto start = body.find(open);
    if (start == std::string_view::npos) return {};
    const auto end = body.find(close, start + open.size());
    if (end == std::string_view::npos) return {};
    return std::string(trim(body.substr(start + open.size(), end - start - open.size())));
}

} // namespace

int effective_max_attempts(int policy_max_attempts, std::optional<std::string_view> env_value) {
    if (env_value) {
        const std::string_view text = trim(*env_value);
        long value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error == std::errc() && end == text.data() + text.size() && !text.empty() && value >= 1) {
            return static_cast<int>(std::min<long>(value, kMaxAttemptsLimit));
        }
    }
    return std::clamp(policy_max_attempts, 1, kMaxAttemptsLimit);
}

std::string aws_error_code(const ResponseHeaders &headers, std::string_view body) {
    for (const auto &[name, value] : headers) {
        if (iequals(name, "x-amzn-errortype")) {
            const auto code = strip_code(value);
            if (!code.empty()) return std::string(code);
        }
    }
    if (auto code = json_error_code(body); !code.empty()) return code;
    return xml_error_code(body);
}

bool is_throttling_code(std::string_view code) {
    static constexpr std::array<std::string_view, 5> kThrottlingCodes = {
        "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"};
    return std::any_of(kThrottlingCodes.begin(), kThrottlingCodes.end(),
                       [&](std::string_view known) { return code.find(known) != std::string_view::npos; });
}

bool is_retryable_response(long status, const ResponseHeaders &headers, std::string_view body) {
    if (status >= 500 && status <= 599) return true;
    if (status == 429) return true;
    if (status >= 400 && status <= 499) return is_throttling_code(aws_error_code(headers, body));
    return false;
}

bool is_throttling_response(long status, const ResponseHeaders &headers, std::string_view body) {
    if (status == 429) return true;
    if (status >= 400 && status <= 599) return is_throttling_code(aws_error_code(headers, body));
    return false;
}

std::chrono::milliseconds backoff_ceiling(int retry, bool throttled) {
    const auto base = throttled ? kThrottledBackoffBase : kBackoffBase;
    const auto cap = throttled ? kThrottledBackoffCap : kBackoffCap;
    if (retry < 1) retry = 1;
    auto ceiling = base;
    for (int i = 1; i < retry && ceiling < cap; ++i) ceiling *= 2;
    return std::min(ceiling, cap);
}

std::chrono::milliseconds backoff_delay(int retry, std::mt19937_64 &random, bool throttled) {
    std::uniform_int_distribution<std::chrono::milliseconds::rep> draw(
        0, backoff_ceiling(retry, throttled).count());
    return std::chrono::milliseconds(draw(random));
}

std::optional<std::chrono::milliseconds> retry_after(const ResponseHeaders &headers,
                                                     std::chrono::system_clock::time_point now) {
    using std::chrono::milliseconds;
    for (const auto &[name, raw] : headers) {
        if (!iequals(name, "retry-after")) continue;
        const std::string_view value = trim(raw);
        if (value.empty()) return std::nullopt;
        if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            long long seconds = 0;
            const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
            if (error == std::errc::result_out_of_range || seconds > 86400LL * 365)
                return milliseconds::max();
            if (error != std::errc() || end != value.data() + value.size()) return std::nullopt;
            return milliseconds(seconds * 1000);
        }
        // A date has a letter first (the day name) and a GMT zone or a year last.
        if (!((value.front() >= 'A' && value.front() <= 'Z') ||
              (value.front() >= 'a' && value.front() <= 'z')))
            return std::nullopt;
        const std::string text(value);
        const time_t when = curl_getdate(text.c_str(), nullptr);
        if (when == -1) return std::nullopt;
        const auto wait =
            std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::from_time_t(when) - now);
        return std::max(wait, milliseconds::zero());
    }
    return std::nullopt;
}

RetryPlan plan_retry(std::chrono::milliseconds backoff, std::optional<std::chrono::milliseconds> retry_after,
                     std::optional<std::chrono::milliseconds> remaining) {
    const auto delay = std::max(backoff, retry_after.value_or(std::chrono::milliseconds::zero()));
    if (retry_after && *retry_after > kMaxRetryAfter && !remaining) return {RetryVerdict::throttled, delay};
    if (remaining && delay >= *remaining) {
        const bool server_asked = retry_after && *retry_after >= *remaining;
        return {server_asked ? RetryVerdict::throttled : RetryVerdict::deadline, delay};
    }
    return {RetryVerdict::wait, delay};
}

} // namespace pullcred::net
