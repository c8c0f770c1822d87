#include "pkcs11_key.hpp"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "pkcs11_module.hpp"
#include "pkcs11_uri.hpp"

namespace pullcred_ra {

using pullcred::sdk::Error;

namespace {

std::string trimmed(const CK_UTF8CHAR *text, std::size_t size) {
    std::string out(reinterpret_cast<const char *>(text), size); // NOLINT
    while (!out.empty() && (out.back() == ' ' || out.back() == '\0')) out.pop_back();
    return out;
}

struct Slot {
    CK_SLOT_ID id = 0;
    std::string token, manufacturer, model, serial, slot_description, slot_manufacturer;
};

Result<std::vector<Slot>> token_slots(CK_FUNCTION_LIST *f, const std::string &library) {
    CK_ULONG count = 0;
    CK_RV rv = f->C_GetSlotList(CK_TRUE, nullptr, &count);
    std::vector<CK_SLOT_ID> ids(count);
    if (rv == CKR_OK && count > 0) rv = f->C_GetSlotList(CK_TRUE, ids.data(), &count);
    if (rv != CKR_OK)
        return Error::failed("PKCS#11 library " + library + ": cannot list its tokens (" + ckr_name(rv) +
                             ")");
    ids.resize(count);
    std::vector<Slot> out;
    for (const auto id : ids) {
        CK_SLOT_INFO slot_info{};
        CK_TOKEN_INFO token_info{};
        if (f->C_GetSlotInfo(id, &slot_info) != CKR_OK || f->C_GetTokenInfo(id, &token_info) != CKR_OK)
            continue;
        Slot slot;
        slot.id = id;
        slot.token = trimmed(token_info.label, sizeof token_info.label);
        slot.manufacturer = trimmed(token_info.manufacturerID, sizeof token_info.manufacturerID);
        slot.model = trimmed(token_info.model, sizeof token_info.model);
        slot.serial = trimmed(token_info.serialNumber, sizeof token_info.serialNumber);
        slot.slot_description = trimmed(slot_info.slotDescription, sizeof slot_info.slotDescription);
        slot.slot_manufacturer = trimmed(slot_info.manufacturerID, sizeof slot_info.manufacturerID);
        out.push_back(std::move(slot));
    }
    return out;
}

bool slot_matches(const Slot &slot, const Pkcs11Uri &uri) {
    if (uri.slot_id && *uri.slot_id != 0 && *uri.slot_id != slot.id) return false;
    for (const auto &[name, value] : {std::pair<const char *, const std::string *>{"token", &slot.token},
                                      {"model", &slot.model},
                                      {"manufacturer", &slot.manufacturer},
                                      {"serial", &slot.serial},
                                      {"slot-description", &slot.slot_description},
                                      {"slot-manufacturer", &slot.slot_manufacturer}})
        if (const auto *wanted = uri.attribute(name); wanted != nullptr && *wanted != *value) return false;
    return true;
}

std::vector<Slot> matching_slots(const std::vector<Slot> &slots, const Pkcs11Uri &uri) {
    std::vector<Slot> out;
    for (const auto &slot : slots)
        if (slot_matches(slot, uri)) out.push_back(slot);
    return out;
}

class Session {
public:
    Session(CK_FUNCTION_LIST *functions, CK_SESSION_HANDLE session, CK_SLOT_ID slot_id)
        : f(functions), handle(session), slot(slot_id) {}
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;
    ~Session() { f->C_CloseSession(handle); }
    CK_FUNCTION_LIST *f;
    CK_SESSION_HANDLE handle;
    CK_SLOT_ID slot;
    bool logged_in = false;
};

std::shared_ptr<Session> open_session(CK_FUNCTION_LIST *f, CK_SLOT_ID slot) {
    CK_SESSION_HANDLE handle = 0;
    if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &handle) != CKR_OK) return nullptr;
    return std::make_shared<Session>(f, handle, slot);
}

CK_RV login(Session &session, CK_USER_TYPE user, const std::string &pin) {
    std::string copy = pin;
    const CK_RV rv =
        session.f->C_Login(session.handle, user, reinterpret_cast<CK_UTF8CHAR *>(copy.data()), // NOLINT
                           copy.size());
    OPENSSL_cleanse(copy.data(), copy.size());
    return rv == CKR_USER_ALREADY_LOGGED_IN ? CKR_OK : rv;
}

