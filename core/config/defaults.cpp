#include "config/defaults.hpp"

#include <cstdlib>
#include <unistd.h>

namespace pullcred::config {

namespace {
// ECR hosts of every partition, dual-stack and FIPS included, and ECR Public;
// credentials from the AWS default chain, as the reference plugin does.
constexpr std::string_view kBuiltinConfig = R"({
  "apiVersion": "pullcred/v1",
  "kind": "Config",
  "profiles": {"default": {"source": "aws.default-chain"}},
  "registries": [{
    "matchImages": [
      "*.dkr.ecr.*.amazonaws.com", "*.dkr.ecr.*.amazonaws.com.cn", "*.dkr.ecr.*.amazonaws.eu",
      "*.dkr-ecr.*.on.aws", "*.dkr-ecr.*.on.amazonwebservices.com.cn",
      "*.dkr.ecr-fips.*.amazonaws.com", "*.dkr-ecr-fips.*.on.aws",
      "*.dkr.ecr.*.c2s.ic.gov", "*.dkr.ecr.*.sc2s.sgov.gov", "*.dkr.ecr.*.cloud.adc-e.uk",
      "*.dkr.ecr.*.csp.hci.ic.gov", "public.ecr.aws", "ecr-public.aws.com"],
    "backend": "aws.ecr",
    "profile": "default"
  }]
})";
} // namespace

ConfigLocation locate_config(const std::string &flag_value) {
    if (!flag_value.empty()) return {flag_value, true};
    if (const char *env = std::getenv("PULLCRED_CONFIG"); env != nullptr && *env != '\0') return {env, true};
    return {std::string(kDefaultConfigPath), false};
}

std::filesystem::path default_cache_dir() {
    const auto env = [](const char *name) -> std::string {
        const char *value = std::getenv(name); // NOLINT(concurrency-mt-unsafe): read-only use
        return value != nullptr ? value : "";
    };
    if (auto dir = env("PULLCRED_CACHE_DIR"); !dir.empty()) return dir;
    if (::geteuid() == 0) return std::string(kDefaultCacheDir);
    if (auto xdg = env("XDG_CACHE_HOME"); !xdg.empty() && xdg.front() == '/')
        return std::filesystem::path(xdg) / "pullcred";
    if (auto home = env("HOME"); !home.empty() && home.front() == '/')
        return std::filesystem::path(home) / ".cache" / "pullcred";
    return std::string(kDefaultCacheDir);
}

LoadResult builtin_config() {
    auto result = parse_config(kBuiltinConfig, "");
    result.config.cache.enabled = false;
    return result;
}

LoadResult load_effective_config(const ConfigLocation &location) {
    std::error_code error;
    if (!location.explicit_choice && !std::filesystem::exists(location.path, error)) return builtin_config();
    return load_config_file(location.path);
}

} // namespace pullcred::config
