#include "tpm_key.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <openssl/ui.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace pullcred_ra {

using pullcred::sdk::Error;

namespace {

constexpr std::string_view kHandle = "handle:";
constexpr std::string_view kTss2Begin = "-----BEGIN TSS2 PRIVATE KEY-----";
// id-loadableKey, 2.23.133.10.1.3; importable (.4) and sealed (.5) keys are not signing keys.
constexpr std::string_view kLoadableOid = "\x67\x81\x05\x0a\x01\x03";

// One DER TLV: tag, then the content.
struct Der {
    unsigned char tag = 0;
    std::string_view content;
};

// Reads the TLV at the front of `input` and advances past it.
std::optional<Der> read_der(std::string_view &input) {
    if (input.size() < 2) return std::nullopt;
    Der out;
    out.tag = static_cast<unsigned char>(input[0]);
    auto length = static_cast<std::size_t>(static_cast<unsigned char>(input[1]));
    std::size_t header = 2;
    if (length & 0x80U) {
        const std::size_t bytes = length & 0x7FU;
        if (bytes == 0 || bytes > 3 || input.size() < 2 + bytes) return std::nullopt;
        length = 0;
        for (std::size_t i = 0; i < bytes; ++i)
            length = (length << 8U) | static_cast<unsigned char>(input[2 + i]);
        header += bytes;
    }
    if (input.size() - header < length) return std::nullopt;
    out.content = input.substr(header, length);
    input.remove_prefix(header + length);
    return out;
}

bool persistent(std::uint32_t handle) {
    return (handle >> 24U) == 0x81U;
}

struct PasswordSlot {
    const std::optional<std::string> *password = nullptr;
    bool asked_without = false;
};

int password_callback(char *buffer, int size, int /*rwflag*/, void *data) {
    auto *slot = static_cast<PasswordSlot *>(data);
    if (slot == nullptr || slot->password == nullptr || !*slot->password) {
        if (slot != nullptr) slot->asked_without = true;
        return -1;
    }
    const auto &password = **slot->password;
    if (size < 0 || password.size() > static_cast<std::size_t>(size)) return -1;
    std::copy(password.begin(), password.end(), buffer);
    return static_cast<int>(password.size());
}

// Loads tpm2-openssl once for the process, beside the default provider,
// with its TCTI chosen as the helper chooses the TPM.
Result<bool> load_tpm2_provider() {
    static std::mutex mutex;
    static OSSL_PROVIDER *provider = nullptr;
    static std::string failure;
    const std::lock_guard lock(mutex);
    if (provider != nullptr) return true;
    auto tcti = tpm_tcti(std::getenv("TPM2OPENSSL_TCTI"), std::getenv("TPM_DEVICE")); // NOLINT
    if (!tcti) return tcti.error();
    if (std::getenv("TPM2OPENSSL_TCTI") == nullptr) ::setenv("TPM2OPENSSL_TCTI", tcti->c_str(), 0); // NOLINT
    // The TSS logs warnings to stderr by itself; pullcred's errors say what failed.
    ::setenv("TSS2_LOG", "all+NONE", 0); // NOLINT
    provider = OSSL_PROVIDER_try_load(nullptr, "tpm2", 1);
    if (provider == nullptr) {
        ERR_clear_error();
        return Error::failed("the tpm2 OpenSSL provider cannot be loaded (TCTI " + *tcti +
                             "); install Debian tpm2-openssl, and check that the TPM answers (tpm2_getcap "
                             "properties-fixed)");
    }
    // Everything else (TLS, hashing, other keys) stays with the default
    // provider; a TPM key still signs in its own provider.
    (void)EVP_set_default_properties(nullptr, "?provider=default");
    ERR_clear_error();
    return true;
}

std::string openssl_reason() {
    unsigned long code = 0;
    unsigned long last = 0;
    while ((code = ERR_get_error()) != 0) last = code;
    if (last == 0) return "no reason given";
    char buffer[256];
    ERR_error_string_n(last, buffer, sizeof buffer);
    return buffer;
}

struct UiMethodDeleter {
    void operator()(UI_METHOD *method) const { UI_destroy_method(method); }
};

Result<KeyPtr> load_from_store(const std::string &uri, PasswordSlot &slot, const std::string &where) {
    std::unique_ptr<UI_METHOD, UiMethodDeleter> ui(UI_UTIL_wrap_read_pem_callback(password_callback, 0));
    if (!ui) return Error::failed(where + ": out of memory");
    OSSL_STORE_CTX *store =
        OSSL_STORE_open_ex(uri.c_str(), nullptr, nullptr, ui.get(), &slot, nullptr, nullptr, nullptr);
    if (store == nullptr)
        return Error::failed(where + ": the TPM cannot open it (" + openssl_reason() +
                             "); check the handle (tpm2_getcap handles-persistent) and the TPM");
    KeyPtr key;
    while (!key && OSSL_STORE_eof(store) == 0) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(store);
        if (info == nullptr) break;
        if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
            key.reset(OSSL_STORE_INFO_get1_PKEY(info));
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(store);
    if (!key)
        return Error::failed(where + ": the TPM gives no private key for it (" + openssl_reason() + ")");
    ERR_clear_error();
    return key;
}

} // namespace

