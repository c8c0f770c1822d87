// TPM 2.0 keys, as aws_signing_helper takes them: a TSS2 PEM key file
// ("-----BEGIN TSS2 PRIVATE KEY-----", a loadable key wrapped by a parent
// in the TPM) or a persistent handle (`handle:0x81000001`), with or without
// a key password. OpenSSL's tpm2-openssl provider ("tpm2", Debian
// tpm2-openssl) loads them; the key never leaves the TPM.
//
// The TPM is found as the helper finds it: $TPM_DEVICE (a TPM character
// device, or the Unix socket of a simulator such as swtpm), else
// /dev/tpmrm0, else /dev/tpm0. $TPM2OPENSSL_TCTI, the provider's own
// setting, wins over all of these (e.g. swtpm:host=127.0.0.1,port=2321).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "x509_material.hpp"

namespace pullcred_ra {

struct TpmKeyOptions {
    std::optional<std::string> password; // --tpm-key-password
    bool no_password = false;            // --no-tpm-key-password
};

bool is_tpm_handle(std::string_view value);
bool is_tss2_key_file(std::string_view text);

// "handle:0x81000001" (hex, "0x" optional): the handle number.
Result<std::uint32_t> parse_tpm_handle(std::string_view value, std::string_view what);

// What a TSS2 key file's DER says (loadable keys only, as the helper).
struct Tss2Key {
    bool empty_auth = false;
    std::uint32_t parent = 0;
};
Result<Tss2Key> parse_tss2_key(std::string_view der, std::string_view origin);

// The TCTI for tpm2-openssl from the environment (see above), or an error
// when no TPM can be found.
Result<std::string> tpm_tcti(const char *tpm2openssl_tcti, const char *tpm_device);

// The key of a TSS2 file (`pem` its text) or of a handle (`pem` empty).
Result<KeyPtr> tpm_private_key(std::string_view location, std::string_view pem, const TpmKeyOptions &options,
                               std::string_view origin);

} // namespace pullcred_ra
