// aws.process: credentials from an AWS credential_process command. The
// command line is split like a POSIX shell splits words (libs/command/shell_words.hpp)
// and run directly, without a shell (process_runner.hpp); its stdout is the
// Version 1 JSON document (process_output.hpp). Every failure is one line
// that names the profile, the program and what went wrong, and never quotes
// stdout, which holds the secrets.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <pullcred/module.hpp>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "command/program_search.hpp"
#include "command/shell_words.hpp"
#include "process_output.hpp"
#include "process_runner.hpp"

#ifndef MODULE_VERSION
#define MODULE_VERSION "0.0.0"
#endif

namespace pullcred_process {
namespace {

using pullcred::sdk::Config;
using pullcred::sdk::ConfigError;
using pullcred::sdk::Credentials;
using pullcred::sdk::CredentialsRequest;
using pullcred::sdk::Error;
using pullcred::sdk::Host;
using pullcred::sdk::Result;
using std::chrono::milliseconds;

constexpr const char *kSchema = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "aws.process: credentials from an AWS credential_process command",
  "type": "object",
  "additionalProperties": false,
  "required": ["command"],
  "properties": {
    "command": {
      "description": "The command line. Split like a POSIX shell splits words (quotes, backslashes) and run without a shell: pipes, redirections and variables are refused.",
      "type": "string", "minLength": 1
    },
    "timeout": {
      "description": "Go duration (default 30s); always cut short to end before pullcred's own deadline.",
      "type": "string", "minLength": 1
    },
    "profileName": {
      "description": "Name used in messages (default: the profile's name).",
      "type": "string", "minLength": 1
    }
  }
})";

