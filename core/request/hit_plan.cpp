#include "request/hit_plan.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "config/model_builder.hpp"
#include "match/glob.hpp"
#include "match/image_ref.hpp"
#include "util/sha256.hpp"
#include "util/unique_fd.hpp"

namespace pullcred::request {

namespace {

constexpr std::string_view kMagic = "pullcred-hit-plan/4\n";
// After the magic line: the rule count and where each section starts, each
// in 20 digits and a space or newline:
//   always: the indexes of the rules that may match any image, one a line;
//   labels: "label<TAB>index" lines, sorted, for the rules whose patterns are
//           all literal (literal_label): only an image with that first host
//           label can meet them;
//   lines:  per rule, its line's offset in 20 digits, then the end;
//   rules:  per rule "offset length" of its slice, then its patterns, all
//           separated by tabs;
//   slices: the slices' text.
constexpr std::size_t kFields = 6;
constexpr std::size_t kHeaderSize = kFields * 21;
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
           a.service_account == b.service_account && a.settings == b.settings;
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
std::string_view first_label_of(const match::ImageRef &image) {
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
    auto digits = std::to_string(value);
    return std::string(20 - std::min<std::size_t>(digits.size(), 20), '0') + digits;
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
    std::string always;
    std::vector<std::string> labelled;
    std::string offsets;
    std::string lines;
    std::string slices;
    for (std::size_t index = 0; index < config.registries.size(); ++index) {
        auto slice = checked_slice(document, config, index);
        if (!slice) return false;
        const auto &patterns = config.registries[index].match_images;
        std::vector<std::string> labels;
        for (const auto &pattern : patterns) {
            if (!plain_pattern(pattern)) return false;
            // An invalid pattern counts as matching every registry (kubelet_cache_scope.cpp).
            const auto label = match::validate_pattern(pattern) ? literal_label(pattern) : std::string_view();
            if (label.empty()) break;
            labels.emplace_back(label);
        }
        if (labels.size() == patterns.size()) {
            for (const auto &label : labels) labelled.push_back(label + "\t" + std::to_string(index) + "\n");
        } else {
            always += std::to_string(index) + "\n";
        }
        offsets += fixed_width(lines.size());
        lines += std::to_string(slices.size()) + " " + std::to_string(slice->size());
        for (const auto &pattern : patterns) lines += "\t" + pattern;
        lines += "\n";
        slices += *slice;
    }
    offsets += fixed_width(lines.size());
    std::sort(labelled.begin(), labelled.end());
    std::string labels;
    for (const auto &line : labelled) labels += line;

    std::string text(kMagic);
    const auto always_at = kMagic.size() + kHeaderSize;
    const auto labels_at = always_at + always.size();
    const auto offsets_at = labels_at + labels.size();
    const auto lines_at = offsets_at + offsets.size();
    const auto slices_at = lines_at + lines.size();
    for (const auto field : {config.registries.size(), always_at, labels_at, offsets_at, lines_at, slices_at})
        text += fixed_width(field) + " ";
    text.back() = '\n';
    text += always + labels + offsets + lines + slices;
    return write_private(store, hit_plan_key(path, identity), text);
}

std::optional<HitPlan> HitPlan::open(const cache::Store &store, std::string_view key) {
    const auto path = store.path_of(key, ".plan");
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (fd.get() < 0) return std::nullopt;
    struct stat info {};
    // As cache::Store::read: ours, private, one link.
    const bool trusted = ::fstat(fd.get(), &info) == 0 && S_ISREG(info.st_mode) &&
                         info.st_uid == ::geteuid() && (info.st_mode & 077) == 0 && info.st_nlink == 1 &&
                         static_cast<std::size_t>(info.st_size) > kMagic.size() + kHeaderSize &&
                         static_cast<std::size_t>(info.st_size) < kMaxPlanBytes;
    if (!trusted) return std::nullopt;
    std::string header(kMagic.size() + kHeaderSize, '\0');
    if (!read_at(fd.get(), header, 0)) return std::nullopt;
    std::string_view fields(header);
    if (!fields.starts_with(kMagic)) return std::nullopt;
    fields.remove_prefix(kMagic.size());
    Sections sections{};
    std::size_t previous = kMagic.size() + kHeaderSize;
    for (std::size_t i = 0; i < kFields; ++i) {
        const auto value = take_number(fields);
        if (!value) return std::nullopt;
        sections[i] = *value;
        // The section offsets only grow, and stay inside the file.
        if (i > 0 && (*value < previous || *value > static_cast<std::size_t>(info.st_size)))
            return std::nullopt;
        if (i > 0) previous = *value;
    }
    if (sections[4] - sections[3] != 20 * (sections[0] + 1)) return std::nullopt;
    // The always and labels sections, read whole: a few bytes a rule.
    std::string index(sections[3] - sections[1], '\0');
    if (!read_at(fd.get(), index, sections[1])) return std::nullopt;
    return HitPlan(std::move(fd), sections, std::move(index));
}

std::optional<std::string> HitPlan::rule_line(std::size_t index) const {
    std::string bounds(40, '\0');
    if (!read_at(fd_.get(), bounds, sections_[3] + 20 * index)) return std::nullopt;
    std::size_t from = 0;
    std::size_t to = 0;
    const auto *data = bounds.data();
    if (std::from_chars(data, data + 20, from).ec != std::errc() ||
        std::from_chars(data + 20, data + 40, to).ec != std::errc() || to < from ||
        sections_[4] + to > sections_[5])
        return std::nullopt;
    std::string line(to - from, '\0');
    if (line.empty() || !read_at(fd_.get(), line, sections_[4] + from) || line.back() != '\n')
        return std::nullopt;
    line.pop_back();
    return line;
}

std::vector<std::size_t> HitPlan::candidates(std::string_view label) const {
    const std::string_view always(index_.data(), sections_[2] - sections_[1]);
    std::string_view labels(index_.data() + always.size(), index_.size() - always.size());
    std::vector<std::size_t> found;
    for (std::string_view rest = always; !rest.empty();) {
        const auto value = take_number(rest);
        if (!value) break;
        found.push_back(*value);
    }
    if (label.empty()) { // every labelled rule may match
        for (std::string_view rest = labels; !rest.empty();) {
            const auto tab = rest.find('\t');
            if (tab == std::string_view::npos) break;
            rest.remove_prefix(tab + 1);
            const auto value = take_number(rest);
            if (!value) break;
            found.push_back(*value);
        }
    } else {
        // The first line not below "label<TAB>", by bisection over the sorted lines.
        const std::string key = std::string(label) + "\t";
        std::size_t low = 0;
        std::size_t high = labels.size();
        while (low < high) {
            const auto middle = low + (high - low) / 2;
            const auto start = middle == 0 ? 0 : labels.rfind('\n', middle - 1) + 1;
            const auto end = labels.find('\n', start);
            if (end == std::string_view::npos) return {}; // not a plan pullcred wrote
            if (labels.substr(start, end - start) < key) {
                low = end + 1;
            } else {
                high = start;
            }
        }
        for (auto rest = labels.substr(std::min(low, labels.size())); rest.starts_with(key);) {
            rest.remove_prefix(key.size());
            const auto value = take_number(rest);
            if (!value) break;
            found.push_back(*value);
        }
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    return found;
}

std::optional<config::Config> HitPlan::config_for(const match::ImageRef &image) const {
    const auto count = sections_[0];

    // Only the rules that may match the image's registry matter: which rule
    // serves the image, and how kubelet may cache the answer, depend on them.
    std::vector<std::pair<std::size_t, std::string>> earlier; // (rule index, its tab-separated patterns)
    for (const auto index : candidates(first_label_of(image))) {
        if (index >= count) return std::nullopt;
        auto text = rule_line(index);
        if (!text) return std::nullopt;
        std::string_view line(*text);
        const auto offset = take_number(line);
        const auto length = take_number(line);
        if (!offset || !length || line.empty()) return std::nullopt;
        bool matched = false;
        for (std::size_t from = 0; from <= line.size() && !matched;) {
            const auto next = std::min(line.find('\t', from), line.size());
            matched = match::match_image(line.substr(from, next - from), image);
            from = next + 1;
        }
        if (!matched) {
            earlier.emplace_back(index, std::string(line));
            continue;
        }
        if (*length > kMaxPlanBytes || *offset > kMaxPlanBytes) return std::nullopt;
        std::string slice(*length, '\0');
        if (!read_at(fd_.get(), slice, sections_[5] + *offset)) return std::nullopt;
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
        config.registries.resize(earlier.size() + (count > 1 ? 2 : 1));
        auto at = config.registries.begin();
        for (const auto &[before, patterns] : earlier) {
            at->index = before;
            std::string_view rest(patterns);
            for (std::size_t from = 0; from <= rest.size();) {
                const auto next = std::min(rest.find('\t', from), rest.size());
                at->match_images.emplace_back(rest.substr(from, next - from));
                from = next + 1;
            }
            ++at;
        }
        *at = std::move(rule);
        if (count > 1) (at + 1)->index = index + 1 < count ? index + 1 : index - 1;
        return config;
    }
    return std::nullopt;
}

} // namespace pullcred::request
