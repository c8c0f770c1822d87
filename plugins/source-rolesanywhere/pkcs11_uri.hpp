// PKCS#11 URIs (RFC 7512) as aws_signing_helper takes them in place of a
// certificate or key file: `pkcs11:token=...;object=...;id=%01?pin-value=...`.
// Path attributes select the token (token, manufacturer, serial, model,
// slot-id, slot-description, slot-manufacturer) and the object (object =
// CKA_LABEL, id = CKA_ID, type); query attributes carry the PIN (pin-value)
// and the module (module-path). Values are percent-decoded bytes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <pullcred/result.hpp>

namespace pullcred_ra {

using pullcred::sdk::Result;

struct Pkcs11Uri {
    std::map<std::string, std::string> path;  // decoded path attributes by name
    std::map<std::string, std::string> query; // decoded query attributes by name
    std::optional<std::uint64_t> slot_id;

    [[nodiscard]] const std::string *attribute(const std::string &name) const;
    [[nodiscard]] const std::string *pin() const;
    // The URI re-encoded without pin-value: safe for messages and logs.
    [[nodiscard]] std::string shown() const;
};

bool is_pkcs11_uri(std::string_view value);

// Parses `text` (starting "pkcs11:"); errors name the attribute (never its
// value, which may be a PIN) and say how to fix the URI.
Result<Pkcs11Uri> parse_pkcs11_uri(std::string_view text, std::string_view what);

// `text` as it may be shown: a PKCS#11 URI without its pin-value (or a
// placeholder when it does not parse), anything else unchanged.
std::string shown_key_location(std::string_view text);

} // namespace pullcred_ra