std::vector<CK_OBJECT_HANDLE> find_objects(Session &session, CK_OBJECT_CLASS object_class,
                                           const Pkcs11Uri &uri) {
    std::vector<CK_ATTRIBUTE> wanted;
    wanted.push_back({CKA_CLASS, &object_class, sizeof object_class});
    std::string label;
    std::string id;
    if (const auto *value = uri.attribute("object")) {
        label = *value;
        wanted.push_back({CKA_LABEL, label.data(), label.size()});
    }
    if (const auto *value = uri.attribute("id")) {
        id = *value;
        wanted.push_back({CKA_ID, id.data(), id.size()});
    }
    std::vector<CK_OBJECT_HANDLE> out;
    if (session.f->C_FindObjectsInit(session.handle, wanted.data(), wanted.size()) != CKR_OK) return out;
    constexpr CK_ULONG kBatch = 64;
    constexpr std::size_t kMaxObjects = 1000;
    for (;;) {
        CK_OBJECT_HANDLE batch[kBatch];
        CK_ULONG found = 0;
        if (session.f->C_FindObjects(session.handle, batch, kBatch, &found) != CKR_OK || found == 0) break;
        out.insert(out.end(), batch, batch + found);
        if (out.size() >= kMaxObjects) break;
    }
    session.f->C_FindObjectsFinal(session.handle);
    return out;
}

