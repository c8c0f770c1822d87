// Small helpers for the C ABI types that the network library receives.
#pragma once

#include <pullcred/module.h>
#include <string_view>

namespace pullcred::net {

inline std::string_view view(pullcred_str text) {
    return text.len != 0 && text.ptr != nullptr ? std::string_view(text.ptr, text.len) : std::string_view();
}

inline pullcred_str to_str(std::string_view text) {
    return pullcred_str{text.data(), text.size()};
}

inline void write_text(pullcred_text_sink *sink, std::string_view text) {
    if (sink != nullptr && sink->write != nullptr) sink->write(sink->ctx, to_str(text));
}

} // namespace pullcred::net
