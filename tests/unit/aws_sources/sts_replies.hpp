// STS replies for the built-in sources' tests, on the shared fake network.
#pragma once

#include <string>
#include <utility>

#include "pullcred_test/fake_net.hpp"

namespace sources_test {

using pullcred_test::FakeNet;
using pullcred_test::Reply;

inline Reply reply(int status, std::string body) {
    Reply out;
    out.status = status;
    out.headers = {{"Content-Type", "text/xml"}};
    out.body = std::move(body);
    return out;
}

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
