#include "config/defaults.hpp"

namespace pullcred::config {

namespace {
// ECR hosts of every partition, dual-stack and FIPS included, and ECR Public;
// credentials from the AWS default chain, as the reference plugin does. The
// cache is on, in the default directory (see default_cache_dir).
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

LoadResult builtin_config() {
    return parse_config(kBuiltinConfig, "");
}

LoadResult load_effective_config(const ConfigLocation &location, const KnownValid &known_valid) {
    std::error_code error;
    if (!location.explicit_choice && !std::filesystem::exists(location.path, error)) return builtin_config();
    return load_config_file(location.path, known_valid);
}

} // namespace pullcred::config
