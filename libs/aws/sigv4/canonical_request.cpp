#include "aws/sigv4/canonical_request.hpp"

#include "aws/sigv4/canonical_path.hpp"
#include "aws/sigv4/canonical_query.hpp"
#include "aws/sigv4/hash.hpp"
#include "aws/sigv4/headers.hpp"
#include "aws/sigv4/url.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace pullcred::aws {
namespace {

using HeaderValues = std::map<std::string, std::vector<std::string_view>>;

Status check_headers(const HeaderList &headers) {
    for (const auto &[name, value] : headers) {
        if (!is_valid_header_name(name)) return Error{"invalid HTTP header name"};
        if (!is_valid_header_value(value)) {
            return Error{"header " + to_lower_ascii(name) + " has a control character in its value"};
        }
    }
    return ok();
}

// Lower-case name -> values in request order, for the selected headers.
Result<HeaderValues> select_headers(const HttpRequestToSign &request,
                                    const SignedHeaderSelection &selection) {
    HeaderValues selected;
    if (selection.is_all()) {
        for (const auto &[name, value] : request.headers) {
            std::string lower = to_lower_ascii(name);
            if (!is_unsigned_header(lower)) selected[std::move(lower)].push_back(value);
        }
    } else {
        for (const auto &wanted : selection.names()) {
            if (!is_valid_header_name(wanted)) return Error{"invalid name in the signed header list"};
            selected.try_emplace(to_lower_ascii(wanted));
        }
        for (const auto &[name, value] : request.headers) {
            if (auto it = selected.find(to_lower_ascii(name)); it != selected.end())
                it->second.push_back(value);
        }
    }
    if (selection.is_all()) selected.try_emplace("host");
    for (const auto &[name, values] : selected) {
        if (!values.empty() || name == "host") continue;
        return Error{"signed header " + name + " is not in the request"};
    }
    return selected;
}

// The first X-Amz-Content-SHA256 value, as written (botocore uses it verbatim).
std::optional<std::string> payload_hash_header(const HeaderList &headers) {
    for (const auto &[name, value] : headers) {
        if (to_lower_ascii(name) == "x-amz-content-sha256") return value;
    }
    return std::nullopt;
}

std::string upper_ascii(std::string_view text) {
    std::string out(text);
    for (char &c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

} // namespace

Result<CanonicalRequest> build_canonical_request(const HttpRequestToSign &request,
                                                 const SignedHeaderSelection &selection) {
    if (!is_valid_header_name(request.method)) return Error{"invalid HTTP method"};
    auto url = parse_url(request.url);
    if (!url) return url.error();
    if (auto checked = check_headers(request.headers); !checked) return checked.error();
    auto selected = select_headers(request, selection);
    if (!selected) return selected.error();

    CanonicalRequest out;
    const std::string host = url->host_header();
    std::string headers_block;
    for (const auto &[name, values] : *selected) {
        headers_block += name;
        headers_block.push_back(':');
        if (values.empty()) {
            headers_block += host; // "host" not carried: derived from the URL
        } else {
            for (std::size_t i = 0; i < values.size(); ++i) {
                if (i != 0) headers_block.push_back(',');
                headers_block += canonical_header_value(values[i]);
            }
        }
        headers_block.push_back('\n');
        if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
        out.signed_headers += name;
    }

    if (auto declared = payload_hash_header(request.headers)) {
        out.payload_hash = std::move(*declared);
    } else {
        auto hash = sha256_hex(request.body);
        if (!hash) return hash.error();
        out.payload_hash = std::move(*hash);
    }

    out.text = upper_ascii(request.method);
    out.text += '\n';
    out.text += canonical_uri(url->path);
    out.text += '\n';
    out.text += canonical_query_string(url->query);
    out.text += '\n';
    out.text += headers_block;
    out.text += '\n';
    out.text += out.signed_headers;
    out.text += '\n';
    out.text += out.payload_hash;
    return out;
}

} // namespace pullcred::aws
