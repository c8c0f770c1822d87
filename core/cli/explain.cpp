#include <ctime>
#include <iostream>
#include <pullcred/text.hpp>

#include "cli/command.hpp"
#include "cli/command_options.hpp"
#include "cli/ecr_pattern_warnings.hpp"
#include "cli/session.hpp"
#include "kubelet/protocol.hpp"
#include "log/redact.hpp"
#include "match/image_ref.hpp"
#include "request/answer.hpp"
#include "request/rule_selection.hpp"
#include "text/quote.hpp"
#include "util/duration.hpp"

namespace pullcred::cli {

namespace {
// A module's own sentence (which may quote a host): one line, bounded.
constexpr std::size_t kMaxModuleLine = 1024;

std::string utc(std::int64_t unix_seconds) {
    const auto time = static_cast<std::time_t>(unix_seconds);
    std::tm parts{};
    ::gmtime_r(&time, &parts);
    char text[32];
    const auto length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return std::string(text, length);
}

void print_cache_state(Session &session, const config::Rule &rule, std::string_view registry) {
    const auto *cache = session.cache();
    if (cache == nullptr) {
        std::cout << "cache:    disabled\n";
        return;
    }
    std::string changed;
    const auto entry = cache->peek(request::auth_cache_key(session.config(), rule, registry), &changed);
    const auto state = cache::freshness_of(entry, session.started_unix_ms() / 1000);
    std::cout << "cache:    " << cache::to_string(state);
    if (!changed.empty())
        std::cout << " (" << changed << " since the entry was made: the next request fetches anew)";
    if (entry)
        std::cout << ", refresh after " << utc(entry->refresh_unix) << ", expires "
                  << utc(entry->expires_unix);
    std::cout << "\n";
}

// An aws.ecr rule whose matchImages can send it hosts that are not ECR hosts.
void print_ecr_pattern_warnings(const config::Rule &rule) {
    for (const auto &warning : ecr_pattern_warnings(rule)) std::cout << "warning:  " << warning << "\n";
}

// What the backend will call, as its module describes it; no network, no
// credentials.
void print_endpoint(Session &session, const config::Rule &rule, const std::string &image,
                    std::string_view registry) {
    const auto *factory = session.discovery().registry.find(rule.backend);
    if (factory == nullptr) return;
    auto described = session.providers().describe_for(rule, image, registry);
    if (!described)
        std::cout << "endpoint: error: "
                  << sdk::one_line(log::redact(described.error().message), kMaxModuleLine) << "\n";
    else if (!*described)
        std::cout << "endpoint: not described by module " << factory->module_name << " "
                  << factory->module_version << "\n";
    else
        std::cout << "endpoint: " << sdk::one_line(**described, kMaxModuleLine) << "\n";
}

// Answers the image as kubelet would ask for it, through the cache; prints the
// outcome without the secret.
int fetch(Session &session, const std::string &image) {
    auto context = session.answer_context();
    auto response = request::answer(kubelet::Request{kubelet::ApiVersion::v1, image, {}, {}}, context);
    if (!response) {
        std::cout << "fetch:    failed\n" << std::flush;
        return fail(response.error().message);
    }
    for (const auto &[registry, auth] : response->auth)
        std::cout << "fetch:    ok for " << sdk::one_line(registry, text::kQuoteLimit) << ": username "
                  << sdk::one_line(auth.username, text::kQuoteLimit) << ", password of "
                  << auth.password.size() << " bytes (not shown)\n";
    if (response->auth.empty()) std::cout << "fetch:    ok, empty auth\n";
    if (response->cache_duration)
        std::cout << "kubelet:  may reuse it for " << format_go_duration(*response->cache_duration) << "\n";
    return 0;
}
} // namespace

int run_explain(const CommandLine &command) {
    std::string image;
    bool fetch_too = false;
    po::options_description own("explain options");
    own.add_options()("image", po::value(&image), "image reference, as kubelet sends it")(
        "fetch", po::bool_switch(&fetch_too),
        "also fetch the credentials (through the cache) and print the outcome");
    po::positional_options_description positional;
    positional.add("image", 1);
    auto parsed = parse_command(command, own, positional);
    if (parsed.help || image.empty()) {
        print_command_help("pullcred explain IMAGE [--fetch] [--config FILE]", own,
                           "pullcred explain 111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app");
        return parsed.help ? 0 : 2;
    }

    auto session = Session::open(command.global);
    if (!session.loaded().ok()) return fail(session.loaded().summary());
    const auto &config = session.config();
    auto reference = match::parse_image_ref(image);
    if (!reference) return fail("image " + text::quote_bounded(image) + ": " + reference.error().message);

    std::cout << "image:    " << sdk::one_line(image) << "\n"
              << "registry: " << sdk::one_line(reference->registry()) << "\n"
              << "config:   " << (config.file.empty() ? "(built-in: no config file)" : config.file) << "\n";
    const auto selection = request::select_rule(config, *reference);
    if (selection.rule == nullptr) {
        std::cout << "rule:     none matches; kubelet gets an empty auth\n";
        return 0;
    }
    const auto &rule = *selection.rule;
    std::cout << "rule:     registries[" << rule.index << "] (pattern "
              << text::quote_bounded(selection.pattern) << ")\n"
              << "backend:  " << rule.backend;
    if (const auto *factory = session.discovery().registry.find(rule.backend))
        std::cout << " (module " << factory->module_name << " " << factory->module_version << ")";
    else
        std::cout << " (no module provides it)";
    std::cout << "\n";
    print_ecr_pattern_warnings(rule);
    print_endpoint(session, rule, image, reference->registry());
    if (rule.profile.empty()) {
        std::cout << "profile:  none\n";
    } else {
        const auto &profile = config.profiles.at(rule.profile);
        std::cout << "profile:  " << rule.profile << " (source " << profile.source << ")\n";
        const auto resolution = session.providers().describe_source(rule.profile);
        std::cout << "resolves: "
                  << (!resolution   ? "error: " + resolution.error().message
                      : *resolution ? **resolution
                                    : "by the " + profile.source + " module")
                  << "\n";
    }
    print_cache_state(session, rule, reference->registry());
    if (fetch_too) {
        if (const int failed = fetch(session, image); failed != 0) return failed;
        print_cache_state(session, rule, reference->registry());
    }
    std::cout << std::flush;
    return 0;
}

} // namespace pullcred::cli