std::optional<std::string> attribute_bytes(Session &session, CK_OBJECT_HANDLE object,
                                           CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE query{type, nullptr, 0};
    if (session.f->C_GetAttributeValue(session.handle, object, &query, 1) != CKR_OK ||
        query.ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return std::nullopt;
    std::string value(query.ulValueLen, '\0');
    query.pValue = value.data();
    if (session.f->C_GetAttributeValue(session.handle, object, &query, 1) != CKR_OK) return std::nullopt;
    value.resize(query.ulValueLen);
    return value;
}

std::optional<CK_ULONG> attribute_ulong(Session &session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
    auto bytes = attribute_bytes(session, object, type);
    if (!bytes || bytes->empty() || bytes->size() > sizeof(CK_ULONG)) return std::nullopt;
    if (bytes->size() == 1) return static_cast<CK_ULONG>(static_cast<unsigned char>(bytes->front()));
    std::array<unsigned char, sizeof(CK_ULONG)> raw{}; // native byte order, as the token wrote it
    std::copy(bytes->begin(), bytes->end(), raw.begin());
    CK_ULONG value = 0;
    std::memcpy(&value, raw.data(), raw.size());
    return value;
}

struct FoundCertificate {
    CertPtr certificate;
    std::string id;
    std::shared_ptr<Session> session;
};

struct Token {
    CK_FUNCTION_LIST *f = nullptr;
    std::string library;
    std::vector<Slot> slots;
};

Result<Token> open_token(const Pkcs11Options &options) {
    Token token;
    token.library = options.library.empty() ? std::string(kDefaultPkcs11Library) : options.library;
    auto functions = pkcs11_module(token.library);
    if (!functions) return functions.error();
    token.f = *functions;
    auto slots = token_slots(token.f, token.library);
    if (!slots) return slots.error();
    token.slots = std::move(*slots);
    return token;
}

struct CertificateObject {
    CertPtr certificate;
    std::string id;    // CKA_ID
    std::string label; // CKA_LABEL
    const Slot *slot = nullptr;
    std::shared_ptr<Session> session;
};

// Every certificate `uri` names in `session`'s token (CKA_VALUE parsed).
Result<std::vector<CertificateObject>> certificates_in(const std::shared_ptr<Session> &session,
                                                       const Slot &slot, const Pkcs11Uri &uri,
                                                       const std::string &where) {
    std::vector<CertificateObject> out;
    for (const auto object : find_objects(*session, CKO_CERTIFICATE, uri)) {
        auto der = attribute_bytes(*session, object, CKA_VALUE);
        if (!der) continue;
        const auto *cursor = reinterpret_cast<const unsigned char *>(der->data()); // NOLINT
        CertPtr cert(d2i_X509(nullptr, &cursor, static_cast<long>(der->size())));
        if (!cert) {
            ERR_clear_error();
            return Error::failed(where + ": a matching certificate object is not a valid X.509 certificate; "
                                         "select another with object= or id=");
        }
        out.push_back({std::move(cert), attribute_bytes(*session, object, CKA_ID).value_or(""),
                       attribute_bytes(*session, object, CKA_LABEL).value_or(""), &slot, session});
    }
    return out;
}

// Every certificate `uri` matches: those every matching token shows without
// a login, else (exactly one token matching) those it shows after logging in
// with the URI's pin-value. None found after the login is an error unless
// `none_is_an_answer` (a listing, which then says there are none).
Result<std::vector<CertificateObject>> matching_certificates(const Token &token, const Pkcs11Uri &uri,
                                                             const std::string &where,
                                                             bool none_is_an_answer) {
    std::vector<const Slot *> slots;
    for (const auto &slot : token.slots)
        if (slot_matches(slot, uri)) slots.push_back(&slot);
    std::vector<CertificateObject> all;
    for (const auto *slot : slots) {
        auto session = open_session(token.f, slot->id);
        if (!session) continue;
        auto certs = certificates_in(session, *slot, uri, where);
        if (!certs) return certs.error();
        for (auto &cert : *certs) all.push_back(std::move(cert));
    }
    if (!all.empty()) return all;
    if (slots.empty())
        return Error::failed(where + ": no token matches it (" + std::to_string(token.slots.size()) +
                             " token(s) in " + token.library +
                             "); check token=, serial= and the library (--pkcs11-lib, pkcs11Lib)");
    if (slots.size() > 1)
        return Error::failed(where + ": " + std::to_string(slots.size()) +
                             " tokens match and none shows a matching certificate without a login; add "
                             "token= or serial= to select one token");
    const auto *pin = uri.pin();
    if (pin == nullptr)
        return Error::failed(where + ": no certificate found without logging in, and the URI has no PIN; add "
                                     "?pin-value=PIN (pullcred never prompts)");
    auto session = open_session(token.f, slots.front()->id);
    if (!session) return Error::failed(where + ": cannot open a session with the token");
    if (const CK_RV rv = login(*session, CKU_USER, *pin); rv != CKR_OK)
        return Error::failed(where + ": login failed (" + ckr_name(rv) + "); check the PIN in pin-value");
    session->logged_in = true;
    auto certs = certificates_in(session, *slots.front(), uri, where);
    if (!certs) return certs.error();
    if (certs->empty() && !none_is_an_answer)
        return Error::failed(where + ": no certificate matches it in token " + slots.front()->token +
                             "; check object= and id= (pkcs11-tool --list-objects shows them)");
    return certs;
}

Result<FoundCertificate> find_certificate(const Token &token, const Pkcs11Uri &uri,
                                          const std::string &where) {
    auto all = matching_certificates(token, uri, where, false);
    if (!all) return all.error();
    if (all->size() > 1)
        return Error::failed(where + ": " + std::to_string(all->size()) +
                             " certificates match; add object= or id= to select one");
    FoundCertificate found;
    found.certificate = std::move(all->front().certificate);
    found.id = std::move(all->front().id);
    found.session = std::move(all->front().session);
    return found;
}

// A path attribute's value percent-encoded as the helper's URI library does
// (RFC 7512: unreserved and path characters kept, upper-case hex); `id`
// encodes every byte.
std::string uri_encoded(const std::string &value, bool every_byte) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    static constexpr std::string_view kKept = "-._~&:[]@!$'()*+,=";
    std::string out;
    for (const unsigned char c : value) {
        if (!every_byte &&
            (std::isalnum(c) != 0 || kKept.find(static_cast<char>(c)) != std::string_view::npos)) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4U];
            out += kHex[c & 0xfU];
        }
    }
    return out;
}

// The URI naming one certificate object, with the attributes that
// aws_signing_helper puts in its listing (its order is a Go map's, random:
// here sorted by name).
std::string object_uri(const CertificateObject &object) {
    std::map<std::string, std::string> path{{"manufacturer", object.slot->manufacturer},
                                            {"model", object.slot->model},
                                            {"serial", object.slot->serial},
                                            {"slot-description", object.slot->slot_description},
                                            {"slot-manufacturer", object.slot->slot_manufacturer},
                                            {"type", "cert"}};
    if (!object.id.empty()) path["id"] = object.id;
    if (!object.label.empty()) path["object"] = object.label;
    std::string out = "pkcs11:";
    for (const auto &[name, value] : path) {
        if (out.back() != ':') out += ';';
        out += name + "=" + uri_encoded(value, name == "id");
    }
    return out;
}

