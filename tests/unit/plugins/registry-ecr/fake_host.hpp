// A fake host around the real registry-ecr.so: canned HTTP replies, recorded
// requests and signing calls, fixed clock, credentials per profile.
#pragma once

#include <cctype>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "modules/instance.hpp"
#include "modules/registry.hpp"
#include "pullcred_test/fake_net.hpp"
#include "pullcred_test/scoped_env.hpp"

namespace ecr_test {

using pullcred_test::FakeNet;
using pullcred_test::Headers;
using pullcred_test::RecordedRequest;
using pullcred_test::RecordedSigning;
using pullcred_test::Reply;
using pullcred_test::ScopedEnv;

inline constexpr std::int64_t kNowMs = 1'700'000'000'000;
inline constexpr std::int64_t kNow = kNowMs / 1000;

// The real module, loaded once through the host's loader.
inline const pullcred::modules::FactoryRef &ecr_factory() {
    static auto discovery = pullcred::modules::discover_modules({}, {{ECR_MODULE_PATH, ""}});
    const auto *ref = discovery.registry.find("aws.ecr");
    if (ref == nullptr) {
        std::string problems;
        for (const auto &problem : discovery.problems) problems += problem + "\n";
        throw std::runtime_error("aws.ecr not found in " + std::string(ECR_MODULE_PATH) + ": " + problems);
    }
    return *ref;
}

struct CredentialCall {
    std::string profile;
    std::string region_hint;
};

// One backend instance with its fake surroundings.
class Harness {
public:
    FakeNet net;
    std::map<std::string, pullcred::sdk::Credentials, std::less<>> profiles;
    std::vector<CredentialCall> credential_calls;
    pullcred::modules::HostEnvironment environment;

    Harness() {
        pullcred::sdk::Credentials keys;
        keys.fields = {{"access_key_id", "AKIDUNITTEST000001"},
                       {"secret_access_key", "unit-secret-key-do-not-print-0001"}};
        profiles["default"] = keys;
        environment.now_unix_ms = [] { return kNowMs; };
        environment.deadline_unix_ms = kNowMs + 45'000;
        environment.credentials_for_profile =
            [this](std::string_view profile,
                   std::string_view region_hint) -> pullcred::Result<pullcred::sdk::Credentials> {
            credential_calls.push_back({std::string(profile), std::string(region_hint)});
            auto it = profiles.find(profile);
            if (it == profiles.end())
                return pullcred::Error::failed("profile \"" + std::string(profile) +
                                               "\" is not defined in profiles");
            return it->second;
        };
        environment.net_services = [this]() -> pullcred::Result<pullcred::net::NetServices *> {
            return &net;
        };
    }
    Harness(const Harness &) = delete;
    Harness &operator=(const Harness &) = delete;

    pullcred::Result<std::unique_ptr<pullcred::modules::Instance>>
    backend(const nlohmann::json &settings = nlohmann::json::object()) {
        return pullcred::modules::Instance::create(ecr_factory(), "registries[0]", &environment, settings);
    }

    // get_auth on a fresh backend with `settings`.
    pullcred::Result<pullcred::sdk::Auth> auth(const std::string &registry,
                                               const std::string &profile = "default",
                                               const nlohmann::json &settings = nlohmann::json::object()) {
        auto instance = backend(settings);
        if (!instance) return instance.error();
        return (*instance)->get_auth(registry + "/team/app", registry, profile);
    }
};

} // namespace ecr_test
