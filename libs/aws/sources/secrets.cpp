#include "aws/sources/secrets.hpp"

#include <atomic>

namespace pullcred::aws::sources {
namespace {

std::atomic<SecretSink> installed{nullptr};

} // namespace

void report_secrets_to(SecretSink sink) {
    installed.store(sink);
}

void report_secret(std::string_view value) {
    if (const SecretSink sink = installed.load(); sink != nullptr) sink(value);
}

} // namespace pullcred::aws::sources