// The certificates of the token that issue `leaf`, then its issuer, and so
// on (self-signed roots left out: the trust anchor holds them), as the
// helper sends a token's chain.
std::vector<CertPtr> token_chain(Session &session, const X509 *leaf) {
    std::vector<CertPtr> pool;
    const Pkcs11Uri any;
    for (const auto object : find_objects(session, CKO_CERTIFICATE, any)) {
        auto der = attribute_bytes(session, object, CKA_VALUE);
        if (!der) continue;
        const auto *cursor = reinterpret_cast<const unsigned char *>(der->data()); // NOLINT
        CertPtr cert(d2i_X509(nullptr, &cursor, static_cast<long>(der->size())));
        if (cert) pool.push_back(std::move(cert));
    }
    ERR_clear_error();
    std::vector<CertPtr> chain;
    const X509 *last = leaf;
    constexpr std::size_t kMaxChain = 8;
    while (chain.size() < kMaxChain) {
        auto issuer = pool.end();
        for (auto it = pool.begin(); it != pool.end(); ++it) {
            X509 *candidate = it->get();
            if (X509_check_issued(candidate, const_cast<X509 *>(last)) != X509_V_OK) continue; // NOLINT
            EVP_PKEY *issuer_key = X509_get0_pubkey(candidate);
            if (issuer_key == nullptr || X509_verify(const_cast<X509 *>(last), issuer_key) != 1)
                continue; // NOLINT
            issuer = it;
            break;
        }
        ERR_clear_error();
        if (issuer == pool.end()) break;
        if (X509_check_issued(issuer->get(), issuer->get()) == X509_V_OK) break; // a root
        chain.push_back(std::move(*issuer));
        pool.erase(issuer);
        last = chain.back().get();
    }
    return chain;
}

// The raw r || s of PKCS#11 ECDSA as the DER ECDSA-Sig-Value.
Result<std::string> ecdsa_der(const std::string &raw) {
    if (raw.empty() || raw.size() % 2 != 0)
        return Error::failed("the token returned a malformed ECDSA signature");
    const auto half = static_cast<int>(raw.size() / 2);
    const auto *bytes = reinterpret_cast<const unsigned char *>(raw.data()); // NOLINT
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(bytes, half, nullptr);
    BIGNUM *s = BN_bin2bn(bytes + half, half, nullptr);
    if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return Error::failed("signing: out of memory");
    }
    unsigned char *der = nullptr;
    const int length = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    if (length <= 0) return Error::failed("signing: cannot encode the ECDSA signature");
    std::string out(reinterpret_cast<const char *>(der), static_cast<std::size_t>(length)); // NOLINT
    OPENSSL_free(der);
    return out;
}

class Pkcs11Key final : public ExternalKey {
public:
    Pkcs11Key(std::shared_ptr<Session> session, CK_OBJECT_HANDLE object, CK_KEY_TYPE type, bool always_auth,
              std::string pin, bool reuse_pin, std::string where)
        : session_(std::move(session)), object_(object), type_(type), always_auth_(always_auth),
          pin_(std::move(pin)), reuse_pin_(reuse_pin), where_(std::move(where)) {}
    Pkcs11Key(const Pkcs11Key &) = delete;
    Pkcs11Key &operator=(const Pkcs11Key &) = delete;
    ~Pkcs11Key() override { wipe_secret(pin_); }

