// The compiled form of a validated config for cache hits, so that a hit costs
// the same at 1,000 rules as at one. A plan file holds, per rule in order, its
// matchImages patterns and a slice of the config document (the rule, its
// profile and every top-level setting) that builds to that rule exactly as the
// whole config does; a hit matches the patterns, then builds only its slice.
//
// Trust: a plan is named by SHA-256 of the pullcred version, the config's path
// and the config file's identity (device, inode, size, mtime, ctime), and lives
// in a private cache directory (cache::Store: ours, 0700) as a file of ours,
// 0600, one link. It is recorded only after the stamp proved that this config
// text passed the schema, and only when the config's mtime and ctime are two
// seconds older than the text read, so that no later rewrite can keep the
// identity (see docs/architecture.md).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/store.hpp"
#include "config/model.hpp"
#include "match/image_ref.hpp"
#include "util/input_file.hpp"
#include "util/unique_fd.hpp"

namespace pullcred::request {

// "hitplan-<hex>" (the file <key>.plan; cache/prune.hpp removes it when
// untouched for 30 days, as a stamp): the store key of the plan of the config at `path` with `identity`.
std::string hit_plan_key(const std::filesystem::path &path, const FileIdentity &identity);

// Writes the plan of `document` (schema-valid, stamped, built into `config`
// without problems); true when written. Nothing is written when the file
// changed within the last two seconds of `now_ns`, a rule's slice does not
// build to the same rule, or the directory refuses the file.
bool record_hit_plan(const cache::Store &store, const std::filesystem::path &path,
                     const FileIdentity &identity, const nlohmann::json &document,
                     const config::Config &config, std::int64_t now_ns);

// A trusted plan: its index read whole, a rule's line and slice only when the rule may match.
class HitPlan {
public:
    static std::optional<HitPlan> open(const cache::Store &store, std::string_view key);

    // The config for `image`: its first matching rule, built from its slice
    // (with its index), after the earlier rules that may match the image's
    // registry (with their patterns and indexes), and one rule without
    // patterns when the config has more (kubelet_cache_scope.cpp asks whether
    // a rule is the only one). Rules that cannot match that registry are left
    // out, so registries[i].index need not be i: enough for
    // answer_from_cache(), not for select_rule_after(). nullopt when no rule
    // matches or anything is not as recorded.
    [[nodiscard]] std::optional<config::Config> config_for(const match::ImageRef &image) const;

private:
    // The rule count, then where the always, labels, lines, rules and slices sections start.
    using Sections = std::array<std::size_t, 6>;
    HitPlan(UniqueFd fd, Sections sections, std::string index)
        : fd_(std::move(fd)), sections_(sections), index_(std::move(index)) {}
    // The rules that may match an image whose first host label is `label`, in order.
    [[nodiscard]] std::vector<std::size_t> candidates(std::string_view label) const;
    [[nodiscard]] std::optional<std::string> rule_line(std::size_t index) const;

    UniqueFd fd_;
    Sections sections_;
    std::string index_; // the always and labels sections
};

} // namespace pullcred::request
