#include "request/hit_plan.hpp"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "config/model_builder.hpp"
#include "dispatch/glob.hpp"
#include "dispatch/image_ref.hpp"
#include "util/sha256.hpp"
#include "util/unique_fd.hpp"

namespace pullcred::request {

namespace {

constexpr std::string_view kMagic = "pullcred-hit-plan/2\n";
constexpr std::int64_t kRacyWindowNs = 2'000'000'000; // as cache/inputs.cpp
constexpr std::size_t kMaxPlanBytes = std::size_t{256} * 1024 * 1024;

// The document with only rule `index` and its profile.
nlohmann::json slice_of(const nlohmann::json &document, std::size_t index, const std::string &profile) {
    nlohmann::json slice = nlohmann::json::object();
    for (const auto &[name, value] : document.items())
        if (name != "registries" && name != "profiles") slice[name] = value;
    slice["registries"] = nlohmann::json::array({document.at("registries").at(index)});
    if (!profile.empty() && document.contains("profiles") && document["profiles"].contains(profile))
        slice["profiles"] = nlohmann::json{{profile, document["profiles"][profile]}};
    return slice;
}

bool same_rule(const config::Rule &a, const config::Rule &b) {
    return a.match_images == b.match_images && a.backend == b.backend && a.profile == b.profile &&
           a.cache_duration == b.cache_duration && a.cache_key_type == b.cache_key_type &&
           a.settings == b.settings;
}

bool same_profile(const config::Config &a, const config::Config &b, const std::string &name) {
    if (name.empty()) return true;
    const auto x = a.profiles.find(name);
    const auto y = b.profiles.find(name);
    if (x == a.profiles.end() || y == b.profiles.end())
        return (x == a.profiles.end()) == (y == b.profiles.end());
    return x->second.name == y->second.name && x->second.source == y->second.source &&
           x->second.settings == y->second.settings;
}

bool same_settings(const config::Config &a, const config::Config &b) {
    const auto same_modules =
        a.modules.size() == b.modules.size() &&
        std::equal(a.modules.begin(), a.modules.end(), b.modules.begin(),
                   [](const auto &x, const auto &y) { return x.path == y.path && x.sha256 == y.sha256; });
    return same_modules && a.cache.dir == b.cache.dir && a.cache.enabled == b.cache.enabled &&
           a.settings.deadline == b.settings.deadline && a.settings.http_timeout == b.settings.http_timeout &&
           a.settings.ca_bundle == b.settings.ca_bundle &&
           a.settings.native_signing_helper == b.settings.native_signing_helper;
}

// The slice's text when it builds, alone, to what the whole config built.
std::optional<std::string> checked_slice(const nlohmann::json &document, const config::Config &whole,
                                         std::size_t index) {
    const auto &rule = whole.registries[index];
    auto text = slice_of(document, index, rule.profile).dump();
    std::vector<config::Problem> problems;
    auto reread = config::read_document(text, whole.file, problems);
    if (!reread) return std::nullopt;
    config::Config built;
    try {
        config::build_config(*reread, built, problems);
    } catch (const nlohmann::json::exception &) {
        return std::nullopt;
    }
    if (!problems.empty() || built.registries.size() != 1 || !same_rule(built.registries[0], rule) ||
        !same_profile(built, whole, rule.profile) || !same_settings(built, whole))
        return std::nullopt;
    return text;
}

// The first host label of an image whose host is a plain DNS name or IPv4
// address; empty (no shortcut) for anything else.
std::string_view first_label_of(const dispatch::ImageRef &image) {
    const auto host = image.host();
    if (host.empty() || host.find_first_of(":[]") != std::string_view::npos) return {};
    return host.substr(0, host.find('.'));
}

// The first host label of a pattern without scheme, userinfo, escapes or
// glob characters; empty for any other. Such a pattern matches only hosts
// whose first label equals it (Go's filepath.Match of a literal is
// equality), so it can neither match an image with another first label nor
// any image of that image's registry (kubelet_cache_scope.cpp).
std::string_view literal_label(std::string_view pattern) {
    if (pattern.find_first_of("*?[]\\%@#") != std::string_view::npos ||
        pattern.find("://") != std::string_view::npos)
        return {};
    return pattern.substr(0, pattern.find_first_of(".:/"));
}

bool plain_pattern(std::string_view pattern) {
    return !pattern.empty() && pattern.find_first_of(std::string_view("\t\n\0", 3)) == std::string_view::npos;
}

// The decimal number at the start of `text`, which advances past it and one separator.
std::optional<std::size_t> take_number(std::string_view &text) {
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end == text.data() + text.size()) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()) + 1);
    return value;
}

