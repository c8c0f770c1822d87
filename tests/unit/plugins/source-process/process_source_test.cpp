// The real source-process.so (aws.process), loaded through the host's module
// loader, running real processes: scripts that the tests write into a temp
// directory. Good and bad output, exit codes and signals, timeouts (also
// when the command ignores SIGTERM or a grandchild keeps the pipes open),
// oversized output, exec failures and command-line splitting. After every
// test no child of the test process is left, not even a zombie.
#include <cerrno>
#include <chrono>
#include <csignal>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include "modules/instance.hpp"
#include "modules/registry.hpp"
#include "pullcred_test/scoped_env.hpp"
#include "pullcred_test/temp_dir.hpp"

using testing::AllOf;
using testing::HasSubstr;
using testing::Not;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::int64_t kNowMs = 1'700'000'000'000; // 2023-11-14T22:13:20Z
constexpr const char *kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPROCESSKEY";

const pullcred::modules::FactoryRef &process_factory() {
    static auto discovery = pullcred::modules::discover_modules({}, {{PROCESS_MODULE_PATH, ""}});
    const auto *ref = discovery.registry.find("aws.process");
    if (ref == nullptr) throw std::runtime_error("aws.process not found in " PROCESS_MODULE_PATH);
    return *ref;
}

using pullcred_test::ScopedEnv;
using pullcred_test::TempDir;

// Children of this process, from /proc (zombies included).
std::vector<pid_t> children_of_this_process() {
    std::vector<pid_t> out;
    const auto self = ::getpid();
    for (const auto &entry : fs::directory_iterator("/proc")) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(entry.path() / "stat");
        std::string stat;
        std::getline(in, stat);
        const auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(stat.substr(close + 2));
        char state = 0;
        pid_t parent = 0;
        rest >> state >> parent;
        if (parent == self) out.push_back(static_cast<pid_t>(std::stol(name)));
    }
    return out;
}

// Whether `pid` is gone (or a zombie that is not ours), waiting up to `limit`.
bool gone_within(pid_t pid, milliseconds limit) {
    const auto until = Clock::now() + limit;
    while (true) {
        if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
        std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
        std::string stat;
        std::getline(in, stat);
        const auto close = stat.rfind(')');
        if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z') return true;
        if (Clock::now() >= until) return false;
        std::this_thread::sleep_for(milliseconds(20));
    }
}

pid_t read_pid(const TempDir &dir, const std::string &name) {
    for (int i = 0; i < 100; ++i) {
        const auto text = dir.read(name);
        if (!text.empty() && text.back() == '\n') return static_cast<pid_t>(std::stol(text));
        std::this_thread::sleep_for(milliseconds(20));
    }
    throw std::runtime_error("no pid in " + dir.path(name));
}

std::string good_json(const std::string &extra = "") {
    return std::string(R"({"Version": 1, "AccessKeyId": "AKIDPROCESSTEST01", "SecretAccessKey": ")") +
           kSecret + "\"" + extra + "}";
}

// A bash script that prints `json` on stdout.
std::string printing(const std::string &json) {
    return "#!/usr/bin/env bash\ncat <<'JSON'\n" + json + "\nJSON\n";
}

std::int64_t utc(int year, int month, int day, int hour, int minute, int second) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return static_cast<std::int64_t>(::timegm(&tm));
}

// Single-quoted for the command line (temp paths hold no single quote).
std::string quoted(const std::string &path) {
    return "'" + path + "'";
}

class ProcessSource : public testing::Test {
protected:
    void SetUp() override {
        environment.now_unix_ms = [] { return kNowMs; };
        environment.deadline_unix_ms = kNowMs + 45'000;
        environment.net_services = []() -> pullcred::Result<pullcred::net::NetServices *> {
            return pullcred::Error::failed("aws.process must not use the network");
        };
    }

