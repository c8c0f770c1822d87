// `pullcred signing-helper COMMAND` and pullcred run as `aws_signing_helper`:
// the commands of IAM Roles Anywhere's helper. credential-process, serve and
// update run here; read-certificate-data and sign-string run in
// pullcred-signing-helper (beside
// pullcred-host), which links OpenSSL so that the host does not.
#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include "cli/command.hpp"
#include "cli/signing_helper_commands.hpp"
#include "util/install_prefix.hpp"

#ifndef PULLCRED_VERSION
#define PULLCRED_VERSION "0.0.0"
#endif

namespace pullcred::cli {

namespace {

constexpr std::string_view kUsage =
    R"(usage: pullcred signing-helper COMMAND [FLAGS]   (or run pullcred as aws_signing_helper)

The commands of aws_signing_helper (IAM Roles Anywhere), same flags and output:
  credential-process     credential_process JSON from Roles Anywhere
                         (see `pullcred credential-process --help`)
  serve                  an IMDSv2-compatible endpoint on 127.0.0.1 (--port 9911,
                         --hop-limit 64) serving those credentials, or those of
                         any config profile (--profile NAME)
  update                 keep a profile of the AWS credentials file fresh
                         (--profile default, --once; --pullcred-profile NAME
                         for a config profile)
  read-certificate-data  the certificate's key type, DER, serial and algorithms
  sign-string            sign the helper's fixed test string (or stdin) with the key
  version                pullcred's version

Certificates: PEM, DER, a PKCS#12 bundle with an empty password (legacy or
AES-256) given alone as --certificate, or a PKCS#11 URI
(pkcs11:token=...;object=...?pin-value=PIN). Keys: PEM (PKCS#8, SEC1 EC,
PKCS#1 RSA, encrypted PKCS#8 with --pkcs8-password), PKCS#11 URIs
(--pkcs11-lib, default p11-kit-proxy.so; --reuse-pin) and TPM 2.0 keys (TSS2
key files, persistent handles handle:0x81000001; --tpm-key-password,
--no-tpm-key-password; the TPM from TPM_DEVICE, /dev/tpmrm0 or /dev/tpm0).
Not on Linux: --cert-selector, --system-store-name, --system-store-location,
--use-latest-expiring-certificate (Windows/macOS certificate stores).
`pullcred signing-helper COMMAND --help` for a command.
)";

// pullcred-signing-helper, beside pullcred-host.
[[noreturn]] void exec_tool(const std::string &command, const std::vector<std::string> &args) {
    const auto tool = (host_executable().parent_path() / "pullcred-signing-helper").string();
    std::vector<std::string> words{"pullcred-signing-helper", command};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char *> argv;
    argv.reserve(words.size() + 1);
    for (auto &word : words) argv.push_back(word.data());
    argv.push_back(nullptr);
    std::cout << std::flush;
    ::execv(tool.c_str(), argv.data());
    const int error = errno;
    ::_exit(fail("cannot run " + tool + ": " + std::strerror(error) + "; reinstall pullcred"));
}

} // namespace

int run_signing_helper(const CommandLine &command) {
    if (command.args.empty() || command.args.front() == "--help" || command.args.front() == "-h" ||
        command.args.front() == "help") {
        std::cout << kUsage;
        return 0;
    }
    const std::string &name = command.args.front();
    const std::vector<std::string> rest(command.args.begin() + 1, command.args.end());
    if (name == "version" || name == "--version") {
        std::cout << PULLCRED_VERSION << "\n";
        return 0;
    }
    if (name == "credential-process") {
        CommandLine inner = command;
        inner.args = rest;
        return run_credential_process(inner);
    }
    if (name == "read-certificate-data" || name == "sign-string") exec_tool(name, rest);
    if (name == "serve" || name == "update") {
        CommandLine inner = command;
        inner.args = rest;
        return name == "serve" ? run_signing_helper_serve(inner) : run_signing_helper_update(inner);
    }
    constexpr std::size_t kMaxShown = 40;
    std::string shown;
    for (char c : name.substr(0, kMaxShown)) shown += (c >= 0x21 && c <= 0x7e) ? c : '?';
    return fail("unknown signing-helper command \"" + shown +
                "\" (credential-process, serve, update, read-certificate-data, sign-string, version); run "
                "`pullcred "
                "signing-helper --help`");
}

} // namespace pullcred::cli
