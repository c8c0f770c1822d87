#include <gtest/gtest.h>

#include "cli/imds_service.hpp"

namespace pullcred::cli::imds {
namespace {

struct ImdsService : ::testing::Test {
    std::int64_t now = 1'000'000;
    int documents = 0;
    Service service{"ecr-pull",
                    [this]() -> Result<std::string> {
                        ++documents;
                        return std::string(R"({"AccessKeyId":"A"})");
                    },
                    [this] { return now; }};

    Response send(http::verb verb, std::string target,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
        Request request{verb, target, 11};
        for (const auto &[name, value] : headers) request.set(name, value);
        return service.answer(request);
    }
    std::string token(const std::string &ttl) {
        auto response =
            send(http::verb::put, "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", ttl}});
        EXPECT_EQ(response.result(), http::status::ok);
        return response.body();
    }
};

TEST_F(ImdsService, TokensAreRandomAndExpire) {
    const auto first = token("2");
    EXPECT_EQ(first.size(), 64U);
    EXPECT_NE(first, token("2"));
    auto ok = send(http::verb::get, "/latest/meta-data/iam/security-credentials/",
                   {{"x-aws-ec2-metadata-token", first}});
    EXPECT_EQ(ok.result(), http::status::ok);
    EXPECT_EQ(ok.body(), "ecr-pull");
    EXPECT_EQ(ok["x-aws-ec2-metadata-token-ttl-seconds"], "2");
    now += 2000;
    auto expired = send(http::verb::get, "/latest/meta-data/iam/security-credentials/ecr-pull",
                        {{"x-aws-ec2-metadata-token", first}});
    EXPECT_EQ(expired.result(), http::status::unauthorized);
    EXPECT_EQ(documents, 0);
}

TEST_F(ImdsService, RefusesWhatTheHelperRefuses) {
    EXPECT_EQ(send(http::verb::get, "/latest/meta-data/iam/security-credentials/ecr-pull").result(),
              http::status::unauthorized);
    EXPECT_EQ(send(http::verb::get, "/latest/api/token").result(), http::status::method_not_allowed);
    for (const char *ttl : {"0", "21601", "1x", "-1", "999999999999"})
        EXPECT_EQ(send(http::verb::put, "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", ttl}})
                      .result(),
                  http::status::bad_request)
            << ttl;
    EXPECT_EQ(send(http::verb::put, "/latest/api/token", {{"X-Forwarded-For", "1.2.3.4"}}).result(),
              http::status::bad_request);
    const auto good = token("60");
    EXPECT_EQ(send(http::verb::get, "/latest/meta-data/iam/security-credentials/other",
                   {{"x-aws-ec2-metadata-token", good}})
                  .result(),
              http::status::not_found);
    auto credentials = send(http::verb::get, "/latest/meta-data/iam/security-credentials/ecr-pull/",
                            {{"x-aws-ec2-metadata-token", good}});
    EXPECT_EQ(credentials.result(), http::status::ok);
    EXPECT_EQ(credentials.body(), R"({"AccessKeyId":"A"})");
    EXPECT_EQ(documents, 1);
}

TEST_F(ImdsService, AtMost256TokensTheEarliestExpiringGoesFirst) {
    const auto shortest = token("10");
    for (std::size_t i = 0; i < kMaxTokens; ++i) token("100");
    EXPECT_EQ(send(http::verb::get, "/latest/meta-data/iam/security-credentials/",
                   {{"x-aws-ec2-metadata-token", shortest}})
                  .result(),
              http::status::unauthorized);
}

} // namespace
} // namespace pullcred::cli::imds
