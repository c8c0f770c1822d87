// The docker credential helper protocol (docker, podman, skopeo, buildah):
// `pullcred docker-credential get|list|store|erase|version`, and the same
// when the binary is invoked as docker-credential-pullcred.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <limits>

#include "cli/command.hpp"
#include "cli/command_options.hpp"
#include "cli/server_url.hpp"
#include "cli/session.hpp"
#include "match/glob.hpp"
#include "request/answer.hpp"
#include "util/files.hpp"

namespace pullcred::cli {

namespace {

constexpr std::size_t kMaxServerUrl = 4096;
// What docker expects when a helper has nothing for a server.
constexpr std::string_view kNotFound = "credentials not found in native keychain";

int get(const CommandLine &command) {
    auto input = read_stream_capped(std::cin, "server URL on stdin", kMaxServerUrl);
    if (!input) return fail(input.error().message);
    const auto parsed = parse_server_url(*input);
    if (!parsed) return fail("docker-credential get: expected a server URL on stdin");
    const auto &[server_url, registry] = *parsed;

    auto session = Session::open(command.global);
    if (!session.loaded().ok()) return fail(session.loaded().summary());
    kubelet::Request request;
    request.image = registry + "/docker-credential-helper";
    auto context = session.answer_context();
    auto response = request::answer(request, context);
    if (!response) return fail(response.error().message);
    // A rule that shares its registry keys the credential on the image (request/kubelet_cache_scope.hpp).
    auto found = response->auth.find(registry);
    if (found == response->auth.end())
        found = std::find_if(response->auth.begin(), response->auth.end(), [&](const auto &entry) {
            return match::match_auth_key(entry.first, request.image);
        });
    if (found == response->auth.end()) {
        std::cout << kNotFound << std::endl;
        return 1;
    }
    const nlohmann::json answer{
        {"ServerURL", server_url}, {"Username", found->second.username}, {"Secret", found->second.password}};
    std::cout << answer.dump() << std::endl;
    return 0;
}

// Registry auth entries are auth-<hash>.json (cache/keys.hpp); their data is
// {"entries":[{"registry","username","password"}]} (request/auth_response.cpp).
constexpr std::string_view kAuthPrefix = "auth-";
constexpr std::string_view kEntrySuffix = ".json";

// What amazon-ecr-credential-helper's `list` gives: server URL -> username
// of every registry with a cached credential that may still be served.
// Never a secret.
int list(const CommandLine &command) {
    auto session = Session::open(command.global);
    if (!session.loaded().ok()) return fail(session.loaded().summary());
    nlohmann::json listed = nlohmann::json::object();
    const auto *cache = session.cache();
    if (cache != nullptr) {
        const auto now = session.started_unix_ms() / 1000;
        std::error_code error;
        for (std::filesystem::directory_iterator file(cache->store().directory(), error), end;
             !error && file != end; file.increment(error)) {
            const auto name = file->path().filename().string();
            if (!name.starts_with(kAuthPrefix) || !name.ends_with(kEntrySuffix)) continue;
            const auto entry = cache->peek(name.substr(0, name.size() - kEntrySuffix.size()));
            const auto freshness = cache::freshness_of(entry, now);
            if (freshness != cache::Freshness::fresh && freshness != cache::Freshness::stale) continue;
            const auto entries = entry->data.find("entries");
            if (entries == entry->data.end() || !entries->is_array()) continue;
            for (const auto &auth : *entries) {
                const auto registry = auth.find("registry");
                const auto username = auth.find("username");
                if (registry == auth.end() || !registry->is_string() || username == auth.end() ||
                    !username->is_string())
                    continue;
                listed["https://" + registry->get<std::string>()] = username->get<std::string>();
            }
        }
    }
    std::cout << listed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
    return 0;
}

} // namespace

int run_docker_credential(const CommandLine &command) {
    std::string action;
    po::options_description own("docker-credential options");
    own.add_options()("action", po::value(&action), "get, list, store, erase or version");
    po::positional_options_description positional;
    positional.add("action", 1);
    auto parsed = parse_command(command, own, positional);
    if (parsed.help || action.empty()) {
        print_command_help(
            "pullcred docker-credential get|list|store|erase|version  (or docker-credential-pullcred)", own,
            "echo 111122223333.dkr.ecr.us-west-2.amazonaws.com | docker-credential-pullcred get");
        return parsed.help ? 0 : 2;
    }
    if (action == "get") return get(command);
    if (action == "list") return list(command);
    if (action == "store" || action == "erase") {
        // Credentials come from pullcred's sources; there is nothing to store.
        std::cin.ignore(std::numeric_limits<std::streamsize>::max());
        return 0;
    }
    if (action == "version") {
        std::cout << "pullcred " << PULLCRED_VERSION << std::endl;
        return 0;
    }
    return fail("docker-credential: unknown action \"" + action + "\" (get, list, store, erase, version)");
}

} // namespace pullcred::cli