bool is_tpm_handle(std::string_view value) {
    return value.substr(0, kHandle.size()) == kHandle;
}

bool is_tss2_key_file(std::string_view text) {
    return text.find(kTss2Begin) != std::string_view::npos;
}

Result<std::uint32_t> parse_tpm_handle(std::string_view value, std::string_view what) {
    const std::string where = std::string(what) + " (a TPM handle)";
    if (!is_tpm_handle(value)) return Error::failed(where + ": does not start with handle:");
    auto digits = value.substr(kHandle.size());
    if (digits.substr(0, 2) == "0x" || digits.substr(0, 2) == "0X") digits.remove_prefix(2);
    if (digits.empty() || digits.size() > 8)
        return Error::failed(where + ": write it as handle:0x81000001 (eight hex digits at most)");
    std::uint32_t handle = 0;
    for (char c : digits) {
        int digit = -1;
        if (c >= '0' && c <= '9') digit = c - '0';
        if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
        if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
        if (digit < 0) return Error::failed(where + ": write it as handle:0x81000001 (hex digits only)");
        handle = (handle << 4U) | static_cast<std::uint32_t>(digit);
    }
    if (!persistent(handle))
        return Error::failed(where +
                             ": not a persistent handle (0x81000000 to 0x81FFFFFF); make the key persistent "
                             "with tpm2_evictcontrol and give its handle");
    return handle;
}

Result<Tss2Key> parse_tss2_key(std::string_view der, std::string_view origin) {
    const std::string where = std::string(origin) + ": TSS2 PRIVATE KEY";
    const std::string malformed =
        where + " is not a valid TPM 2.0 key file (draft-bottomley-tpm2-keys); re-create it "
                "(openssl genpkey -provider tpm2 ...)";
    auto outer = read_der(der);
    if (!outer || outer->tag != 0x30 || !der.empty()) return Error::failed(malformed);
    auto body = outer->content;
    auto type = read_der(body);
    if (!type || type->tag != 0x06) return Error::failed(malformed);
    if (type->content != kLoadableOid)
        return Error::failed(where +
                             ": only loadable keys are supported (as aws_signing_helper), not importable or "
                             "sealed ones; create the key in the TPM (openssl genpkey -provider tpm2)");
    Tss2Key out;
    std::string_view field = body;
    for (;;) {
        auto peek = field;
        auto next = read_der(peek);
        if (!next) return Error::failed(malformed);
        if (next->tag == 0x02) break; // parent INTEGER
        field = peek;
        switch (next->tag) {
        case 0xA0: { // [0] emptyAuth BOOLEAN
            auto inner = next->content;
            auto flag = read_der(inner);
            if (!flag || flag->tag != 0x01 || flag->content.size() != 1) return Error::failed(malformed);
            out.empty_auth = flag->content[0] != 0;
            break;
        }
        case 0xA1:
        case 0xA3:
            return Error::failed(where +
                                 ": keys bound to a TPM policy are not supported (as aws_signing_helper); "
                                 "create the key without a policy");
        case 0xA2:
            return Error::failed(where +
                                 ": the key has a 'secret' field (an importable key); create the key in "
                                 "the TPM instead");
        default:
            if ((next->tag & 0xE0U) != 0xA0U) return Error::failed(malformed); // later optional fields
            break;
        }
    }
    auto parent = read_der(field);
    if (!parent || parent->tag != 0x02 || parent->content.empty() || parent->content.size() > 5)
        return Error::failed(malformed);
    std::uint64_t parent_value = 0;
    for (char c : parent->content) parent_value = (parent_value << 8U) | static_cast<unsigned char>(c);
    out.parent = static_cast<std::uint32_t>(parent_value);
    if (!persistent(out.parent) && out.parent != 0x40000001U && out.parent != 0x40000007U &&
        out.parent != 0x4000000BU && out.parent != 0x4000000CU)
        return Error::failed(where +
                             ": its parent is neither a persistent handle nor a hierarchy (owner, null, "
                             "endorsement, platform); re-create the key under one of those");
    for (const char *blob : {"public", "private"}) {
        auto octets = read_der(field);
        if (!octets || octets->tag != 0x04 || octets->content.size() < 2 ||
            octets->content.size() - 2 !=
                ((static_cast<std::size_t>(static_cast<unsigned char>(octets->content[0])) << 8U) |
                 static_cast<std::size_t>(static_cast<unsigned char>(octets->content[1]))))
            return Error::failed(where + ": its " + blob + " blob has the wrong length; re-create the key");
    }
    return out;
}

