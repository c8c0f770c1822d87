// Independent checks (oracle.py, run with PULLCRED_PYTHON):
// - the hand-written ECR host matcher against Python's `re` and the regex of
//   reference/aws.md, on many generated hosts;
// - the partition regex matcher against Python's `re` on the table's regexes;
// - the partitions table and resolved endpoints against botocore's own data
//   (Debian's python3-botocore), where that data is not older than ours.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "aws/endpoints/ecr_host.hpp"
#include "aws/endpoints/endpoint.hpp"
#include "aws/endpoints/partitions.hpp"
#include "oracle_runner.hpp"

namespace pullcred::aws {
namespace {

using testing::hex;
using testing::Oracle;
using testing::OracleRun;
using testing::split_words;

std::string printable(std::string_view s) {
    std::string out;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f) {
            out += c;
        } else {
            out += "\\x" + hex(std::string_view(&c, 1));
        }
    }
    return out;
}

template <class T, std::size_t N> const T &pick(std::mt19937 &rng, const T (&items)[N]) {
    return items[rng() % N];
}

void mutate(std::mt19937 &rng, std::string &s) {
    const char alphabet[] = {'.', '-', '_',  '0',  '9', 'a',    'Z',    'e',    'c', 'r',
                             ':', '/', '\n', '\0', ' ', '\x80', '\xd9', '\xa0', '@', '#'};
    const int edits = static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
        const std::size_t pos = rng() % (s.size() + 1);
        const char c = pick(rng, alphabet);
        switch (rng() % 4) {
        case 0:
            s.insert(pos, 1, c);
            break;
        case 1:
            if (pos < s.size()) s.erase(pos, 1);
            break;
        case 2:
            if (pos < s.size()) s[pos] = c;
            break;
        default:
            if (pos < s.size())
                s[pos] = static_cast<char>(s[pos] >= 'a' && s[pos] <= 'z' ? s[pos] - 32 : s[pos]);
        }
    }
}

std::vector<std::string> generate_hosts(std::size_t count) {
    std::mt19937 rng(20261128);
    const char *seps[] = {".", ".", ".", "-", "_", ""};
    const char *dkr[] = {"dkr", "dkr", "dkr", "DKR", "dk", "dkrr"};
    const char *ecr[] = {"ecr",      "ecr",      "ecr",     "ecr-fips",  "ecr-fips",
                         "ecr-FIPS", "ecr.fips", "ecrfips", "ecr-public"};
    const char *regions[] = {"us-east-1",
                             "eu-west-1",
                             "cn-north-1",
                             "us-gov-west-1",
                             "us-iso-east-1",
                             "us-isob-east-1",
                             "eu-isoe-west-1",
                             "us-isof-south-1",
                             "eusc-de-east-1",
                             "a",
                             "A9",
                             "x_y",
                             "x-",
                             "-x",
                             "_x",
                             "",
                             "us.east",
                             "us-east-1a_",
                             "9"};
    const char *suffixes[] = {"amazonaws.com",
                              "amazonaws.com.cn",
                              "amazonaws.eu",
                              "on.aws",
                              "on.amazonwebservices.com.cn",
                              "sc2s.sgov.gov",
                              "c2s.ic.gov",
                              "cloud.adc-e.uk",
                              "csp.hci.ic.gov",
                              "amazonaws.hacker.com",
                              "amazonaws.com.",
                              "amazonaws.com.cn.evil",
                              "amazonaws.co",
                              "api.aws",
                              "on.aws.evil",
                              "Amazonaws.com",
                              "amazonaws.eu\n",
                              "amazonaws",
                              "com",
                              "",
                              "on.amazonwebservices.com",
                              "c2s.ic.gov.uk"};
    std::vector<std::string> hosts;
    hosts.reserve(count);
    while (hosts.size() < count) {
        std::string h;
        const auto digits = static_cast<unsigned>((rng() % 6 == 0) ? 11 + rng() % 3 : 12);
        for (unsigned i = 0; i < digits; ++i) h += static_cast<char>('0' + rng() % 10);
        if (rng() % 20 == 0) h[rng() % h.size()] = 'a';
        // Mostly the valid spelling of each part, so both outcomes are common.
        auto usually = [&rng](const char *valid, const auto &choices) -> std::string {
            return rng() % 4 != 0 ? valid : pick(rng, choices);
        };
        h += usually(".", seps);
        h += usually("dkr", dkr);
        h += usually(rng() % 2 == 0 ? "." : "-", seps);
        h += usually(rng() % 2 == 0 ? "ecr" : "ecr-fips", ecr);
        h += usually(".", seps);
        if (rng() % 5 == 0) {
            const std::size_t n = rng() % 12;
            const char chars[] = "abcxyzABC0189-_.";
            for (std::size_t i = 0; i < n; ++i) h += chars[rng() % (sizeof chars - 1)];
        } else {
            h += rng() % 3 != 0 ? regions[rng() % 9] : pick(rng, regions);
        }
        h += usually(".", seps);
        h += rng() % 3 != 0 ? suffixes[rng() % 9] : pick(rng, suffixes);
        if (rng() % 3 == 0) mutate(rng, h);
        hosts.push_back(std::move(h));
    }
    return hosts;
}

