// pattern_can_match_non_ecr_host against core's kubelet glob matcher: a
// pattern called ECR-only must match no host of a corpus that aws.ecr would
// treat as a non-ECR host (neither an ECR host nor a refused look-alike).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "aws/endpoints/ecr_host.hpp"
#include "aws/endpoints/ecr_pattern.hpp"
#include "match/glob.hpp"

namespace {

std::vector<std::string> corpus() {
    std::vector<std::string> hosts = {"docker.io",
                                      "ghcr.io",
                                      "quay.io",
                                      "registry.attacker.example",
                                      "registry.example.com",
                                      "mirror.example.com:5000",
                                      "localhost",
                                      "localhost:5000",
                                      "public.ecr.aws",
                                      "ecr-public.aws.com",
                                      "evil.ecr.aws",
                                      "public.ecr.aws.evil",
                                      "amazonaws.com",
                                      "x.amazonaws.com",
                                      "a.b.amazonaws.com",
                                      "dkr.ecr.us-west-2.amazonaws.com",
                                      "dkr.ecr.us-west-2.amazonaws.com.evil"};
    const std::vector<std::string> accounts = {"111122223333", "1234567890123", "x", "evil"};
    const std::vector<std::string> middles = {"dkr.ecr",      "dkr.ecr-fips", "dkr-ecr",
                                              "dkr-ecr-fips", "dkr.ecrx",     "dkr.evil",
                                              "dkrecr",       "d.kr.ecr",     "dkr.ecr.x"};
    const std::vector<std::string> regions = {"us-west-2", "eu-central-1", "bad_region", "-x", "a.b"};
    const std::vector<std::string> suffixes = {"amazonaws.com",
                                               "amazonaws.com.cn",
                                               "amazonaws.eu",
                                               "on.aws",
                                               "on.amazonwebservices.com.cn",
                                               "c2s.ic.gov",
                                               "sc2s.sgov.gov",
                                               "cloud.adc-e.uk",
                                               "csp.hci.ic.gov",
                                               "amazonaws.com.evil",
                                               "amazonaws.evil",
                                               "evil.com",
                                               "aws"};
    for (const auto &account : accounts)
        for (const auto &middle : middles)
            for (const auto &region : regions)
                for (const auto &suffix : suffixes) {
                    const auto host = account + "." + middle + "." + region + "." + suffix;
                    hosts.push_back(host);
                    hosts.push_back(host + ":443");
                    hosts.push_back(host + ":5000");
                }
    return hosts;
}

bool refused_or_ecr(const std::string &host) {
    return pullcred::aws::parse_ecr_host(host) || pullcred::aws::looks_like_ecr_private_host(host);
}

TEST(EcrPatternSoundness, AnEcrOnlyPatternMatchesNoOtherHostOfTheCorpus) {
    const auto hosts = corpus();
    const std::vector<std::string> patterns = {"*.dkr.ecr.*.amazonaws.com",
                                               "*.dkr.ecr.*.amazonaws.com.cn",
                                               "*.dkr.ecr-fips.*.amazonaws.com",
                                               "*.dkr.ecr*.*.amazonaws.com",
                                               "*.dkr-ecr.*.on.aws",
                                               "*.dkr-ecr*.*.on.amazonwebservices.com.cn",
                                               "*.dkr.ecr.*.c2s.ic.gov",
                                               "*.dkr.ecr.*.amazonaws.eu",
                                               "111122223333.dkr.ecr.*.amazonaws.com",
                                               "*.dkr.ecr.*.amazonaws.com:443",
                                               "public.ecr.aws",
                                               "ecr-public.aws.com",
                                               "*.dkr.ecr.amazonaws.com",
                                               "*.*.dkr.ecr.*.amazonaws.com",
                                               "*.*.*.*.*",
                                               "*.*.*.*.*.*",
                                               "*.*.*.*.*.*.*",
                                               "*.*",
                                               "*.*.*",
                                               "*",
                                               "*.amazonaws.com",
                                               "*.*.amazonaws.com",
                                               "*.dkr.*.*.amazonaws.com",
                                               "*.dkr.ecr.*.*.com",
                                               "*.dkr.ecr.*.amazonaws.*",
                                               "*.ecr.aws",
                                               "*.d?r.ecr.*.amazonaws.com",
                                               "*.dkr.ecr.*.*",
                                               "[0-9]*.dkr.ecr.*.amazonaws.com",
                                               "*.dkr.ecr.*.amazonaws.com:5000",
                                               "dkr.ecr.*.amazonaws.com.*"};
    std::size_t ecr_only = 0;
    for (const auto &pattern : patterns) {
        const bool can = pullcred::aws::pattern_can_match_non_ecr_host(pattern);
        bool matched_other = false;
        for (const auto &host : hosts) {
            if (!pullcred::match::match_image(pattern, host + "/team/app")) continue;
            if (!refused_or_ecr(host)) {
                matched_other = true;
                EXPECT_TRUE(can) << pattern << " is called ECR-only but matches " << host;
            }
        }
        if (!can) ++ecr_only;
        // The broad ones really do reach other hosts of the corpus.
        if (can && pattern.find("dkr") == std::string::npos && pattern.find("ecr") == std::string::npos) {
            EXPECT_TRUE(matched_other) << pattern;
        }
    }
    EXPECT_GE(ecr_only, 14U);
}

} // namespace