std::string fixed_width(std::size_t value) {
    std::array<char, 24> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%020zu", value);
    return buffer.data();
}

// Fills `into` from `offset`; false unless every byte was read.
bool read_at(int fd, std::string &into, std::size_t offset) {
    std::size_t got = 0;
    while (got < into.size()) {
        const auto n = ::pread(fd, into.data() + got, into.size() - got, static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        got += static_cast<std::size_t>(n);
    }
    return true;
}

bool write_private(const cache::Store &store, std::string_view key, std::string_view text) {
    const auto path = store.path_of(key, ".plan");
    const auto temp = store.path_of(key, ".tmp." + std::to_string(::getpid()));
    const UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) return false;
    std::size_t written = 0;
    while (written < text.size()) {
        const auto n = ::write(fd.get(), text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    if (written != text.size() || ::rename(temp.c_str(), path.c_str()) != 0) {
        ::unlink(temp.c_str());
        return false;
    }
    return true;
}

} // namespace

std::string hit_plan_key(const std::filesystem::path &path, const FileIdentity &identity) {
    Sha256 hash;
    hash.update("hit-plan/v1\n").update(PULLCRED_VERSION).update("\n").update(path.string()).update("\n");
    for (const auto field :
         {identity.device, identity.inode, static_cast<std::uint64_t>(identity.size),
          static_cast<std::uint64_t>(identity.mtime_ns), static_cast<std::uint64_t>(identity.ctime_ns)})
        hash.update(std::to_string(field)).update(" ");
    return "hitplan-" + to_hex(hash.finish());
}

bool record_hit_plan(const cache::Store &store, const std::filesystem::path &path,
                     const FileIdentity &identity, const nlohmann::json &document,
                     const config::Config &config, std::int64_t now_ns) {
    if (now_ns - identity.mtime_ns < kRacyWindowNs || now_ns - identity.ctime_ns < kRacyWindowNs)
        return false;
    std::string lines;
    std::string slices;
    for (std::size_t index = 0; index < config.registries.size(); ++index) {
        auto slice = checked_slice(document, config, index);
        if (!slice) return false;
        const auto &patterns = config.registries[index].match_images;
        std::string labels;
        std::size_t literal = 0;
        for (const auto &pattern : patterns) {
            if (!plain_pattern(pattern)) return false;
            // An invalid pattern counts as matching every registry (kubelet_cache_scope.cpp).
            const auto label =
                dispatch::validate_pattern(pattern) ? literal_label(pattern) : std::string_view();
            if (label.empty()) break;
            labels += "\t" + std::string(label);
            ++literal;
        }
        if (literal != patterns.size()) labels.clear();
        lines += std::to_string(slices.size()) + " " + std::to_string(slice->size()) + " " +
                 std::to_string(labels.empty() ? 0 : literal) + labels;
        for (const auto &pattern : patterns) lines += "\t" + pattern;
        lines += "\n";
        slices += *slice;
    }
    std::string header(kMagic);
    header += std::to_string(config.registries.size()) + " ";
    const auto start = header.size() + 21 + lines.size(); // 20 digits and '\n'
    header += fixed_width(start) + "\n";
    return write_private(store, hit_plan_key(path, identity), header + lines + slices);
}

std::optional<HitPlan> HitPlan::open(const cache::Store &store, std::string_view key) {
    const auto path = store.path_of(key, ".plan");
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (fd.get() < 0) return std::nullopt;
    struct stat info {};
    // As cache::Store::read: ours, private, one link.
    const bool trusted = ::fstat(fd.get(), &info) == 0 && S_ISREG(info.st_mode) &&
                         info.st_uid == ::geteuid() && (info.st_mode & 077) == 0 && info.st_nlink == 1 &&
                         static_cast<std::size_t>(info.st_size) < kMaxPlanBytes;
    if (!trusted) return std::nullopt;
    std::string header(std::min(kMagic.size() + 64, static_cast<std::size_t>(info.st_size)), '\0');
    if (!read_at(fd.get(), header, 0)) return std::nullopt;
    std::string_view fields(header);
    if (!fields.starts_with(kMagic)) return std::nullopt;
    fields.remove_prefix(kMagic.size());
    const auto count = take_number(fields);
    const auto start = take_number(fields);
    if (!count || !start || *start > static_cast<std::size_t>(info.st_size)) return std::nullopt;
    std::string rules(*start, '\0');
    if (!read_at(fd.get(), rules, 0)) return std::nullopt;
    return HitPlan(std::move(fd), std::move(rules), *start);
}

std::optional<config::Config> HitPlan::config_for(std::string_view image) const {
    const auto parsed = dispatch::ImageRef::parse(image);
    if (!parsed) return std::nullopt; // no answer from the cache for it either
    const auto label = first_label_of(*parsed);
    std::string_view text(rules_);
    text.remove_prefix(kMagic.size());
    const auto count = take_number(text);
    if (!count || !take_number(text)) return std::nullopt;

    // The earlier rules that may matter: which rule serves an image, and how
    // kubelet may cache the answer, depend on them. The others stand in the
    // model as rules without patterns (their number counts too).
    std::vector<std::pair<std::size_t, std::string_view>> earlier; // (rule index, its tab-separated patterns)
    for (std::size_t index = 0; index < *count; ++index) {
        const auto end = text.find('\n');
        if (end == std::string_view::npos) return std::nullopt;
        auto line = text.substr(0, end);
        text.remove_prefix(end + 1);
        const auto offset = take_number(line);
        const auto length = take_number(line);
        const auto literal = take_number(line);
        if (!offset || !length || !literal || line.empty()) return std::nullopt;
        // A rule whose patterns are all literal matters only when one has the image's first label.
        bool matters = *literal == 0 || label.empty();
        for (std::size_t i = 0; i < *literal; ++i) {
            const auto next = std::min(line.find('\t'), line.size());
            matters = matters || line.substr(0, next) == label;
            line.remove_prefix(std::min(next + 1, line.size()));
        }
        if (!matters) continue;
        bool matched = false;
        for (std::size_t from = 0; from <= line.size() && !matched;) {
            const auto next = std::min(line.find('\t', from), line.size());
            matched = dispatch::match_image(line.substr(from, next - from), image);
            from = next + 1;
        }
        if (!matched) {
            earlier.emplace_back(index, line);
            continue;
        }
        if (*length > kMaxPlanBytes) return std::nullopt;
        std::string slice(*length, '\0');
        if (!read_at(fd_.get(), slice, slices_at_ + *offset)) return std::nullopt;
        std::vector<config::Problem> problems;
        auto document = config::read_document(slice, "", problems);
        if (!document) return std::nullopt;
        config::Config config;
        try {
            config::build_config(*document, config, problems);
        } catch (const nlohmann::json::exception &) {
            return std::nullopt;
        }
        if (!problems.empty() || config.registries.size() != 1) return std::nullopt;
        auto rule = std::move(config.registries[0]);
        rule.index = index;
        config.registries.clear();
        config.registries.resize(earlier.size() + (*count > 1 ? 2 : 1));
        auto at = config.registries.begin();
        for (const auto &[before, patterns] : earlier) {
            at->index = before;
            for (std::size_t from = 0; from <= patterns.size();) {
                const auto next = std::min(patterns.find('\t', from), patterns.size());
                at->match_images.emplace_back(patterns.substr(from, next - from));
                from = next + 1;
            }
            ++at;
        }
        *at = std::move(rule);
        if (*count > 1) (at + 1)->index = index + 1 < *count ? index + 1 : index - 1;
        return config;
    }
    return std::nullopt;
}

} // namespace pullcred::request
