#include "modules/module_index.hpp"

#include <algorithm>

#include "modules/file_trust.hpp"
#include "modules/loader.hpp"
#include "util/sha256.hpp"

namespace pullcred::modules {

namespace {

constexpr std::int64_t kRacyWindowNs = 2'000'000'000; // as cache/inputs.cpp

struct IndexEntry {
    std::string path;
    std::string pinned_sha256;
    FileIdentity identity;
    bool racy = false; // changed so recently that stat alone cannot tell a later change
    std::vector<std::string> factories;
    std::string problem; // the load failed: why
};

bool is_racy(const FileIdentity &identity, std::int64_t now_ns) {
    return now_ns - identity.mtime_ns < kRacyWindowNs || now_ns - identity.ctime_ns < kRacyWindowNs;
}

nlohmann::json to_json(const std::vector<IndexEntry> &entries) {
    auto files = nlohmann::json::array();
    for (const auto &entry : entries)
        files.push_back({{"path", entry.path},
                         {"sha256", entry.pinned_sha256},
                         {"device", entry.identity.device},
                         {"inode", entry.identity.inode},
                         {"size", entry.identity.size},
                         {"mtime_ns", entry.identity.mtime_ns},
                         {"ctime_ns", entry.identity.ctime_ns},
                         {"racy", entry.racy},
                         {"factories", entry.factories},
                         {"problem", entry.problem}});
    return {{"files", files}};
}

std::vector<IndexEntry> read_index(const cache::Store &store, const std::string &key) {
    std::vector<IndexEntry> entries;
    auto stored = store.read(key);
    if (!stored) return entries;
    try {
        for (const auto &file : stored->data.at("files")) {
            IndexEntry entry;
            entry.path = file.at("path").get<std::string>();
            entry.pinned_sha256 = file.at("sha256").get<std::string>();
            entry.identity = {file.at("device").get<std::uint64_t>(), file.at("inode").get<std::uint64_t>(),
                              file.at("size").get<std::int64_t>(), file.at("mtime_ns").get<std::int64_t>(),
                              file.at("ctime_ns").get<std::int64_t>()};
            entry.racy = file.at("racy").get<bool>();
            entry.factories = file.at("factories").get<std::vector<std::string>>();
            entry.problem = file.at("problem").get<std::string>();
            entries.push_back(std::move(entry));
        }
    } catch (const nlohmann::json::exception &) {
        return {};
    }
    return entries;
}

const IndexEntry *trusted_entry(const std::vector<IndexEntry> &entries, const config::ModuleRef &file) {
    const auto identity = current_identity(file.path);
    if (!identity) return nullptr;
    for (const auto &entry : entries)
        if (entry.path == file.path.string() && entry.pinned_sha256 == file.sha256 &&
            entry.identity == *identity && !entry.racy && entry.identity.ctime_ns != 0)
            return &entry;
    return nullptr;
}

} // namespace

Discovery discover_modules_on_demand(const std::filesystem::path &module_dir,
                                     const std::vector<config::ModuleRef> &extra, const cache::Store &store,
                                     std::int64_t now_ns, const Builtins &builtins) {
    auto discovery = discovery_of_builtins(builtins);
    const auto files = modules_to_discover(module_dir, extra);

    const auto key = module_index_key(module_dir, extra);
    const auto known = read_index(store, key);
    std::vector<IndexEntry> fresh;
    bool changed = false;
    for (const auto &file : files) {
        if (const auto *entry = trusted_entry(known, file)) {
            if (!entry->problem.empty()) {
                discovery.problems.push_back(entry->problem);
                discovery.registry.add_unknown(file.path, file.sha256);
            } else if (auto added = discovery.registry.add_deferred(file.path, file.sha256, entry->factories);
                       !added) {
                discovery.problems.push_back(added.error().message);
            }
            fresh.push_back(*entry);
            continue;
        }
        changed = true;
        const auto before = current_identity(file.path);
        FileIdentity identity;
        auto loaded = load_module(file.path, file.sha256, &identity);
        if (!loaded) {
            discovery.problems.push_back(loaded.error().message);
            // A refusal for trust is the directories' as much as the file's:
            // never remembered, the file is checked again next time.
            if (before && check_trusted_file(file.path))
                fresh.push_back({file.path.string(),
                                 file.sha256,
                                 *before,
                                 is_racy(*before, now_ns),
                                 {},
                                 loaded.error().message});
            continue;
        }
        if (auto added = discovery.registry.add(*loaded); !added)
            discovery.problems.push_back(added.error().message);
        std::vector<std::string> names;
        for (std::size_t i = 0; i < loaded->descriptor->factory_count; ++i)
            names.emplace_back(loaded->descriptor->factories[i]->name);
        fresh.push_back(
            {file.path.string(), file.sha256, identity, is_racy(identity, now_ns), std::move(names), {}});
    }
    if (changed) {
        const auto now = now_ns / 1'000'000'000;
        (void)store.write(key, cache::Entry{now, now, now, to_json(fresh), {}});
    }
    return discovery;
}

std::string module_index_key(const std::filesystem::path &module_dir,
                             const std::vector<config::ModuleRef> &extra) {
    Sha256 hash;
    hash.update("module-index/v1\n")
        .update(PULLCRED_VERSION)
        .update("\n")
        .update(module_dir.string())
        .update("\n");
    for (const auto &module : extra)
        hash.update(module.path.string()).update("\n").update(module.sha256).update("\n");
    return "modindex-" + to_hex(hash.finish());
}

} // namespace pullcred::modules
