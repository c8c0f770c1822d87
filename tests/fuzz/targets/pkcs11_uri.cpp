// PKCS#11 URIs (parse_pkcs11_uri, shown, shown_key_location), TPM handles
// (parse_tpm_handle) and TSS2 key DER (parse_tss2_key): inputs a node's
// config or a credential_process line hands to aws.roles-anywhere.
// Properties: never crashes; errors are one line and never quote the input's
// PIN (seeds carry SECRETCANARY as pin-value); the shown form of a parsed URI
// holds no pin-value= attribute and parses again to the same path attributes.
#include "pkcs11_uri.hpp"
#include "fuzz_secret.hpp"
#include "tpm_key.hpp"

using namespace pullcred;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    const std::string uri = "pkcs11:" + std::string(text);
    if (auto parsed = pullcred_ra::parse_pkcs11_uri(uri, "certificate")) {
        const auto shown = parsed->shown();
        FUZZ_CHECK(shown.find("pin-value=") == std::string::npos,
                   "shown URI keeps its PIN: " + fuzz::escape(shown));
        auto again = pullcred_ra::parse_pkcs11_uri(shown, "certificate");
        FUZZ_CHECK(again.ok(), "the shown URI does not parse: " + fuzz::escape(shown));
        FUZZ_CHECK(again->path == parsed->path, "the shown URI changed its path: " + fuzz::escape(shown));
    } else {
        fuzz::check_error(parsed.error().message, text);
    }
    const auto location = pullcred_ra::shown_key_location(uri);
    FUZZ_CHECK(location.find("pin-value=") == std::string::npos,
               "shown location keeps a PIN: " + fuzz::escape(location));
    if (auto handle = pullcred_ra::parse_tpm_handle("handle:" + std::string(text), "privateKey"); !handle)
        fuzz::check_error(handle.error().message, text);
    else
        FUZZ_CHECK((*handle >> 24U) == 0x81U, "a handle that is not persistent was accepted");
    if (auto key = pullcred_ra::parse_tss2_key(text, "privateKey fuzz.pem"); !key)
        fuzz::check_error(key.error().message, text);
    return 0;
}
