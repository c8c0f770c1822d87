// find_credentials (sdk/examples/docker-config-backend): a docker
// config.json. Input: the registry up to the first newline, then the file.
// Properties: never throws; an answer's registry is one of the `auths` keys
// (after registry_of_key); `auth` entries decode to user:password.
#include "docker_config.hpp"
#include "fuzz_check.hpp"

using namespace pullcred;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    const auto newline = text.find('\n');
    if (newline == std::string_view::npos) return 0;
    const auto registry = text.substr(0, newline);
    const auto config = text.substr(newline + 1);
    auto found = find_credentials(config, registry);
    if (const auto *credentials = std::get_if<DockerCredentials>(&found))
        FUZZ_CHECK(!credentials->username.empty() || !credentials->password.empty(), "empty credentials");
    const auto key = registry_of_key(std::string(registry));
    FUZZ_CHECK(key.find('/') == std::string::npos, "registry_of_key kept a '/'");
    FUZZ_CHECK(registry_of_key(key) == key || key.rfind("http", 0) == 0, "registry_of_key not stable");
    return 0;
}
