#include "aws/sources/signing_helper.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "aws/sources/secrets.hpp"

#include "command/shell_words.hpp"

namespace pullcred::aws::sources {

namespace {

enum class FlagType { text, secret, integer, boolean, ignored };

struct Flag {
    std::string_view name; // without the leading "--"
    std::string_view key;  // aws.roles-anywhere config key
    FlagType type;
};

constexpr std::array kFlags{
    Flag{"certificate", "certificate", FlagType::text},
    Flag{"private-key", "privateKey", FlagType::text},
    Flag{"intermediates", "intermediates", FlagType::text},
    Flag{"trust-anchor-arn", "trustAnchorArn", FlagType::text},
    Flag{"profile-arn", "profileArn", FlagType::text},
    Flag{"role-arn", "roleArn", FlagType::text},
    Flag{"region", "region", FlagType::text},
    Flag{"session-duration", "sessionDuration", FlagType::integer},
    Flag{"endpoint", "endpoint", FlagType::text},
    Flag{"role-session-name", "roleSessionName", FlagType::text},
    Flag{"no-verify-ssl", "noVerifySsl", FlagType::boolean},
    Flag{"with-proxy", "withProxy", FlagType::boolean},
    Flag{"pkcs8-password", "privateKeyPassword", FlagType::secret},
    Flag{"pkcs11-lib", "pkcs11Lib", FlagType::text},
    Flag{"reuse-pin", "reusePin", FlagType::boolean},
    Flag{"tpm-key-password", "tpmKeyPassword", FlagType::secret},
    Flag{"no-tpm-key-password", "noTpmKeyPassword", FlagType::boolean},
    Flag{"debug", "", FlagType::ignored},
};

// --private-key may be absent: a PKCS#12 --certificate carries the key.
constexpr std::array kRequired{std::string_view("certificate"), std::string_view("trustAnchorArn"),
                               std::string_view("profileArn"), std::string_view("roleArn")};

const Flag *find_flag(std::string_view name) {
    for (const auto &flag : kFlags)
        if (flag.name == name) return &flag;
    return nullptr;
}

std::string_view basename_of(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

SigningHelperCommand spawn(std::string reason) {
    SigningHelperCommand out;
    out.kind = SigningHelperCommand::Kind::spawn;
    out.reason = std::move(reason);
    return out;
}

// Flag names are safe to quote; values are not (they may be secrets).
std::string q_name(std::string_view flag) {
    constexpr std::size_t kMax = 60;
    std::string out;
    for (char c : flag.substr(0, kMax)) out += (c >= 0x21 && c <= 0x7e) ? c : '?';
    if (flag.size() > kMax) out += "...";
    return "\"" + out + "\"";
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
    if (text.empty() || text.size() > 9) return std::nullopt;
    std::int64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

} // namespace

void register_pkcs11_pin(std::string_view value) {
    if (value.rfind("pkcs11:", 0) != 0) return;
    constexpr std::string_view kPin = "pin-value=";
    for (auto pos = value.find(kPin); pos != std::string_view::npos; pos = value.find(kPin, pos + 1)) {
        const auto start = pos + kPin.size();
        const auto end = value.find_first_of("&;", start);
        report_secret(value.substr(start, end == std::string_view::npos ? end : end - start));
    }
}

SigningHelperCommand parse_signing_helper_command(std::string_view command_line) {
    const auto split = command::split_shell_words(command_line);
    if (!split.ok() || split.words.size() < 2) return {};
    const auto &words = split.words;
    if (basename_of(words[0]) != "aws_signing_helper" || words[1] != "credential-process") return {};

    nlohmann::json config = nlohmann::json::object();
    for (std::size_t i = 2; i < words.size(); ++i) {
        std::string_view word = words[i];
        if (word.size() < 3 || word.substr(0, 2) != "--")
            return spawn("argument " + std::to_string(i) + " is not a --flag pullcred knows");
        word.remove_prefix(2);
        std::optional<std::string> inline_value;
        if (const auto eq = word.find('='); eq != std::string_view::npos) {
            inline_value = std::string(word.substr(eq + 1));
            word = word.substr(0, eq);
        }
        const auto *flag = find_flag(word);
        if (flag == nullptr)
            return spawn("flag " + q_name("--" + std::string(word)) + " is not one pullcred serves");
        if (flag->type == FlagType::boolean || flag->type == FlagType::ignored) {
            bool value = true;
            if (inline_value) {
                if (*inline_value == "true")
                    value = true;
                else if (*inline_value == "false")
                    value = false;
                else
                    return spawn("flag --" + std::string(flag->name) +
                                 " has a value that is not true or false");
            }
            if (flag->type == FlagType::boolean) config[std::string(flag->key)] = value;
            continue;
        }
        std::string value;
        if (inline_value) {
            value = std::move(*inline_value);
        } else {
            if (i + 1 >= words.size()) return spawn("flag --" + std::string(flag->name) + " has no value");
            value = words[++i];
        }
        if (flag->type == FlagType::integer) {
            auto number = parse_integer(value);
            if (!number)
                return spawn("flag --" + std::string(flag->name) + " is not a whole number of seconds");
            config[std::string(flag->key)] = *number;
            continue;
        }
        if (flag->type == FlagType::secret) report_secret(value);
        if (flag->name == "certificate" || flag->name == "private-key") register_pkcs11_pin(value);
        if (value.empty()) return spawn("flag --" + std::string(flag->name) + " is empty");
        config[std::string(flag->key)] = std::move(value);
    }
    for (const auto key : kRequired) {
        if (!config.contains(std::string(key))) {
            for (const auto &flag : kFlags)
                if (flag.key == key) return spawn("flag --" + std::string(flag.name) + " is missing");
        }
    }
    SigningHelperCommand out;
    out.kind = SigningHelperCommand::Kind::native;
    out.config = std::move(config);
    return out;
}

} // namespace pullcred::aws::sources
