#include "aws/sigv4/scope.hpp"

#include <algorithm>

namespace pullcred::aws {
namespace {

bool is_scope_part(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_' || c == '.';
    });
}

void append_padded(std::string &out, unsigned value, int width) {
    std::string digits(static_cast<std::size_t>(width), '0');
    for (int i = width - 1; i >= 0; --i) {
        digits[static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    out += digits;
}

} // namespace

Status check_scope(const SigningScope &scope) {
    if (!is_scope_part(scope.service)) return Error{"signing service name is empty or malformed"};
    if (!is_scope_part(scope.region)) return Error{"signing region is empty or malformed"};
    return ok();
}

Result<std::string> format_amz_date(std::chrono::system_clock::time_point time) {
    using namespace std::chrono;
    const auto seconds = floor<std::chrono::seconds>(time);
    const auto day = floor<days>(seconds);
    const year_month_day date{day};
    const hh_mm_ss clock{seconds - day};
    const int year = static_cast<int>(date.year());
    if (year < 1000 || year > 9999) return Error{"signing time is out of range"};

    std::string out;
    out.reserve(16);
    append_padded(out, static_cast<unsigned>(year), 4);
    append_padded(out, static_cast<unsigned>(date.month()), 2);
    append_padded(out, static_cast<unsigned>(date.day()), 2);
    out.push_back('T');
    append_padded(out, static_cast<unsigned>(clock.hours().count()), 2);
    append_padded(out, static_cast<unsigned>(clock.minutes().count()), 2);
    append_padded(out, static_cast<unsigned>(clock.seconds().count()), 2);
    out.push_back('Z');
    return out;
}

std::string credential_scope(std::string_view amz_date, std::string_view region, std::string_view service) {
    std::string out(amz_date.substr(0, 8));
    out.push_back('/');
    out.append(region);
    out.push_back('/');
    out.append(service);
    out += "/aws4_request";
    return out;
}

} // namespace pullcred::aws
