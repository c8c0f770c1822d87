#include "cli/credentials_file.hpp"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace pullcred::cli {

namespace {

constexpr std::size_t kMaxFileBytes = 16U << 20U;
constexpr std::array<std::string_view, 3> kKeyNames{"aws_access_key_id", "aws_secret_access_key",
                                                    "aws_session_token"};

std::string_view trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

// The section a header line opens ("[name]"), or nullopt for other lines.
std::optional<std::string_view> section_of(std::string_view line) {
    const auto text = trimmed(line);
    if (text.size() < 2 || text.front() != '[') return std::nullopt;
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return trimmed(text.substr(1, close - 1));
}

// Index in kKeyNames of the key a line sets, or -1.
int key_of(std::string_view line) {
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) return -1;
    const auto key = trimmed(line.substr(0, equals));
    for (std::size_t i = 0; i < kKeyNames.size(); ++i)
        if (key.size() == kKeyNames[i].size() &&
            std::equal(key.begin(), key.end(), kKeyNames[i].begin(),
                       [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
            return static_cast<int>(i);
    return -1;
}

std::string errno_text(int error) {
    return std::strerror(error);
}

} // namespace

std::string with_profile_keys(std::string_view text, const std::string &profile, const AwsKeys &keys) {
    const std::array<std::string, 3> values{keys.access_key_id, keys.secret_access_key, keys.session_token};
    auto line_for = [&](std::size_t i) { return std::string(kKeyNames[i]) + " = " + values[i]; };
    std::vector<std::string> lines;
    for (std::size_t start = 0; start < text.size();) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        lines.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    std::vector<std::string> out;
    bool found = false;
    bool inside = false;
    std::array<bool, 3> written{};
    std::size_t last_content = 0; // where the section's missing keys go
    auto finish_section = [&] {
        std::vector<std::string> missing;
        for (std::size_t i = 0; i < kKeyNames.size(); ++i)
            if (!written[i] && !values[i].empty()) missing.push_back(line_for(i));
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(last_content), missing.begin(), missing.end());
        inside = false;
    };
    for (const auto &line : lines) {
        if (auto section = section_of(line)) {
            if (inside) finish_section();
            out.push_back(line);
            if (!found && *section == profile) {
                found = inside = true;
                last_content = out.size();
            }
            continue;
        }
        if (inside) {
            const int key = key_of(line);
            if (key >= 0) {
                const auto i = static_cast<std::size_t>(key);
                if (written[i] || values[i].empty()) continue; // a duplicate, or a token the new keys lack
                out.push_back(line_for(i));
                written[i] = true;
            } else {
                out.push_back(line);
            }
            if (!trimmed(line).empty()) last_content = out.size();
            continue;
        }
        out.push_back(line);
    }
    if (inside) finish_section();
    std::string result;
    for (const auto &line : out) result += line + "\n";
    if (!found) {
        if (!result.empty() && !trimmed(out.back()).empty()) result += "\n";
        result += "[" + profile + "]\n";
        for (std::size_t i = 0; i < kKeyNames.size(); ++i)
            if (!values[i].empty()) result += line_for(i) + "\n";
    }
    return result;
}

Result<std::filesystem::path> credentials_file_path() {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read-only use
    if (const char *file = std::getenv("AWS_SHARED_CREDENTIALS_FILE"); file != nullptr && *file != '\0')
        return std::filesystem::path(file);
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read-only use
    if (const char *home = std::getenv("HOME"); home != nullptr && *home != '\0')
        return std::filesystem::path(home) / ".aws" / "credentials";
    return Error::failed("neither AWS_SHARED_CREDENTIALS_FILE nor HOME is set; set one to say where the AWS "
                         "credentials file is");
}

Status update_credentials_file(const std::filesystem::path &given, const std::string &profile,
                               const AwsKeys &keys) {
    std::error_code ec;
    // A symlinked file is rewritten where it points, the link kept.
    struct stat link {};
    const bool is_link = ::lstat(given.c_str(), &link) == 0 && S_ISLNK(link.st_mode);
    const auto path = is_link ? std::filesystem::canonical(given, ec) : given;
    if (ec)
        return Error::failed("cannot follow the AWS credentials file link " + given.string() + ": " +
                             ec.message() + "; fix the link or set AWS_SHARED_CREDENTIALS_FILE");
    const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::exists(directory, ec)) {
        std::filesystem::create_directories(directory, ec);
        if (!ec) std::filesystem::permissions(directory, std::filesystem::perms::owner_all, ec);
        if (ec)
            return Error::failed("cannot create the directory " + directory.string() +
                                 " of the AWS credentials file: " + ec.message() +
                                 "; create it or set AWS_SHARED_CREDENTIALS_FILE");
    }
    std::string text;
    struct stat status {};
    const bool exists = ::stat(path.c_str(), &status) == 0;
    if (exists) {
        if (!S_ISREG(status.st_mode))
            return Error::failed("the AWS credentials file " + path.string() +
                                 " is not a regular file; remove it or set AWS_SHARED_CREDENTIALS_FILE");
        if (static_cast<std::size_t>(status.st_size) > kMaxFileBytes)
            return Error::failed("the AWS credentials file " + path.string() +
                                 " is larger than 16 MiB; is it the right file?");
        std::ifstream in(path, std::ios::binary);
        std::ostringstream content;
        content << in.rdbuf();
        if (!in.good() && !in.eof())
            return Error::failed("cannot read the AWS credentials file " + path.string() +
                                 "; fix its permissions or set AWS_SHARED_CREDENTIALS_FILE");
        text = content.str();
    }
    const auto updated = with_profile_keys(text, profile, keys);
    std::string temporary = (directory / ".credentials.pullcred-XXXXXX").string();
    const int fd = ::mkstemp(temporary.data());
    if (fd < 0)
        return Error::failed("cannot write a temporary file in " + directory.string() +
                             " for the AWS credentials file: " + errno_text(errno) +
                             "; fix the directory's permissions");
    auto abandon = [&](const std::string &what) -> Status {
        const int error = errno;
        ::close(fd);
        ::unlink(temporary.c_str());
        return Error::failed("cannot write the AWS credentials file " + path.string() + " (" + what +
                             "): " + errno_text(error) + "; fix the directory's permissions or free space");
    };
    if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) return abandon("chmod 0600");
    if (exists && ::fchown(fd, status.st_uid, status.st_gid) != 0 && errno != EPERM) return abandon("chown");
    for (std::size_t written = 0; written < updated.size();) {
        const auto n = ::write(fd, updated.data() + written, updated.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return abandon("write");
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) return abandon("fsync");
    if (::close(fd) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        return Error::failed("cannot write the AWS credentials file " + path.string() + " (close): " +
                             errno_text(error) + "; fix the directory's permissions or free space");
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        return Error::failed("cannot replace the AWS credentials file " + path.string() + ": " +
                             errno_text(error) + "; fix the directory's permissions");
    }
    if (const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
        (void)::fsync(dir); // the rename is done; a failed directory sync only weakens durability
        ::close(dir);
    }
    return ok();
}

} // namespace pullcred::cli
