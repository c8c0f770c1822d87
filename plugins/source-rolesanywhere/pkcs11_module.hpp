// A PKCS#11 module (provider library) loaded with dlopen and initialised
// once per process, then kept: finalising and unloading a module another
// part of the process may still use (or that shares OpenSSL with us, as
// SoftHSM does) is not worth the memory it would give back.
#pragma once

#include <p11-kit/pkcs11.h>

#include <string>
#include <string_view>

#include <pullcred/result.hpp>

namespace pullcred_ra {

using pullcred::sdk::Result;

// The default, as aws_signing_helper's: p11-kit's proxy, which offers every
// module registered with p11-kit.
inline constexpr std::string_view kDefaultPkcs11Library = "p11-kit-proxy.so";

// The function list of `library` (a path, or a name the dynamic loader
// finds), initialised. As root a path must be trusted like any other input:
// owned by root and writable by root alone, with every directory above it.
Result<CK_FUNCTION_LIST *> pkcs11_module(const std::string &library);

// "CKR_PIN_INCORRECT" and the like (hex for codes without a name here).
std::string ckr_name(CK_RV rv);

} // namespace pullcred_ra