    void TearDown() override {
        int status = 0;
        errno = 0;
        EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1) << "a child of the test process is left";
        EXPECT_EQ(errno, ECHILD);
        EXPECT_THAT(children_of_this_process(), testing::IsEmpty());
    }

    pullcred::Result<std::unique_ptr<pullcred::modules::Instance>> source(const nlohmann::json &settings) {
        return pullcred::modules::Instance::create(process_factory(), "profile p", &environment, settings);
    }

    // get_credentials on a fresh source; `elapsed` is how long the call took.
    pullcred::Result<pullcred::sdk::Credentials> credentials(const nlohmann::json &settings) {
        auto instance = source(settings);
        if (!instance) return instance.error();
        const auto started = Clock::now();
        auto got = (*instance)->get_credentials({"p", "", {}});
        elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
        return got;
    }

    // The one-line error of running `command`.
    std::string failure(const nlohmann::json &settings) {
        auto got = credentials(settings);
        EXPECT_FALSE(got.ok()) << "the command succeeded: " << settings.dump();
        if (got.ok()) return {};
        const auto &text = got.error().message;
        EXPECT_EQ(text.find('\n'), std::string::npos) << text;
        EXPECT_THAT(text, HasSubstr("profile p: aws.process failed: credential process "));
        return text;
    }

    std::string config_error(const nlohmann::json &settings) {
        auto instance = source(settings);
        EXPECT_FALSE(instance.ok()) << settings.dump();
        return instance.ok() ? std::string() : instance.error().message;
    }

    pullcred::Status schema_check(const nlohmann::json &settings) {
        return pullcred::modules::validate_factory_config(process_factory(), settings, "profiles.p");
    }

    TempDir dir;
    ScopedEnv env;
    pullcred::modules::HostEnvironment environment;
    milliseconds elapsed{0};
};

} // namespace

// ---- good output ----

