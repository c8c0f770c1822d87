// A fake network for unit tests of the host's seams: canned HTTP replies,
// recorded requests and signing calls (a fixed, recognisable fake signature).
#pragma once

#include <cctype>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pullcred/module.hpp>

#include "http/net_services.hpp"

namespace pullcred_test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct RecordedRequest {
    std::string method;
    std::string url;
    Headers headers;
    std::string body;
    std::uint32_t flags = 0;

    [[nodiscard]] std::string header(std::string_view name) const {
        for (const auto &[key, value] : headers) {
            if (key.size() != name.size()) continue;
            bool same = true;
            for (std::size_t i = 0; i < key.size() && same; ++i)
                same = std::tolower(static_cast<unsigned char>(key[i])) ==
                       std::tolower(static_cast<unsigned char>(name[i]));
            if (same) return value;
        }
        return {};
    }
    [[nodiscard]] int count(std::string_view name) const {
        int n = 0;
        for (const auto &[key, value] : headers)
            if (key == name) ++n;
        return n;
    }
};

struct RecordedSigning {
    RecordedRequest request;
    std::string service;
    std::string region;
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;
    std::int64_t now_unix_ms = 0;
};

struct Reply {
    int status = 200;
    Headers headers;
    std::string body;
    pullcred_status code = PULLCRED_OK; // not OK: no HTTP response, `error` instead
    std::string error;
};

inline RecordedRequest record(const pullcred_http_request *request) {
    RecordedRequest out;
    out.method = std::string(pullcred::sdk::view(request->method));
    out.url = std::string(pullcred::sdk::view(request->url));
    for (std::size_t i = 0; i < request->header_count; ++i)
        out.headers.emplace_back(pullcred::sdk::view(request->headers[i].name),
                                 pullcred::sdk::view(request->headers[i].value));
    out.body = std::string(pullcred::sdk::view(request->body));
    out.flags = request->flags;
    return out;
}

class FakeNet final : public pullcred::net::NetServices {
public:
    std::deque<Reply> replies;
    std::vector<RecordedRequest> requests;
    std::vector<RecordedSigning> signings;
    pullcred_status sign_code = PULLCRED_OK;

    pullcred_status http(const pullcred_http_request *request, pullcred_http_response_sink *out,
                         pullcred_text_sink *error, const pullcred::net::HttpPolicy & /*policy*/) override {
        requests.push_back(record(request));
        if (replies.empty()) {
            write(error, "fake network: no reply queued");
            return PULLCRED_FAILED;
        }
        const Reply reply = replies.front();
        replies.pop_front();
        if (reply.code != PULLCRED_OK) {
            write(error, reply.error);
            return reply.code;
        }
        out->status(out->ctx, reply.status);
        for (const auto &[name, value] : reply.headers)
            out->header(out->ctx, pullcred::sdk::str(name), pullcred::sdk::str(value));
        out->body(out->ctx, pullcred::sdk::str(reply.body));
        return PULLCRED_OK;
    }

    pullcred_status sign_sigv4(const pullcred_http_request *request, const pullcred_sigv4_params *params,
                               pullcred_header_sink *out, pullcred_text_sink *error,
                               std::int64_t now_unix_ms) override {
        RecordedSigning signing{record(request),
                                std::string(pullcred::sdk::view(params->service)),
                                std::string(pullcred::sdk::view(params->region)),
                                std::string(pullcred::sdk::view(params->access_key_id)),
                                std::string(pullcred::sdk::view(params->secret_access_key)),
                                std::string(pullcred::sdk::view(params->session_token)),
                                now_unix_ms};
        signings.push_back(signing);
        if (sign_code != PULLCRED_OK) {
            write(error, "SigV4: fake signer refuses");
            return sign_code;
        }
        const std::string credential =
            signing.access_key_id + "/20231114/" + signing.region + "/" + signing.service + "/aws4_request";
        add(out, "X-Amz-Date", "20231114T221320Z");
        if (!signing.session_token.empty()) add(out, "X-Amz-Security-Token", signing.session_token);
        add(out, "Authorization",
            "AWS4-HMAC-SHA256 Credential=" + credential + ", SignedHeaders=host;x-amz-date, Signature=fake");
        return PULLCRED_OK;
    }

private:
    static void write(pullcred_text_sink *sink, const std::string &text) {
        if (sink != nullptr && sink->write != nullptr) sink->write(sink->ctx, pullcred::sdk::str(text));
    }
    static void add(pullcred_header_sink *sink, const std::string &name, const std::string &value) {
        sink->add(sink->ctx, pullcred::sdk::str(name), pullcred::sdk::str(value));
    }
};

} // namespace pullcred_test
