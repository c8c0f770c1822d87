// A fake network for unit tests of the host's seams: canned HTTP replies,
// recorded requests and signing calls (a fixed, recognisable fake signature),
// with the request and reply types of the SDK's pullcred/testing.hpp.
#pragma once

#include <cctype>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pullcred/module.hpp>
#include <pullcred/testing.hpp>

#include "http/net_services.hpp"

namespace pullcred_test {

using pullcred::sdk::testing::Headers;
using pullcred::sdk::testing::RecordedRequest;
using pullcred::sdk::testing::Reply;

struct RecordedSigning {
    RecordedRequest request;
    std::string service;
    std::string region;
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;
    std::int64_t now_unix_ms = 0;
};

class FakeNet final : public pullcred::net::NetServices {
public:
    std::deque<Reply> replies;
    std::vector<RecordedRequest> requests;
    std::vector<RecordedSigning> signings;
    pullcred_status sign_code = PULLCRED_OK;

    pullcred_status http(const pullcred_http_request *request, pullcred_http_response_sink *out,
                         pullcred_text_sink *error, const pullcred::net::HttpPolicy & /*policy*/) override {
        requests.push_back(RecordedRequest::from(request));
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
        RecordedSigning signing{RecordedRequest::from(request),
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