TEST(Oracle, EcrHostMatcherEqualsPythonRe) {
    auto hosts = generate_hosts(30000);
    std::vector<std::string> input;
    for (const auto &h : hosts) input.push_back(hex(h));
    Oracle oracle;
    const OracleRun run = oracle.run("ecr-host", input);
    ASSERT_EQ(run.status, 0) << run.stderr_text;
    ASSERT_EQ(run.lines.size(), hosts.size());
    std::size_t matched = 0;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        const auto ours = match_ecr_private_host(hosts[i]);
        const auto words = split_words(run.lines[i]);
        ASSERT_FALSE(words.empty());
        const bool python_match = words[0] == "1";
        ASSERT_EQ(ours.has_value(), python_match) << printable(hosts[i]);
        if (!python_match) continue;
        ++matched;
        ASSERT_EQ(words.size(), 5u) << run.lines[i];
        EXPECT_EQ(ours->account, words[1]) << hosts[i];
        EXPECT_EQ(ours->fips, words[2] == "-fips") << hosts[i];
        EXPECT_EQ(ours->region, words[3]) << hosts[i];
        EXPECT_EQ(ours->suffix, words[4]) << hosts[i];
    }
    // Both outcomes well represented.
    EXPECT_GT(matched, 1000u);
    EXPECT_GT(hosts.size() - matched, 10000u);
}

std::vector<std::string> generate_regions(std::size_t count) {
    std::mt19937 rng(4412);
    const char *heads[] = {"us",      "eu",   "ap",     "sa",     "ca",      "me",      "af",      "il",
                           "mx",      "cn",   "us-gov", "us-iso", "us-isob", "eu-isoe", "us-isof", "eusc-de",
                           "eusc-fr", "eusc", "xx",     "US",     "aws",     "",        "usgov"};
    const char *middles[] = {"east", "west", "north", "south", "central", "northeast",
                             "E4st", "_x",   "x_y",   "",      "a-b"};
    const char *tails[] = {"1", "2", "12", "0", "", "a", "1a", "99999"};
    std::vector<std::string> out;
    while (out.size() < count) {
        std::string r = pick(rng, heads);
        r += "-";
        r += pick(rng, middles);
        if (rng() % 8 == 0) r += std::string("-") + pick(rng, middles);
        r += "-";
        r += pick(rng, tails);
        if (rng() % 3 == 0) mutate(rng, r);
        out.push_back(std::move(r));
    }
    for (const auto &p : partitions()) {
        for (auto region : p.regions) out.emplace_back(region);
    }
    return out;
}

TEST(Oracle, PartitionRegexMatcherEqualsPythonRe) {
    const auto regions = generate_regions(20000);
    std::vector<std::string> input;
    for (const auto &p : partitions()) input.push_back("pattern " + hex(p.region_regex));
    for (const auto &r : regions) input.push_back(hex(r));
    Oracle oracle;
    const OracleRun run = oracle.run("regex", input);
    ASSERT_EQ(run.status, 0) << run.stderr_text;
    ASSERT_EQ(run.lines.size(), regions.size());
    std::map<std::string_view, std::size_t> hits;
    for (std::size_t i = 0; i < regions.size(); ++i) {
        ASSERT_EQ(run.lines[i].size(), partitions().size());
        for (std::size_t j = 0; j < partitions().size(); ++j) {
            const Partition &p = partitions()[j];
            const bool python = run.lines[i][j] == '1';
            ASSERT_EQ(matches_region_regex(p, regions[i]), python) << p.id << " " << printable(regions[i]);
            if (python) ++hits[p.id];
        }
    }
    for (const auto &p : partitions()) EXPECT_GT(hits[p.id], 20u) << p.id;
}

