#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

#include <pullcred/base64.hpp>

#include "node/bottlerocket_settings.hpp"
#include "node/unix_http.hpp"

using namespace pullcred::node;
using nlohmann::json;

TEST(AwsConfig, MarkerRoundTrips) {
    AwsKeys keys{"ASIAX", "secret", "token", 2000};
    const auto text = render_aws_config("default", keys, "", "abc123", 1100);
    EXPECT_NE(text.find("[default]\n"), std::string::npos);
    EXPECT_NE(text.find("aws_session_token = token\n"), std::string::npos);
    auto marker = parse_config_marker(text);
    ASSERT_TRUE(marker);
    EXPECT_EQ(marker->fingerprint, "abc123");
    EXPECT_EQ(marker->expires_unix, 2000);
    EXPECT_EQ(marker->written_unix, 1100);
    keys.expires_unix.reset();
    EXPECT_EQ(render_aws_config("p", keys, "", "f", 1), render_aws_config("p", keys, "", "f", 2))
        << "static keys render the same at any time";
    EXPECT_FALSE(parse_config_marker("[default]\nregion = x\n"));
    EXPECT_FALSE(parse_config_marker("# pullcred-node-install: source=a expires-unix=12x\n"));
}

TEST(AwsConfig, NewlinesCannotInjectLines) {
    AwsKeys keys{"AKIA\n[evil]", "s", "", std::nullopt};
    const auto text = render_aws_config("default", keys, "", "f", 0);
    EXPECT_EQ(text.find("\n[evil]"), std::string::npos);
}

TEST(SettingsDiff, OnlyDifferingLeaves) {
    BottlerocketWanted wanted{
        {"*.dkr.ecr.*.amazonaws.com"}, "5h", {{"HTTPS_PROXY", "http://p:1"}}, "default", "x"};
    const auto target = wanted_settings(wanted);
    auto current = json::parse(R"({"aws": {"profile": "default"}, "motd": "hi",
        "kubernetes": {"credential-providers": {"ecr-credential-provider":
            {"enabled": true, "cache-duration": "12h", "image-patterns": ["*.dkr.ecr.*.amazonaws.com"]}}}})");
    const auto patch = settings_diff(current, target);
    EXPECT_EQ(settings_leaves(patch),
              (std::vector<std::string>{
                  "/aws/config", "/kubernetes/credential-providers/ecr-credential-provider/cache-duration",
                  "/kubernetes/credential-providers/ecr-credential-provider/environment/"
                  "HTTPS_PROXY"}));
    EXPECT_FALSE(patch.contains("motd"));
    EXPECT_TRUE(settings_diff(target, target).empty());
    EXPECT_EQ(settings_leaves(settings_diff(json::parse(R"({"aws": "not an object"})"), target)).size(),
              settings_leaves(target).size());
}

TEST(RestorePatch, PreviousValuesOrNeutral) {
    const std::vector<std::string> touched{
        "/aws/config", "/aws/profile", "/kubernetes/credential-providers/ecr-credential-provider/enabled",
        "/kubernetes/credential-providers/ecr-credential-provider/cache-duration", "not a pointer"};
    const auto previous = json::parse(R"({"aws": {"profile": "ops"}})");
    const auto patch = restore_patch(touched, previous);
    EXPECT_EQ(patch["aws"]["profile"], "ops");
    EXPECT_NE(pullcred::sdk::base64_decode(patch["aws"]["config"].get<std::string>())->find("cleared"),
              std::string::npos);
    EXPECT_EQ(patch["kubernetes"]["credential-providers"]["ecr-credential-provider"]["enabled"], false);
    EXPECT_FALSE(
        patch["kubernetes"]["credential-providers"]["ecr-credential-provider"].contains("cache-duration"));
}

TEST(HttpReply, Framing) {
    auto plain = parse_http_reply("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}extra");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->status, 200);
    EXPECT_EQ(plain->body, "{}");
    auto chunked = parse_http_reply(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n1;x\r\n \r\n0\r\n\r\n");
    ASSERT_TRUE(chunked);
    EXPECT_EQ(chunked->body, "{} ");
    auto eof = parse_http_reply("HTTP/1.0 500 Internal\r\n\r\nboom");
    ASSERT_TRUE(eof);
    EXPECT_EQ(eof->status, 500);
    EXPECT_EQ(eof->body, "boom");
    for (const char *bad :
         {"", "garbage", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}",
          "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
          // A chunk size near SIZE_MAX must not wrap the length check.
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFE\r\n0\r\n\r\n"})
        EXPECT_FALSE(parse_http_reply(bad)) << bad;
}

namespace {

// A one-shot server on a unix socket: reads the request head, sends `reply` (or nothing).
struct OneShot {
    std::string path;
    int listener = -1;
    std::thread thread;
    std::string request;

    OneShot(const std::string &reply, bool silent) {
        path = "/tmp/pullcred-uhttp-" + std::to_string(::getpid()) + ".sock";
        ::unlink(path.c_str());
        listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        static_cast<void>(std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str()));
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
        EXPECT_EQ(::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
        ::listen(listener, 1);
        thread = std::thread([this, reply, silent] {
            const int fd = ::accept(listener, nullptr, nullptr);
            char buffer[4096];
            const auto got = ::recv(fd, buffer, sizeof buffer, 0);
            if (got > 0) request.assign(buffer, static_cast<std::size_t>(got));
            if (silent) {
                std::this_thread::sleep_for(std::chrono::milliseconds(600));
            } else {
                static_cast<void>(::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL));
            }
            ::close(fd);
        });
    }
    ~OneShot() {
        thread.join();
        ::close(listener);
        ::unlink(path.c_str());
    }
};

} // namespace

TEST(UnixHttp, RequestAndReply) {
    OneShot server("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", false);
    auto reply = unix_http_request(server.path, "PATCH", "/settings?tx=t", R"({"a":1})");
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ(reply->status, 204);
    server.thread.join();
    server.thread = std::thread([] {});
    EXPECT_EQ(server.request.rfind("PATCH /settings?tx=t HTTP/1.1\r\n", 0), 0U);
    EXPECT_NE(server.request.find("Content-Length: 7\r\n"), std::string::npos);
}

TEST(UnixHttp, TimeoutAndMissingSocket) {
    OneShot server("", true);
    auto reply = unix_http_request(server.path, "GET", "/settings", "", std::chrono::milliseconds(200));
    ASSERT_FALSE(reply);
    EXPECT_NE(reply.error().message.find("no reply within 200 ms"), std::string::npos);
    auto missing = unix_http_request("/nonexistent/api.sock", "GET", "/settings", "");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message, "/nonexistent/api.sock: connect: No such file or directory");
    auto long_path = unix_http_request("/" + std::string(200, 'x'), "GET", "/", "");
    ASSERT_FALSE(long_path);
    EXPECT_NE(long_path.error().message.find("too long"), std::string::npos);
}

TEST(UnixHttp, ReplyCap) {
    OneShot server("HTTP/1.1 200 OK\r\n\r\n" + std::string(5000, 'x'), false);
    auto reply = unix_http_request(server.path, "GET", "/settings", "", std::chrono::seconds(5), 1000);
    ASSERT_FALSE(reply);
    EXPECT_NE(reply.error().message.find("reply larger than 1000 bytes"), std::string::npos);
}