    Result<std::string> sign(std::string_view data, std::string_view digest) override {
        if (always_auth_ && (!reuse_pin_ || pin_.empty()))
            return Error::failed(where_ +
                                 ": the key needs its context-specific PIN for every signature "
                                 "(CKA_ALWAYS_AUTHENTICATE) and pullcred never prompts; set --reuse-pin "
                                 "(reusePin) when it equals the user PIN");
        CK_MECHANISM_TYPE mechanism = 0;
        std::string input;
        if (type_ == CKK_EC) {
            const EVP_MD *md = digest == "SHA256"   ? EVP_sha256()
                               : digest == "SHA384" ? EVP_sha384()
                               : digest == "SHA512" ? EVP_sha512()
                                                    : nullptr;
            if (md == nullptr) return Error::failed("signing: unknown digest (SHA256, SHA384 or SHA512)");
            unsigned char hash[EVP_MAX_MD_SIZE];
            unsigned int hash_length = 0;
            if (EVP_Digest(data.data(), data.size(), hash, &hash_length, md, nullptr) != 1)
                return Error::failed("signing: cannot hash the data");
            input.assign(reinterpret_cast<const char *>(hash), hash_length); // NOLINT
            mechanism = CKM_ECDSA;
        } else {
            mechanism = digest == "SHA256"   ? CKM_SHA256_RSA_PKCS
                        : digest == "SHA384" ? CKM_SHA384_RSA_PKCS
                        : digest == "SHA512" ? CKM_SHA512_RSA_PKCS
                                             : 0;
            if (mechanism == 0) return Error::failed("signing: unknown digest (SHA256, SHA384 or SHA512)");
            input.assign(data);
        }
        CK_MECHANISM chosen{mechanism, nullptr, 0};
        auto *f = session_->f;
        if (const CK_RV rv = f->C_SignInit(session_->handle, &chosen, object_); rv != CKR_OK)
            return Error::failed(where_ + ": the token cannot start signing (" + ckr_name(rv) + ")");
        if (always_auth_) {
            if (const CK_RV rv = login(*session_, CKU_CONTEXT_SPECIFIC, pin_); rv != CKR_OK) {
                CK_ULONG none = 0;
                f->C_Sign(session_->handle, nullptr, 0, nullptr, &none); // ends the operation
                return Error::failed(
                    where_ + ": the user PIN is not the key's context-specific PIN (" + ckr_name(rv) +
                    "); --reuse-pin only helps when both are the same, and pullcred never prompts");
            }
        }
        auto *bytes = reinterpret_cast<CK_BYTE *>(input.data()); // NOLINT
        CK_ULONG length = 0;
        CK_RV rv = f->C_Sign(session_->handle, bytes, input.size(), nullptr, &length);
        std::string signature(length, '\0');
        if (rv == CKR_OK)
            rv = f->C_Sign(session_->handle, bytes, input.size(),
                           reinterpret_cast<CK_BYTE *>(signature.data()), &length); // NOLINT
        if (rv != CKR_OK) return Error::failed(where_ + ": the token failed to sign (" + ckr_name(rv) + ")");
        signature.resize(length);
        return type_ == CKK_EC ? ecdsa_der(signature) : Result<std::string>(std::move(signature));
    }

private:
    std::shared_ptr<Session> session_;
    CK_OBJECT_HANDLE object_;
    CK_KEY_TYPE type_;
    bool always_auth_;
    std::string pin_;
    bool reuse_pin_;
    std::string where_;
};

// The key among `candidates` whose signature the certificate's public key verifies.
Result<Pkcs11Material> pick_key(const std::shared_ptr<Session> &session,
                                const std::vector<CK_OBJECT_HANDLE> &candidates, const X509 *certificate,
                                const std::string &pin, bool reuse_pin, const std::string &where) {
    const EVP_PKEY *public_key = X509_get0_pubkey(certificate);
    const int cert_type = public_key == nullptr ? 0 : EVP_PKEY_get_base_id(public_key);
    ERR_clear_error();
    std::string last_error;
    for (const auto object : candidates) {
        const auto type = attribute_ulong(*session, object, CKA_KEY_TYPE);
        if (!type || (*type != CKK_EC && *type != CKK_RSA)) continue;
        if ((*type == CKK_EC) != (cert_type == EVP_PKEY_EC)) continue;
        const bool always_auth = attribute_ulong(*session, object, CKA_ALWAYS_AUTHENTICATE).value_or(0) != 0;
        auto key = std::make_shared<Pkcs11Key>(session, object, *type, always_auth, pin, reuse_pin, where);
        static constexpr std::string_view kTest = "AWS Roles Anywhere Credential Helper PKCS11 Test1";
        auto signature = key->sign(kTest, "SHA256");
        if (!signature) {
            last_error = signature.error().message;
            continue;
        }
        if (!verify_signature(public_key, kTest, *signature, "SHA256")) continue;
        Pkcs11Material out;
        out.kind = *type == CKK_EC ? KeyKind::ec : KeyKind::rsa;
        out.key = std::move(key);
        return out;
    }
    if (!last_error.empty()) return Error::failed(last_error);
    return Error::failed(
        where + ": no private key in the token matches the certificate (" +
        std::to_string(candidates.size()) +
        " candidate(s)); check object= and id= (pkcs11-tool --list-objects --login shows them)");
}

} // namespace

