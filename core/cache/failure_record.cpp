#include "cache/failure_record.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "log/redact.hpp"
#include "util/files.hpp"
#include "util/json_strict.hpp"

namespace pullcred::cache {

namespace {
constexpr int kRecordVersion = 1;
constexpr std::size_t kMaxRecordBytes = std::size_t{16} * 1024;
constexpr std::size_t kMaxErrorChars = 4000;

// "HTTP 503" when the text quotes an HTTP status.
std::string quoted_status(std::string_view text) {
    for (auto at = text.find("HTTP "); at != std::string_view::npos; at = text.find("HTTP ", at + 1)) {
        const auto digits = text.substr(at + 5, 3);
        if (digits.size() == 3 &&
            std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
            return "HTTP " + std::string(digits);
    }
    return {};
}
} // namespace

FailureRecord make_failure_record(const Error &error, std::int64_t now_ms, std::int64_t deadline_unix_ms) {
    auto text = log::redact(error.message);
    if (text.size() > kMaxErrorChars) text.resize(kMaxErrorChars);
    auto status = quoted_status(text);
    return FailureRecord{std::move(text),
                         error.code,
                         std::move(status),
                         now_ms,
                         std::min(now_ms + kFailureShareMs, deadline_unix_ms),
                         static_cast<long>(::getpid())};
}

Status write_failure_record(const std::filesystem::path &path, const FailureRecord &record) {
    if (record.until_ms <= record.created_ms) return ok();
    const nlohmann::json doc{{"version", kRecordVersion},
                             {"error", record.error},
                             {"code", static_cast<int>(record.code)},
                             {"status", record.status},
                             {"created_ms", record.created_ms},
                             {"until_ms", record.until_ms},
                             {"pid", record.pid}};
    const auto text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto temp = path;
    temp += ".tmp." + std::to_string(::getpid());
    const UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0)
        return Error::failed("cache: cannot record the failure in " + path.string() + ": " +
                             std::strerror(errno));
    const bool written = ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
    if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
        const int error = errno;
        ::unlink(temp.c_str());
        return Error::failed("cache: cannot record the failure in " + path.string() + ": " +
                             std::strerror(error));
    }
    return ok();
}

std::optional<FailureRecord> read_failure_record(const std::filesystem::path &path) {
    OpenedFile file{UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)), {}};
    if (file.fd.get() < 0) return std::nullopt;
    const auto &info = file.info;
    if (::fstat(file.fd.get(), &file.info) != 0 || !S_ISREG(info.st_mode) || info.st_uid != ::geteuid() ||
        (info.st_mode & 077) != 0 || info.st_nlink != 1)
        return std::nullopt;
    auto text = read_opened_file(file, path, "cache failure record", kMaxRecordBytes);
    if (!text) return std::nullopt;
    auto doc = parse_json_strict(*text);
    if (!doc || !doc->is_object()) return std::nullopt;
    try {
        if (doc->at("version").get<int>() != kRecordVersion) return std::nullopt;
        const auto code = doc->value("code", static_cast<int>(ErrorCode::failed));
        if (code < static_cast<int>(ErrorCode::not_applicable) || code > static_cast<int>(ErrorCode::failed))
            return std::nullopt;
        return FailureRecord{
            doc->at("error").get<std::string>(),     static_cast<ErrorCode>(code),
            doc->at("status").get<std::string>(),    doc->at("created_ms").get<std::int64_t>(),
            doc->at("until_ms").get<std::int64_t>(), doc->at("pid").get<long>()};
    } catch (const nlohmann::json::exception &) {
        return std::nullopt;
    }
}

} // namespace pullcred::cache
