// The independent check: thousands of generated requests signed by our code
// and by botocore's SigV4Auth (botocore_sign.py, run with PULLCRED_PYTHON);
// every Authorization header must match. Mutated requests must not.
#include "request_generator.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace pullcred::aws {
namespace {

namespace fs = std::filesystem;
using testing::GeneratedCase;

constexpr std::uint64_t kSeed = 0x5167'7634'2026'1128ULL;
constexpr std::size_t kCaseCount = 2000;
constexpr std::size_t kMutatedCaseCount = 400;

struct OracleAnswer {
    std::string authorization, x_amz_date, security_token, canonical_request, string_to_sign;
};

std::string shell_quote(const std::string &text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string slurp(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Control characters made visible, for failure output.
std::string visible(const std::string &text) {
    std::string out;
    for (char c : text) {
        if (c == '\n')
            out += "\\n\n";
        else if (c == '\t')
            out += "\\t";
        else
            out += c;
    }
    return out;
}

using Answers = std::map<int, OracleAnswer>;

// Signs `cases` with botocore_sign.py; the answers by case id, or why not.
Result<Answers> ask_botocore(const std::vector<GeneratedCase> &cases) {
    static int round = 0;
    const fs::path dir = fs::path(::testing::TempDir()) /
                         ("pullcred_sigv4_" + std::to_string(::getpid()) + "_" + std::to_string(round++));
    fs::create_directories(dir);
    const fs::path input = dir / "requests.jsonl", output = dir / "botocore.jsonl", errors = dir / "stderr";
    {
        std::ofstream out(input, std::ios::binary);
        for (const auto &c : cases) {
            nlohmann::json headers = nlohmann::json::array();
            for (const auto &[name, value] : c.request.headers) headers.push_back({name, value});
            const nlohmann::json record = {
                {"id", c.id},
                {"method", c.request.method},
                {"url", c.request.url},
                {"headers", headers},
                {"body_b64", testing::base64(c.request.body)},
                {"access_key", c.credentials.access_key_id},
                {"secret_key", c.credentials.secret_access_key},
                {"token", c.credentials.session_token},
                {"service", c.scope.service},
                {"region", c.scope.region},
                {"epoch_ms", c.epoch_ms},
            };
            out << record.dump() << '\n';
        }
    }
    const std::string command = shell_quote(PULLCRED_PYTHON) + " " + shell_quote(SIGV4_ORACLE_SCRIPT) + " " +
                                shell_quote(input.string()) + " " + shell_quote(output.string()) + " 2> " +
                                shell_quote(errors.string());
    const int status = std::system(command.c_str());
    Answers answers;
    std::string failure;
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        failure = "botocore oracle failed (" + command + "):\n" + slurp(errors) +
                  "\nDoes " PULLCRED_PYTHON " have botocore (Debian: python3-botocore)?";
    } else {
        std::ifstream in(output);
        for (std::string line; std::getline(in, line);) {
            const auto answer = nlohmann::json::parse(line);
            answers[answer.at("id").get<int>()] = {answer.at("authorization").get<std::string>(),
                                                   answer.at("x_amz_date").get<std::string>(),
                                                   answer.at("security_token").get<std::string>(),
                                                   answer.at("canonical_request").get<std::string>(),
                                                   answer.at("string_to_sign").get<std::string>()};
        }
        if (answers.size() != cases.size())
            failure = "botocore oracle answered " + std::to_string(answers.size()) + " of " +
                      std::to_string(cases.size()) + " requests";
    }
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    if (!failure.empty()) return Error{failure};
    return answers;
}

std::string header(const HeaderList &headers, const std::string &name) {
    for (const auto &[key, value] : headers) {
        if (key == name) return value;
    }
    return {};
}

std::string our_authorization(const GeneratedCase &c) {
    auto signature = sign_sigv4(c.request, c.credentials, c.scope);
    return signature.ok() ? header(*signature, "Authorization") : "error: " + signature.error().message;
}

// The oracle itself: botocore, clock frozen, reproduces AWS's published get-vanilla signature.
TEST(sigv4_botocore, OracleReproducesTheAwsExample) {
    const auto cases = testing::generate_cases(kSeed, 1);
    auto answers = ask_botocore(cases);
    ASSERT_TRUE(answers.ok()) << answers.error().message;
    EXPECT_EQ(answers->at(0).authorization,
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
              "SignedHeaders=host;x-amz-date, "
              "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(sigv4_botocore, EveryGeneratedRequestMatches) {
    const auto cases = testing::generate_cases(kSeed, kCaseCount);
    auto answers = ask_botocore(cases);
    ASSERT_TRUE(answers.ok()) << answers.error().message;
    std::size_t mismatches = 0, with_token = 0, with_query = 0, with_body = 0;
    for (const auto &c : cases) {
        const OracleAnswer &expected = answers->at(c.id);
        auto ours = sign_sigv4_detailed(c.request, c.credentials, c.scope);
        ASSERT_TRUE(ours.ok()) << "case " << c.id << " (" << c.request.url << "): " << ours.error().message;
        const bool same = header(ours->headers, "Authorization") == expected.authorization &&
                          header(ours->headers, "X-Amz-Date") == expected.x_amz_date &&
                          header(ours->headers, "X-Amz-Security-Token") == expected.security_token &&
                          ours->prepared.canonical_request.text == expected.canonical_request &&
                          ours->prepared.string_to_sign == expected.string_to_sign;
        if (!same && ++mismatches <= 5) {
            ADD_FAILURE() << "case " << c.id << ": " << c.request.method << " " << c.request.url << "\n"
                          << "ours:     " << header(ours->headers, "Authorization") << "\n"
                          << "botocore: " << expected.authorization << "\n"
                          << "--- our canonical request:\n"
                          << visible(ours->prepared.canonical_request.text) << "\n--- botocore's:\n"
                          << visible(expected.canonical_request) << "\n--- our string to sign:\n"
                          << visible(ours->prepared.string_to_sign) << "\n--- botocore's:\n"
                          << visible(expected.string_to_sign);
        }
        with_token += c.credentials.session_token.empty() ? 0 : 1;
        with_query += c.query.empty() ? 0 : 1;
        with_body += c.request.body.empty() ? 0 : 1;
    }
    EXPECT_EQ(mismatches, 0u) << "of " << cases.size() << " requests";
    // The generator covers what it claims to.
    EXPECT_GT(with_token, cases.size() / 3);
    EXPECT_GT(with_query, cases.size() / 3);
    EXPECT_GT(with_body, cases.size() / 3);
}

// The comparison has teeth: change any one input and our signature no
// longer equals botocore's signature of the original request.
TEST(sigv4_botocore, MutatedRequestsDoNotMatch) {
    const auto cases = testing::generate_cases(kSeed, kMutatedCaseCount);
    auto answers = ask_botocore(cases);
    ASSERT_TRUE(answers.ok()) << answers.error().message;
    std::size_t wrongly_equal = 0;
    for (const auto &original : cases) {
        const std::string &expected = answers->at(original.id).authorization;
        ASSERT_EQ(our_authorization(original), expected) << "case " << original.id;
        for (int kind = 0; kind < 9; ++kind) {
            GeneratedCase c = original;
            switch (kind) {
            case 0:
                c.request.body += "x";
                break;
            case 1:
                c.request.headers.emplace_back("X-Mutated", "1");
                break;
            case 2:
                c.path += c.path.empty() ? "/m" : "m";
                break;
            case 3:
                c.query += c.query.empty() ? "zz=1" : "&zz=1";
                c.has_query = true;
                break;
            case 4:
                c.scope.region = c.scope.region == "us-east-1" ? "us-east-2" : "us-east-1";
                break;
            case 5:
                c.scope.time += std::chrono::seconds(1);
                break;
            case 6:
                c.credentials.secret_access_key.back() ^= 1;
                break;
            case 7:
                c.request.method = c.request.method == "PUT" ? "POST" : "PUT";
                break;
            default:
                c.credentials.session_token = c.credentials.session_token.empty() ? "token" : "";
                break;
            }
            c.request.url = testing::assemble_url(c);
            // A declared payload hash (X-Amz-Content-SHA256) is all that is signed of the body.
            const bool body_unsigned = kind == 0 && [&] {
                for (const auto &[name, value] : c.request.headers) {
                    if (to_lower_ascii(name) == "x-amz-content-sha256") return true;
                }
                return false;
            }();
            if (body_unsigned) continue;
            if (our_authorization(c) == expected) {
                ++wrongly_equal;
                ADD_FAILURE() << "mutation " << kind << " of case " << original.id << " still matches";
            }
        }
    }
    EXPECT_EQ(wrongly_equal, 0u);
}

} // namespace
} // namespace pullcred::aws