Result<Pkcs11Material> pkcs11_material(const std::string &certificate_uri, const X509 *file_certificate,
                                       const std::string &key_uri, const Pkcs11Options &options) {
    std::optional<Pkcs11Uri> cert_uri;
    std::string cert_where;
    if (!certificate_uri.empty()) {
        auto parsed = parse_pkcs11_uri(certificate_uri, "certificate");
        if (!parsed) return parsed.error();
        cert_uri = std::move(*parsed);
        cert_where = "certificate " + cert_uri->shown();
    }
    const bool own_key_uri = !key_uri.empty();
    Pkcs11Uri search;
    if (own_key_uri) {
        auto parsed = parse_pkcs11_uri(key_uri, "privateKey");
        if (!parsed) return parsed.error();
        search = std::move(*parsed);
    } else if (cert_uri) {
        search = *cert_uri;
    } else {
        return Error::failed("privateKey: give the key's PKCS#11 URI");
    }
    const std::string where = (own_key_uri ? "privateKey " : "the key beside certificate ") + search.shown();

    auto token = open_token(options);
    if (!token) return token.error();

    Pkcs11Material out;
    std::shared_ptr<Session> session;
    std::string cert_id;
    if (cert_uri) {
        auto found = find_certificate(*token, *cert_uri, cert_where);
        if (!found) return found.error();
        out.certificate = std::move(found->certificate);
        session = std::move(found->session);
        cert_id = std::move(found->id);
        out.chain = token_chain(*session, out.certificate.get());
    } else {
        out.certificate.reset(X509_dup(file_certificate));
        if (!out.certificate) return Error::failed("certificate: out of memory");
    }

    std::string pin;
    if (cert_uri && cert_uri->pin() != nullptr) pin = *cert_uri->pin();
    if (search.pin() != nullptr) pin = *search.pin();

    auto slots = matching_slots(token->slots, search);
    const Slot *key_slot = nullptr;
    if (slots.size() == 1) {
        key_slot = &slots.front();
    } else {
        for (const auto &slot : slots)
            if (session && slot.id == session->slot) key_slot = &slot;
    }
    if (key_slot == nullptr) {
        wipe_secret(pin);
        return Error::failed(where + ": " +
                             (slots.empty() ? std::string("no token matches it")
                                            : std::to_string(slots.size()) + " tokens match it") +
                             "; add token= or serial= to select the key's token");
    }
    if (!session || session->slot != key_slot->id) {
        session = open_session(token->f, key_slot->id);
        if (!session) {
            wipe_secret(pin);
            return Error::failed(where + ": cannot open a session with token " + key_slot->token);
        }
    }
    if (!session->logged_in) {
        if (pin.empty())
            return Error::failed(where +
                                 ": using the key needs the token's user PIN; add ?pin-value=PIN to the "
                                 "URI (pullcred never prompts)");
        if (const CK_RV rv = login(*session, CKU_USER, pin); rv != CKR_OK) {
            wipe_secret(pin);
            return Error::failed(where + ": login to token " + key_slot->token + " failed (" + ckr_name(rv) +
                                 "); check the PIN in pin-value");
        }
        session->logged_in = true;
    }
    auto candidates = find_objects(*session, CKO_PRIVATE_KEY, search);
    if (candidates.empty() && !own_key_uri && search.attribute("object") != nullptr && !cert_id.empty()) {
        search.path.erase("object");
        search.path["id"] = cert_id;
        candidates = find_objects(*session, CKO_PRIVATE_KEY, search);
    }
    if (candidates.empty()) {
        wipe_secret(pin);
        return Error::failed(where + ": no private key matches it in token " + key_slot->token +
                             "; check object= and id= (pkcs11-tool --list-objects --login shows them)");
    }
    auto picked = pick_key(session, candidates, out.certificate.get(), pin, options.reuse_pin, where);
    wipe_secret(pin);
    if (!picked) return picked.error();
    out.key = std::move(picked->key);
    out.kind = picked->kind;
    return out;
}

Result<std::vector<Pkcs11Certificate>> pkcs11_certificates(const std::string &certificate_uri,
                                                           const Pkcs11Options &options) {
    auto parsed = parse_pkcs11_uri(certificate_uri, "certificate");
    if (!parsed) return parsed.error();
    auto token = open_token(options);
    if (!token) return token.error();
    auto all = matching_certificates(*token, *parsed, "certificate " + parsed->shown(), true);
    if (!all) return all.error();
    std::vector<Pkcs11Certificate> out;
    for (auto &object : *all) out.push_back({object_uri(object), std::move(object.certificate)});
    return out;
}

} // namespace pullcred_ra