Result<std::string> tpm_tcti(const char *tpm2openssl_tcti, const char *tpm_device) {
    if (tpm2openssl_tcti != nullptr && *tpm2openssl_tcti != '\0') return std::string(tpm2openssl_tcti);
    if (tpm_device != nullptr && *tpm_device != '\0') {
        struct stat info {};
        if (::stat(tpm_device, &info) != 0)
            return Error::failed(std::string("TPM_DEVICE ") + tpm_device +
                                 " does not exist; point it at the TPM device (/dev/tpmrm0) or a simulator's "
                                 "Unix socket");
        if (S_ISSOCK(info.st_mode)) return "swtpm:path=" + std::string(tpm_device);
        if (S_ISCHR(info.st_mode)) return "device:" + std::string(tpm_device);
        return Error::failed(std::string("TPM_DEVICE ") + tpm_device +
                             " is neither a character device nor a Unix socket; point it at the TPM device "
                             "(/dev/tpmrm0) or a simulator's Unix socket");
    }
    for (const char *device : {"/dev/tpmrm0", "/dev/tpm0"}) {
        struct stat info {};
        if (::stat(device, &info) == 0 && S_ISCHR(info.st_mode)) return "device:" + std::string(device);
    }
    return Error::failed(
        "no TPM found: neither /dev/tpmrm0 nor /dev/tpm0 exists; set TPM_DEVICE (a device or a "
        "simulator's Unix socket) or TPM2OPENSSL_TCTI");
}

namespace {

// The TPM checks the key's password when it first signs: a test signature
// turns a wrong one into a clear error here instead of a bare "cannot sign".
Result<KeyPtr> signing_checked(Result<KeyPtr> key, const TpmKeyOptions &options, const std::string &where) {
    if (!key) return key;
    if (auto signature = sign_bytes(key->get(), "pullcred TPM key check", "SHA256"); !signature)
        return Error::failed(where + ": the TPM refused to sign with the key (" + signature.error().message +
                             "); " +
                             (options.password ? "check --tpm-key-password (tpmKeyPassword...)"
                                               : "the key may need a password: --tpm-key-password"));
    return key;
}

} // namespace

Result<KeyPtr> tpm_private_key(std::string_view location, std::string_view pem, const TpmKeyOptions &options,
                               std::string_view origin) {
    const std::string where(origin);
    PasswordSlot slot;
    slot.password = &options.password;
    if (pem.empty()) {
        auto handle = parse_tpm_handle(location, origin);
        if (!handle) return handle.error();
        if (!options.password && !options.no_password)
            return Error::failed(
                where + ": say whether the TPM key has a password: --tpm-key-password PASS "
                        "(tpmKeyPassword...) or --no-tpm-key-password (noTpmKeyPassword); pullcred never "
                        "prompts");
        if (options.password && options.no_password)
            return Error::failed(where +
                                 ": --tpm-key-password and --no-tpm-key-password contradict each other; "
                                 "give one");
        if (auto loaded = load_tpm2_provider(); !loaded) return loaded.error();
        std::string uri(location);
        if (options.password) uri += "?pass";
        return signing_checked(load_from_store(uri, slot, where), options, where);
    }
    auto blocks = pem_blocks(pem, origin);
    if (!blocks) return blocks.error();
    const PemBlock *found = nullptr;
    for (const auto &block : *blocks)
        if (block.label == "TSS2 PRIVATE KEY") found = &block;
    if (found == nullptr) return Error::failed(where + ": no TSS2 PRIVATE KEY block");
    auto info = parse_tss2_key(found->der, origin);
    if (!info) return info.error();
    if (info->empty_auth && options.password)
        return Error::failed(where +
                             ": --tpm-key-password is given but the key file says the key has no password; "
                             "remove it");
    if (!info->empty_auth && !options.password)
        return Error::failed(
            where + ": the TPM key has a password (the file's emptyAuth is not set); give "
                    "--tpm-key-password (tpmKeyPasswordFile, tpmKeyPasswordEnv); pullcred never prompts");
    if (auto loaded = load_tpm2_provider(); !loaded) return loaded.error();
    BIO *bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr) return Error::failed(where + ": out of memory");
    KeyPtr key(PEM_read_bio_PrivateKey_ex(bio, nullptr, password_callback, &slot, nullptr, "?provider=tpm2"));
    BIO_free(bio);
    if (!key) {
        const auto reason = openssl_reason();
        return Error::failed(
            where + ": the TPM cannot load the key (" + reason +
            "); it must have been created in this TPM, under a parent it still holds, and the "
            "password must be right");
    }
    return signing_checked(std::move(key), options, where);
}

} // namespace pullcred_ra