TEST_F(ProcessSource, AllFields) {
    const auto helper = dir.script(
        "helper",
        printing(good_json(R"(, "SessionToken": "token-0001", "Expiration": "2026-11-28T12:00:00Z")")));
    auto got = credentials({{"command", helper}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->fields,
              (std::map<std::string, std::string, std::less<>>{{"access_key_id", "AKIDPROCESSTEST01"},
                                                               {"secret_access_key", kSecret},
                                                               {"session_token", "token-0001"}}));
    EXPECT_EQ(got->expires_unix, utc(2026, 11, 28, 12, 0, 0));
    EXPECT_LT(elapsed, seconds(3));
}

TEST_F(ProcessSource, WithoutSessionTokenAndExpiration) {
    const auto helper = dir.script("helper", printing(good_json()));
    auto got = credentials({{"command", helper}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->fields.size(), 2U);
    EXPECT_EQ(got->get("access_key_id"), "AKIDPROCESSTEST01");
    EXPECT_EQ(got->get("secret_access_key"), kSecret);
    EXPECT_FALSE(got->expires_unix.has_value());
}

TEST_F(ProcessSource, PythonHelperWithFractionalOffsetExpirationAndUnknownFields) {
    const auto helper = dir.script("helper.py", R"SH(#!/usr/bin/env python3
import json
print(json.dumps({"Version": 1, "AccessKeyId": "AKIDPY", "SecretAccessKey": "secret-py",
                  "SessionToken": "token-py", "Expiration": "2099-01-01T10:00:00.123456+02:00",
                  "Region": "ignored", "Nested": {"also": ["ignored"]}}))
)SH");
    auto got = credentials({{"command", helper}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->get("access_key_id"), "AKIDPY");
    EXPECT_EQ(got->get("session_token"), "token-py");
    EXPECT_EQ(got->get("region"), "");
    EXPECT_EQ(got->expires_unix, utc(2099, 1, 1, 8, 0, 0));
}

TEST_F(ProcessSource, RunsAgainOnEveryCall) {
    const auto helper = dir.script("helper", R"SH(#!/usr/bin/env bash
n=$(( $(cat "$(dirname "$0")/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$(dirname "$0")/count"
printf '{"Version":1,"AccessKeyId":"AKID%s","SecretAccessKey":"s"}' "$n"
)SH");
    auto instance = source({{"command", helper}});
    ASSERT_TRUE(instance.ok()) << instance.error().message;
    auto first = (*instance)->get_credentials({"p", "", {}});
    auto second = (*instance)->get_credentials({"p", "", {}});
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_EQ(first->get("access_key_id"), "AKID1");
    EXPECT_EQ(second->get("access_key_id"), "AKID2");
}

// ---- bad output ----

TEST_F(ProcessSource, NotJsonIsNamedWithoutQuotingStdout) {
    const auto helper =
        dir.script("helper", printing(std::string("AccessKeyId=AKID SecretAccessKey=") + kSecret));
    const auto text = failure({{"command", helper}});
    EXPECT_THAT(text, AllOf(HasSubstr("credential process " + helper +
                                      " for profile p printed something that is "
                                      "not JSON on stdout"),
                            Not(HasSubstr(kSecret))));
}

TEST_F(ProcessSource, NothingOnStdout) {
    const auto helper = dir.script("helper", "#!/usr/bin/env bash\nexit 0\n");
    EXPECT_THAT(failure({{"command", helper}}), HasSubstr("printed nothing on stdout"));
}

TEST_F(ProcessSource, WrongVersion) {
    const auto helper = dir.script(
        "helper", printing(std::string(R"({"Version": 2, "AccessKeyId": "A", "SecretAccessKey": ")") +
                           kSecret + "\"}"));
    EXPECT_THAT(failure({{"command", helper}}),
                AllOf(HasSubstr("printed Version 2; only Version 1 is supported"), Not(HasSubstr(kSecret))));
}

TEST_F(ProcessSource, MissingKeys) {
    const auto no_secret = dir.script("no-secret", printing(R"({"Version": 1, "AccessKeyId": "AKID"})"));
    EXPECT_THAT(failure({{"command", no_secret}}), HasSubstr("printed no SecretAccessKey"));
    const auto no_id = dir.script("no-id", printing(std::string(R"({"Version": 1, "SecretAccessKey": ")") +
                                                    kSecret + R"(", "SessionToken": "t"})"));
    EXPECT_THAT(failure({{"command", no_id}}),
                AllOf(HasSubstr("printed no AccessKeyId"), Not(HasSubstr(kSecret))));
    const auto no_version =
        dir.script("no-version", printing(R"({"AccessKeyId": "AKID", "SecretAccessKey": "s"})"));
    EXPECT_THAT(failure({{"command", no_version}}), HasSubstr("printed no Version"));
}

TEST_F(ProcessSource, ExpiredExpiration) {
    const auto helper =
        dir.script("helper", printing(good_json(R"(, "Expiration": "2023-11-14T22:00:00Z")")));
    EXPECT_THAT(
        failure({{"command", helper}}),
        HasSubstr("printed credentials that have expired: Expiration 2023-11-14T22:00:00Z is not after now "
                  "(2023-11-14T22:13:20Z)"));
}

TEST_F(ProcessSource, MalformedExpiration) {
    const auto helper = dir.script("helper", printing(good_json(R"(, "Expiration": "2026-11-28 noon")")));
    EXPECT_THAT(failure({{"command", helper}}),
                HasSubstr("printed an Expiration that is not an RFC 3339 time"));
}

// ---- exit codes, signals, stderr ----

TEST_F(ProcessSource, NonZeroExitCarriesTheLastStderrLineButNeverStdout) {
    const auto helper = dir.script("helper", R"SH(#!/usr/bin/env bash
echo '{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"STDOUT-S3CR3T-VALUE"}'
echo "starting up" >&2
echo "error: the token FAKE-S3CR3T-123 was rejected (HTTP 403)" >&2
echo >&2
exit 3
)SH");
    const auto text = failure({{"command", helper}});
    EXPECT_THAT(text,
                AllOf(HasSubstr("credential process " + helper +
                                " for profile p exited with code 3: error: the token FAKE-S3CR3T-123 was "
                                "rejected (HTTP 403)"),
                      Not(HasSubstr("STDOUT-S3CR3T-VALUE")), Not(HasSubstr("starting up"))));
}

TEST_F(ProcessSource, NonZeroExitWithoutStderr) {
    const auto helper = dir.script("helper", "#!/usr/bin/env bash\nexit 4\n");
    EXPECT_THAT(failure({{"command", helper}}),
                HasSubstr("exited with code 4 and printed nothing on stderr"));
}

TEST_F(ProcessSource, LongStderrKeepsOnlyItsTail) {
    const auto helper = dir.script("helper.py", "#!" PULLCRED_PYTHON "\n"
                                                R"SH(import sys
for i in range(20000):
    sys.stderr.write("noise line %d with some padding to make it longer\n" % i)
sys.stderr.write("final:\tthe real\x1b[31m problem " + "x" * 1000 + "\n")
sys.exit(2)
)SH");
    const auto text = failure({{"command", helper}});
    EXPECT_THAT(text, AllOf(HasSubstr("exited with code 2: final: the real [31m problem xxx"),
                            HasSubstr("x..."), Not(HasSubstr("noise"))));
    EXPECT_LT(text.size(), 700U);
}

TEST_F(ProcessSource, KilledBySignal) {
    const auto helper = dir.script("helper", "#!/usr/bin/env bash\necho 'about to die' >&2\nkill -KILL $$\n");
    EXPECT_THAT(failure({{"command", helper}}),
                HasSubstr("was killed by signal 9 (SIGKILL); its last line on stderr: about to die"));
}

// ---- timeouts and process groups ----

TEST_F(ProcessSource, TimeoutStopsTheCommand) {
    const auto helper = dir.script("helper.py", "#!" PULLCRED_PYTHON "\n"
                                                R"SH(import os, sys, time
with open(os.path.join(os.path.dirname(sys.argv[0]), "pid"), "w") as f:
    f.write("%d\n" % os.getpid())
sys.stderr.write("waiting for the network\n")
sys.stderr.flush()
time.sleep(60)
)SH");
    const auto text = failure({{"command", helper}, {"timeout", "1s"}});
    EXPECT_THAT(
        text, HasSubstr("did not finish within 1s and was stopped; its last line on stderr: waiting for the "
                        "network"));
    EXPECT_GE(elapsed, milliseconds(900));
    EXPECT_LT(elapsed, seconds(4));
    EXPECT_TRUE(gone_within(read_pid(dir, "pid"), seconds(2)));
}

TEST_F(ProcessSource, TimeoutIsCutShortByTheDeadline) {
    environment.deadline_unix_ms = kNowMs + 4'500; // 3 s are kept for what follows: 1.5 s for the command
    const auto helper = dir.script("helper", "#!/usr/bin/env bash\nsleep 60\n");
    const auto text = failure({{"command", helper}});
    EXPECT_THAT(
        text, HasSubstr("did not finish within 1.5s (its timeout 30s, cut short by pullcred's deadline) and "
                        "was stopped"));
    EXPECT_GE(elapsed, milliseconds(1'400));
    EXPECT_LT(elapsed, seconds(5));
}

TEST_F(ProcessSource, NotStartedWhenTheDeadlineIsTooClose) {
    environment.deadline_unix_ms = kNowMs + 2'000;
    const auto marker = dir.path("ran");
    const auto helper = dir.script("helper", "#!/usr/bin/env bash\ntouch " + quoted(marker) + "\n");
    EXPECT_THAT(failure({{"command", helper}}),
                HasSubstr("was not started: only 2s are left before pullcred's deadline"));
    EXPECT_FALSE(fs::exists(marker));
}

TEST_F(ProcessSource, CommandThatIgnoresSigtermIsKilled) {
    const auto helper = dir.script("helper", R"SH(#!/usr/bin/env bash
trap '' TERM
cd "$(dirname "$0")"
sleep 60 &
echo $! > sleeper
echo $$ > shell
wait
sleep 60
)SH");
    const auto text = failure({{"command", helper}, {"timeout", "1s"}});
    EXPECT_THAT(text, HasSubstr("did not finish within 1s and was stopped"));
    EXPECT_LT(elapsed, seconds(4));
    EXPECT_TRUE(gone_within(read_pid(dir, "shell"), seconds(2)));
    EXPECT_TRUE(gone_within(read_pid(dir, "sleeper"), seconds(2)));
}

TEST_F(ProcessSource, GrandchildHoldingStdoutDoesNotHoldUpTheAnswer) {
    const auto helper = dir.script("helper", R"SH(#!/usr/bin/env bash
cd "$(dirname "$0")"
sleep 60 &
echo $! > holder
printf '{"Version":1,"AccessKeyId":"AKIDGRANDCHILD","SecretAccessKey":"s"}'
exit 0
)SH");
    auto got = credentials({{"command", helper}, {"timeout", "20s"}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->get("access_key_id"), "AKIDGRANDCHILD");
    EXPECT_LT(elapsed, seconds(4));
    EXPECT_TRUE(gone_within(read_pid(dir, "holder"), seconds(3)));
}

TEST_F(ProcessSource, GrandchildHoldingThePipesOfAHungCommand) {
    const auto helper = dir.script("helper", R"SH(#!/usr/bin/env bash
cd "$(dirname "$0")"
trap '' TERM
(trap '' TERM; exec sleep 60) &
echo $! > holder
sleep 60
)SH");
    const auto text = failure({{"command", helper}, {"timeout", "1s"}});
    EXPECT_THAT(text, HasSubstr("did not finish within 1s"));
    EXPECT_LT(elapsed, seconds(4));
    EXPECT_TRUE(gone_within(read_pid(dir, "holder"), seconds(3)));
}

TEST_F(ProcessSource, CommandThatClosesItsPipesAndHangsStillTimesOut) {
    const auto helper = dir.script("helper", "#!/usr/bin/env bash\nexec >&- 2>&-\nsleep 60\n");
    const auto text = failure({{"command", helper}, {"timeout", "1s"}});
    EXPECT_THAT(text, HasSubstr("did not finish within 1s and was stopped"));
    EXPECT_LT(elapsed, seconds(4));
}

TEST_F(ProcessSource, HugeStdoutIsCutOff) {
    const auto helper = dir.script("helper.py", "#!" PULLCRED_PYTHON "\n"
                                                R"SH(import sys
sys.stdout.write("x" * (5 * 1024 * 1024))
)SH");
    const auto text = failure({{"command", helper}});
    EXPECT_THAT(text, HasSubstr("printed more than 1 MiB on stdout and was stopped"));
    EXPECT_LT(elapsed, seconds(4));
}

TEST_F(ProcessSource, StdoutUpToOneMibIsRead) {
    // Valid JSON padded with blanks to just under 1 MiB: read whole.
    const auto helper = dir.script("helper.py", "#!" PULLCRED_PYTHON "\n"
                                                R"SH(import sys
doc = '{"Version":1,"AccessKeyId":"AKIDBIG","SecretAccessKey":"s"}'
sys.stdout.write(doc + " " * (1024 * 1024 - len(doc)))
)SH");
    auto got = credentials({{"command", helper}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->get("access_key_id"), "AKIDBIG");
}

// ---- exec failures ----

TEST_F(ProcessSource, MissingProgram) {
    const auto absent = dir.path("no-such-helper");
    EXPECT_THAT(failure({{"command", absent + " --flag"}}),
                HasSubstr("credential process " + absent + " for profile p was not found (no such file)"));
    ScopedEnv path;
    path.set("PATH", dir.path() + ":/usr/bin:/bin");
    EXPECT_THAT(
        failure({{"command", "pullcred-no-such-helper --flag"}}),
        HasSubstr("credential process pullcred-no-such-helper for profile p was not found in any PATH "
                  "directory"));
    EXPECT_THAT(failure({{"command", "~/bin/helper"}}), HasSubstr("~ is not expanded: write the full path"));
}

TEST_F(ProcessSource, NotExecutable) {
    const auto helper = dir.write("helper", printing(good_json()), fs::perms(0644));
    EXPECT_THAT(
        failure({{"command", helper}}),
        AllOf(HasSubstr("is not executable (permission denied on " + helper + ")"), HasSubstr("chmod 755")));
    EXPECT_THAT(failure({{"command", dir.path()}}), HasSubstr("is not executable"));
}

TEST_F(ProcessSource, ScriptWithoutShebangIsNotRunThroughAShell) {
    const auto helper = dir.script("helper", "echo '{}'\n");
    EXPECT_THAT(failure({{"command", helper}}),
                AllOf(HasSubstr("is not a program the system can run"), HasSubstr("#! line")));
}

TEST_F(ProcessSource, MissingInterpreter) {
    const auto helper = dir.script("helper", "#!/nonexistent/interpreter\n");
    EXPECT_THAT(failure({{"command", helper}}),
                HasSubstr("cannot start: the interpreter named on its #! line was not found"));
}

TEST_F(ProcessSource, ProgramIsFoundOnPath) {
    dir.script("bin/pullcred-test-helper", printing(good_json()));
    ScopedEnv path;
    path.set("PATH", dir.path("empty") + "::" + dir.path("bin") + ":/usr/bin:/bin");
    auto got = credentials({{"command", "pullcred-test-helper --x"}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->get("access_key_id"), "AKIDPROCESSTEST01");
}

// ---- what the command gets ----

TEST_F(ProcessSource, WordsReachTheProgramAsTheShellWouldSplitThem) {
    const auto helper = dir.script("dir with space/args helper.py", "#!" PULLCRED_PYTHON "\n"
                                                                    R"SH(import json, os, sys
with open(os.path.join(os.path.dirname(sys.argv[0]), "argv.json"), "w") as f:
    json.dump(sys.argv[1:], f)
print('{"Version":1,"AccessKeyId":"AKIDARGS","SecretAccessKey":"s"}')
)SH");
    const std::string command =
        quoted(helper) + R"( plain "two words" 'single $HOME | quoted' "esc\"aped\\ \$x \n" back\ slash )"
                         R"('' "" mix'ed'"qu"o\ tes --k=v *.json ~ "")";
    auto got = credentials({{"command", command}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    const auto argv = nlohmann::json::parse(dir.read("dir with space/argv.json"));
    EXPECT_EQ(argv, nlohmann::json::parse(R"(["plain", "two words", "single $HOME | quoted",
        "esc\"aped\\ $x \\n", "back slash", "", "", "mixedquo tes", "--k=v", "*.json", "~", ""])"));
}

TEST_F(ProcessSource, EnvironmentIsInheritedStdinIsDevNullAndNothingElseLeaks) {
    const auto helper = dir.script("helper", R"SH(#!/usr/bin/env bash
cd "$(dirname "$0")"
{
  echo "mark=$PULLCRED_PROCESS_TEST_MARK"
  echo "stdin=$(readlink /proc/$$/fd/0)"
  echo "fds=$(ls /proc/$$/fd | tr '\n' ' ')"
  echo "pid=$$"
  echo "pgid=$(cut -d' ' -f5 /proc/$$/stat)"
  grep SigIgn /proc/$$/status
  echo "read=$(cat | wc -c)"
} > report
printf '{"Version":1,"AccessKeyId":"AKIDENV","SecretAccessKey":"s"}'
)SH");
    ScopedEnv mark;
    mark.set("PULLCRED_PROCESS_TEST_MARK", "inherited-123");
    // A descriptor without close-on-exec, and SIGPIPE ignored, in the host.
    const int plain = ::open("/dev/null", O_RDONLY);
    ASSERT_GE(plain, 0);
    const int leak = ::fcntl(plain, F_DUPFD, 100);
    const int other = ::fcntl(plain, F_DUPFD, 150);
    ::close(plain);
    ASSERT_GE(leak, 100);
    ASSERT_GE(other, 150);
    const auto old_pipe = std::signal(SIGPIPE, SIG_IGN);
    auto got = credentials({{"command", helper}});
    std::signal(SIGPIPE, old_pipe);
    ::close(leak);
    ::close(other);
    ASSERT_TRUE(got.ok()) << got.error().message;

    std::map<std::string, std::string> report;
    std::istringstream lines(dir.read("report"));
    for (std::string line; std::getline(lines, line);) {
        const auto sep = line.find_first_of("=:");
        if (sep != std::string::npos) report[line.substr(0, sep)] = line.substr(sep + 1);
    }
    EXPECT_EQ(report["mark"], "inherited-123");
    EXPECT_EQ(report["stdin"], "/dev/null");
    EXPECT_EQ(report["read"], "0");
    EXPECT_THAT(" " + report["fds"], AllOf(Not(HasSubstr(" " + std::to_string(leak) + " ")),
                                           Not(HasSubstr(" " + std::to_string(other) + " "))))
        << report["fds"];
    EXPECT_EQ(report["pgid"], report["pid"]) << "the command runs in its own process group";
    const auto ignored = std::stoull(report["SigIgn"], nullptr, 16);
    EXPECT_EQ(ignored & (1ULL << (SIGPIPE - 1)), 0U) << "SIGPIPE must be back to its default";
}

TEST_F(ProcessSource, ProfileNameIsUsedInMessages) {
    const auto helper = dir.script("helper", "#!/usr/bin/env bash\nexit 1\n");
    auto got = credentials({{"command", helper}, {"profileName", "aws-dev"}});
    ASSERT_FALSE(got.ok());
    EXPECT_THAT(got.error().message,
                HasSubstr("credential process " + helper + " for profile aws-dev exited"));
}

// ---- config ----

TEST_F(ProcessSource, ShellSyntaxIsRefusedWhenTheSourceIsCreated) {
    for (const char *tail : {"| jq .", "; rm -rf /", "&& other", "> out.json", "2>/dev/null", "$(cat token)",
                             "`cat token`", "$HOME", "# comment"}) {
        const auto text = config_error({{"command", "/usr/bin/helper --x " + std::string(tail)}});
        EXPECT_THAT(text,
                    AllOf(HasSubstr("profile p: aws.process rejected its config: command: command line: "),
                          HasSubstr("without a shell")))
            << tail;
    }
    EXPECT_THAT(config_error({{"command", "helper 'open"}}), HasSubstr("unterminated single quote"));
}

TEST_F(ProcessSource, ConfigProblems) {
    EXPECT_THAT(config_error(nlohmann::json::object()), HasSubstr("command is required"));
    EXPECT_THAT(config_error({{"command", "   "}}), HasSubstr("command holds no program"));
    EXPECT_THAT(config_error({{"command", "'' --x"}}), HasSubstr("the program name is empty"));
    EXPECT_THAT(config_error({{"command", 5}}), HasSubstr("command must be a non-empty string"));
    EXPECT_THAT(config_error({{"command", "/bin/true"}, {"timeout", "soon"}}),
                HasSubstr("timeout: soon is not a Go duration such as 30s"));
    EXPECT_THAT(config_error({{"command", "/bin/true"}, {"timeout", "0s"}}),
                HasSubstr("timeout must be more than 0s"));
    EXPECT_THAT(config_error({{"command", "/bin/true"}, {"timeot", "1s"}}), HasSubstr("unknown key timeot"));
}

TEST_F(ProcessSource, Schema) {
    EXPECT_TRUE(
        schema_check({{"command", "/bin/helper --x"}, {"timeout", "10s"}, {"profileName", "dev"}}).ok());
    const auto unknown = schema_check({{"command", "/bin/helper"}, {"shell", true}});
    ASSERT_FALSE(unknown.ok());
    EXPECT_THAT(unknown.error().message, HasSubstr("profiles.p"));
    EXPECT_FALSE(schema_check(nlohmann::json::object()).ok());
    EXPECT_FALSE(schema_check({{"command", ""}}).ok());
    EXPECT_FALSE(schema_check({{"command", "/bin/helper"}, {"timeout", 30}}).ok());
}