constexpr milliseconds kDefaultTimeout{30'000};
// Left between the command's time limit and pullcred's deadline: time to stop
// the command, and for the registry call that follows.
constexpr milliseconds kDeadlineMargin{3'000};
constexpr milliseconds kShortestRun{100};
constexpr std::size_t kMaxStdout = std::size_t{1024} * 1024;
constexpr std::size_t kMaxStderrLine = 300;

std::string string_setting(const Config &config, const char *key) {
    const auto it = config.find(key);
    if (it == config.end()) return {};
    if (!it->is_string() || it->get_ref<const std::string &>().empty())
        throw ConfigError(std::string(key) + " must be a non-empty string");
    return it->get<std::string>();
}

std::string error_text(int error) {
    return std::generic_category().message(error);
}

std::string signal_name(int sig) {
    static constexpr std::pair<int, const char *> kNames[] = {
        {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
        {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
        {SIGKILL, "SIGKILL"}, {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
        {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGXCPU, "SIGXCPU"},
        {SIGXFSZ, "SIGXFSZ"}, {SIGSYS, "SIGSYS"}};
    for (const auto &[number, name] : kNames)
        if (number == sig) return std::to_string(sig) + " (" + name + ")";
    return std::to_string(sig);
}

// The last non-blank line of stderr, on one line and not too long.
std::string last_stderr_line(std::string_view tail) {
    while (!tail.empty()) {
        const auto end = tail.find_last_not_of(" \t\r\n");
        if (end == std::string_view::npos) return {};
        tail = tail.substr(0, end + 1);
        const auto newline = tail.find_last_of('\n');
        auto line = newline == std::string_view::npos ? tail : tail.substr(newline + 1);
        std::string out;
        for (const char c : line) {
            const auto byte = static_cast<unsigned char>(c);
            out += byte < 0x20 || byte == 0x7f ? ' ' : c;
        }
        const auto first = out.find_first_not_of(' ');
        if (first == std::string::npos) {
            if (newline == std::string_view::npos) return {};
            tail = tail.substr(0, newline);
            continue;
        }
        out.erase(0, first);
        if (out.size() > kMaxStderrLine) {
            std::size_t cut = kMaxStderrLine;
            while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut; // UTF-8 boundary
            out.replace(cut, std::string::npos, "...");
        }
        return out;
    }
    return {};
}

bool file_exists(const std::string &path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0;
}

class ProcessSource final : public pullcred::sdk::CredentialSource {
public:
    ProcessSource(Host host, const Config &config) : host_(host) {
        if (!config.is_object()) throw ConfigError("the profile's settings must be an object");
        for (const auto &[key, value] : config.items()) {
            if (key != "command" && key != "timeout" && key != "profileName")
                throw ConfigError("unknown key " + key + " (known: command, timeout, profileName)");
        }
        const auto command = string_setting(config, "command");
        if (command.empty()) throw ConfigError("command is required: the credential_process command line");
        auto split = pullcred::command::split_shell_words(command);
        if (!split.ok()) throw ConfigError("command: " + split.error);
        if (split.words.empty()) throw ConfigError("command holds no program, only blanks");
        if (split.words.front().empty()) throw ConfigError("command: the program name is empty");
        argv_ = std::move(split.words);

        if (const auto text = string_setting(config, "timeout"); !text.empty()) {
            const auto parsed = parse_go_duration(text);
            if (!parsed)
                throw ConfigError("timeout: " + text + " is not a Go duration such as 30s, 1m30s or 1.5s");
            if (parsed->count() <= 0) throw ConfigError("timeout must be more than 0s");
            timeout_ = *parsed;
        }
        profile_name_ = string_setting(config, "profileName");
    }

    // The program only: its arguments may carry secrets.
    Result<std::string> describe(const CredentialsRequest & /*request*/) override {
        return "credential_process: runs " + argv_.front() + " (timeout " +
               std::to_string(timeout_.count() / 1000) + " s)";
    }

    Result<Credentials> get_credentials(const CredentialsRequest &request) override {
        const std::string profile =
            !profile_name_.empty()
                ? profile_name_
                : (request.profile.empty() ? std::string("(unnamed)") : std::string(request.profile));
        const std::string what = "credential process " + argv_.front() + " for profile " + profile;

        const milliseconds left{host_.deadline_unix_ms() - host_.now_unix_ms()};
        const auto budget = left - kDeadlineMargin;
        const bool clipped = budget < timeout_;
        const auto limit = std::min(timeout_, budget);
        if (limit < kShortestRun)
            return Error::failed(what + " was not started: only " +
                                 format_duration(std::max(left, milliseconds(0))) +
                                 " are left before pullcred's deadline");

        // The program is trust-checked by the host before it runs, and the
        // file checked is the file run: its resolved path becomes argv[0].
        auto program = pullcred::command::resolve_program(argv_.front());
        struct stat info {};
        const bool exists = !program.empty() && ::stat(program.c_str(), &info) == 0;
        // What execve would say of no regular file, without trying it.
        if (!exists || !S_ISREG(info.st_mode)) {
            RunResult refused;
            refused.end = RunResult::End::exec_failed;
            refused.error = exists ? EACCES : ENOENT;
            refused.program = program.empty() ? argv_.front() : program;
            return Error::failed(what + " " + exec_failure(refused));
        }
        if (auto checked = host_.check_program(program); !checked.ok())
            return checked.error().with_message(what + " was not run: " + checked.error().message);

        RunOptions options;
        options.argv = argv_;
        options.argv.front() = std::move(program);
        options.timeout = limit;
        options.max_stdout = kMaxStdout;
        host_.debug("running the credential process " + argv_.front() + " for profile " + profile +
                    " (time limit " + format_duration(limit) + ")");
        const auto run = run_process(options);
        const auto line = withhold_stdout_values(last_stderr_line(run.err_tail), run.out);
        const auto stderr_suffix = [&](std::string_view lead) {
            return line.empty() ? std::string() : std::string(lead) + line;
        };

        switch (run.end) {
        case RunResult::End::exec_failed:
            return Error::failed(what + " " + exec_failure(run));
        case RunResult::End::spawn_failed:
            return Error::failed(what + " could not be started: " + run.operation +
                                 " failed: " + error_text(run.error));
        case RunResult::End::timed_out:
            return Error::failed(what + " did not finish within " + format_duration(limit) +
                                 (clipped ? " (its timeout " + format_duration(timeout_) +
                                                ", cut short by pullcred's deadline)"
                                          : "") +
                                 " and was stopped" + stderr_suffix("; its last line on stderr: "));
        case RunResult::End::stdout_too_large:
            return Error::failed(what +
                                 " printed more than 1 MiB on stdout and was stopped (a credential_process "
                                 "prints one small JSON document)");
        case RunResult::End::signaled:
            return Error::failed(what + " was killed by signal " + signal_name(run.signal) +
                                 stderr_suffix("; its last line on stderr: "));
        case RunResult::End::exited:
            break;
        }
        if (run.exit_code != 0)
            return Error::failed(
                what + " exited with code " + std::to_string(run.exit_code) +
                (line.empty() ? std::string(" and printed nothing on stderr") : ": " + line));

        const auto now_unix = host_.now_unix_ms() / 1000;
        auto parsed = parse_credential_output(run.out, now_unix);
        if (auto *problem = std::get_if<std::string>(&parsed)) return Error::failed(what + " " + *problem);
        auto &keys = std::get<ProcessCredentials>(parsed);
        Credentials out;
        out.fields[PULLCRED_FIELD_ACCESS_KEY_ID] = std::move(keys.access_key_id);
        out.fields[PULLCRED_FIELD_SECRET_ACCESS_KEY] = std::move(keys.secret_access_key);
        if (!keys.session_token.empty())
            out.fields[PULLCRED_FIELD_SESSION_TOKEN] = std::move(keys.session_token);
        out.expires_unix = keys.expires_unix;
        host_.debug("credential process " + argv_.front() + " for profile " + profile + " answered in " +
                    format_duration(run.elapsed) +
                    (keys.expires_unix ? "; keys valid until " + format_rfc3339(*keys.expires_unix)
                                       : std::string("; keys without an expiry")));
        return out;
    }

private:
    [[nodiscard]] std::string exec_failure(const RunResult &run) const {
        const auto &program = argv_.front();
        const bool has_path = program.find('/') != std::string::npos;
        switch (run.error) {
        case ENOENT:
            if (!has_path)
                return std::string("was not found in any PATH directory") +
                       (program.front() == '~' ? " (~ is not expanded: write the full path)" : "");
            if (file_exists(run.program))
                return "cannot start: the interpreter named on its #! line was not found";
            return std::string("was not found (no such file)") +
                   (program.front() == '~' ? "; ~ is not expanded: write the full path" : "");
        case EACCES:
            return "is not executable (permission denied on " + run.program +
                   "): make it executable (chmod 755) and check that its file system is not mounted noexec";
        case ENOEXEC:
            return "is not a program the system can run (" + run.program +
                   "): a script needs a #! line such as #!/bin/sh or #!/usr/bin/env python3";
        default:
            return "could not be started (" + run.program + "): " + error_text(run.error);
        }
    }

    Host host_;
    std::vector<std::string> argv_;
    milliseconds timeout_ = kDefaultTimeout;
    std::string profile_name_;
};

} // namespace
} // namespace pullcred_process

PULLCRED_MODULE("source-process", MODULE_VERSION,
                pullcred::sdk::credential_source<pullcred_process::ProcessSource>("aws.process",
                                                                                  pullcred_process::kSchema))