// botocore's partitions.json, one line per partition.
struct BotocorePartition {
    std::string id, dns, dual;
    bool fips = false, dualstack = false;
    std::string regex;
    std::vector<std::string> regions;
};

std::vector<BotocorePartition> botocore_partitions(const Oracle &oracle, bool &skipped) {
    const OracleRun run = oracle.run("partitions", {});
    skipped = run.status == 3;
    std::vector<BotocorePartition> out;
    if (skipped) return out;
    EXPECT_EQ(run.status, 0) << run.stderr_text;
    for (const auto &line : run.lines) {
        auto w = split_words(line);
        if (w.size() < 6) {
            ADD_FAILURE() << line;
            continue;
        }
        BotocorePartition p{w[0], w[1], w[2], w[3] == "1", w[4] == "1", {}, {}};
        for (std::size_t i = 0; i + 1 < w[5].size(); i += 2) {
            p.regex += static_cast<char>(std::stoi(w[5].substr(i, 2), nullptr, 16));
        }
        p.regions.assign(w.begin() + 6, w.end());
        out.push_back(std::move(p));
    }
    return out;
}

TEST(Oracle, PartitionsAgreeWithBotocore) {
    Oracle oracle;
    bool skipped = false;
    const auto theirs = botocore_partitions(oracle, skipped);
    if (skipped) GTEST_SKIP() << "botocore not available to " << PULLCRED_PYTHON;
    ASSERT_GE(theirs.size(), 5u);
    std::set<std::string> ids;
    for (const auto &b : theirs) {
        ids.insert(b.id);
        const Partition *ours = find_partition(b.id);
        ASSERT_NE(ours, nullptr) << "botocore knows partition " << b.id;
        EXPECT_EQ(ours->dns_suffix, b.dns) << b.id;
        EXPECT_EQ(ours->supports_fips, b.fips) << b.id;
        // botocore releases before 2025 list no dual-stack suffix for the
        // isolated partitions (dualStackDnsSuffix = dnsSuffix, supportsDualStack false).
        if (b.dualstack) {
            EXPECT_TRUE(ours->supports_dual_stack) << b.id;
            EXPECT_EQ(ours->dual_stack_dns_suffix, b.dual) << b.id;
        }
        // Same regex, or (aws) the older one without the il and mx heads.
        if (b.regex != ours->region_regex) {
            EXPECT_EQ(b.id, "aws");
            std::string older(ours->region_regex);
            for (std::string_view gone : {"|mx", "|il"}) {
                const auto at = older.find(gone);
                if (at != std::string::npos && b.regex.find(gone) == std::string::npos)
                    older.erase(at, gone.size());
            }
            EXPECT_EQ(b.regex, older);
        }
        for (const auto &region : b.regions) {
            EXPECT_EQ(partition_for_region(region).id, b.id) << region;
        }
    }
    for (const char *core : {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"}) {
        EXPECT_EQ(ids.count(core), 1u) << core;
    }
}

TEST(Oracle, PartitionOfGeneratedRegionsAgreesWithBotocore) {
    Oracle oracle;
    bool skipped = false;
    const auto theirs = botocore_partitions(oracle, skipped);
    if (skipped) GTEST_SKIP() << "botocore not available to " << PULLCRED_PYTHON;
    std::set<std::string> known;
    for (const auto &b : theirs) known.insert(b.id);
    const auto regions = generate_regions(20000);
    std::vector<std::string> input;
    for (const auto &r : regions) input.push_back(hex(r));
    const OracleRun run = oracle.run("partition", input);
    ASSERT_EQ(run.status, 0) << run.stderr_text;
    ASSERT_EQ(run.lines.size(), regions.size());
    std::size_t compared = 0;
    for (std::size_t i = 0; i < regions.size(); ++i) {
        const std::string ours(partition_for_region(regions[i]).id);
        if (known.count(ours) == 0) continue; // a partition newer than this botocore
        ++compared;
        EXPECT_EQ(ours, run.lines[i]) << printable(regions[i]);
    }
    EXPECT_GT(compared, 15000u);
}

// Our URL as botocore releases before the 2025 ECR dual-stack launch spell
// it; the only differences allowed.
std::string older_ecr_spelling(std::string_view service, std::string_view partition, bool fips,
                               bool dualstack, const std::string &ours) {
    auto replace_prefix = [&ours](std::string_view from, std::string_view to) {
        if (ours.rfind(from, 0) != 0) return ours;
        return std::string(to) + ours.substr(from.size());
    };
    if (service == "ecr") {
        if (fips && !dualstack && (partition == "aws" || partition == "aws-us-gov")) {
            return replace_prefix("https://api.ecr-fips.", "https://ecr-fips.");
        }
        if (dualstack && fips) return replace_prefix("https://ecr-fips.", "https://api.ecr-fips.");
        if (dualstack) return replace_prefix("https://ecr.", "https://api.ecr.");
    }
    if (service == "ecr-public" && dualstack)
        return replace_prefix("https://ecr-public.", "https://api.ecr-public.");
    return ours;
}

TEST(Oracle, EndpointsAgreeWithBotocore) {
    Oracle oracle;
    bool skipped = false;
    const auto theirs = botocore_partitions(oracle, skipped);
    if (skipped) GTEST_SKIP() << "botocore not available to " << PULLCRED_PYTHON;

    struct Case {
        std::string service, region, partition;
        bool fips, dualstack;
        bool botocore_dualstack; // botocore's partition has dual-stack endpoints
    };
    std::vector<Case> cases;
    for (const auto &b : theirs) {
        for (const auto &region : b.regions) {
            if (region.rfind("aws-", 0) == 0) continue; // pseudo regions
            for (const char *service : {"ecr", "sts", "rolesanywhere"}) {
                for (int v = 0; v < 4; ++v)
                    cases.push_back({service, region, b.id, (v & 1) != 0, (v & 2) != 0, b.dualstack});
            }
        }
    }
    cases.push_back({"ecr-public", "us-east-1", "aws", false, false, true});
    cases.push_back({"ecr-public", "us-east-1", "aws", false, true, true});
    cases.push_back({"sts", "aws-global", "aws", false, false, true});

    std::vector<std::string> input;
    for (const auto &c : cases) {
        input.push_back(c.service + " " + c.region + " " + (c.fips ? "1" : "0") + " " +
                        (c.dualstack ? "1" : "0"));
    }
    const OracleRun run = oracle.run("endpoints", input);
    ASSERT_EQ(run.status, 0) << run.stderr_text;
    ASSERT_EQ(run.lines.size(), cases.size());

    std::size_t exact = 0, older = 0, skipped_dualstack = 0;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case &c = cases[i];
        const auto words = split_words(run.lines[i]);
        ASSERT_FALSE(words.empty()) << input[i];
        if (c.dualstack && !c.botocore_dualstack) {
            // This botocore predates the isolated partitions' dual-stack suffixes.
            EXPECT_EQ(words[0], "ERROR") << input[i];
            ++skipped_dualstack;
            continue;
        }
        EndpointOptions options;
        options.use_fips = c.fips;
        options.use_dualstack = c.dualstack;
        auto ours = resolve_endpoint(c.service, c.region, options);
        ASSERT_TRUE(ours.ok()) << input[i] << ": " << ours.error().message;
        ASSERT_EQ(words.size(), 2u) << input[i] << " -> " << run.lines[i];
        EXPECT_EQ(ours->signing_region, words[1]) << input[i];
        if (words[0] == ours->url) {
            ++exact;
            continue;
        }
        EXPECT_EQ(words[0], older_ecr_spelling(c.service, c.partition, c.fips, c.dualstack, ours->url))
            << input[i] << " ours " << ours->url;
        ++older;
    }
    EXPECT_GT(exact, 250u);
    RecordProperty("exact", static_cast<int>(exact));
    RecordProperty("older_ecr_spelling", static_cast<int>(older));
    RecordProperty("no_dualstack_in_botocore", static_cast<int>(skipped_dualstack));
}

} // namespace
} // namespace pullcred::aws
