// Fake network for the built-in sources: canned HTTP replies, recorded
// requests and signing calls (no real SigV4).
#pragma once

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include <pullcred/module.hpp>

#include "http/net_services.hpp"

namespace sources_test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Recorded {
    std::string method;
    std::string url;
    Headers headers;
    std::string body;
    // sign_sigv4 only
    std::string service, region, access_key_id, secret_access_key, session_token;
};

struct Reply {
    int status = 200;
    std::string body;
    pullcred_status code = PULLCRED_OK; // not OK: no response, `error` instead
    std::string error;
};

inline Reply reply(int status, std::string body) {
    Reply out;
    out.status = status;
    out.body = std::move(body);
    return out;
}

inline Recorded record(const pullcred_http_request *request) {
    Recorded out;
    out.method = std::string(pullcred::sdk::view(request->method));
    out.url = std::string(pullcred::sdk::view(request->url));
    for (std::size_t i = 0; i < request->header_count; ++i)
        out.headers.emplace_back(pullcred::sdk::view(request->headers[i].name),
                                 pullcred::sdk::view(request->headers[i].value));
    out.body = std::string(pullcred::sdk::view(request->body));
    return out;
}

class FakeNet final : public pullcred::net::NetServices {
public:
    std::deque<Reply> replies;
    std::vector<Recorded> requests;
    std::vector<Recorded> signings;

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
        out->header(out->ctx, pullcred::sdk::str("Content-Type"), pullcred::sdk::str("text/xml"));
        out->body(out->ctx, pullcred::sdk::str(reply.body));
        return PULLCRED_OK;
    }

    pullcred_status sign_sigv4(const pullcred_http_request *request, const pullcred_sigv4_params *params,
                               pullcred_header_sink *out, pullcred_text_sink * /*error*/,
                               std::int64_t /*now_unix_ms*/) override {
        auto signing = record(request);
        signing.service = std::string(pullcred::sdk::view(params->service));
        signing.region = std::string(pullcred::sdk::view(params->region));
        signing.access_key_id = std::string(pullcred::sdk::view(params->access_key_id));
        signing.secret_access_key = std::string(pullcred::sdk::view(params->secret_access_key));
        signing.session_token = std::string(pullcred::sdk::view(params->session_token));
        signings.push_back(signing);
        add(out, "X-Amz-Date", "20231114T221320Z");
        add(out, "Authorization", "AWS4-HMAC-SHA256 Credential=" + signing.access_key_id + "/fake");
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

// An STS success document.
inline std::string sts_reply(const std::string &action, const std::string &key_id, const std::string &secret,
                             const std::string &token,
                             const std::string &expiration = "2023-11-15T00:00:00Z") {
    return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + action +
           "Result><Credentials><AccessKeyId>" + key_id + "</AccessKeyId><SecretAccessKey>" + secret +
           "</SecretAccessKey><SessionToken>" + token + "</SessionToken><Expiration>" + expiration +
           "</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId><Arn>arn</Arn>"
           "</AssumedRoleUser></" +
           action +
           "Result><ResponseMetadata><RequestId>1</RequestId>"
           "</ResponseMetadata></" +
           action + "Response>";
}

inline std::string sts_error(const std::string &code, const std::string &message) {
    return "<ErrorResponse "
           "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>" +
           code + "</Code><Message>" + message + "</Message></Error><RequestId>1</RequestId></ErrorResponse>";
}

} // namespace sources_test
