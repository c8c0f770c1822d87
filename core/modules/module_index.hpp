// On-demand module loading for get-credentials: an index, kept in the cache
// directory, of the factories each module file provides, so that a request
// dlopens only the modules whose factories its rule and profile use.
//
// An entry is trusted only for the very file it describes: same path, same
// identity (device, inode, size, mtime, ctime; a chown, chmod or rewrite
// changes the ctime), not changed within two seconds of being indexed, and
// the same SHA-256 pin; it lives in the private cache directory (cache::Store:
// ours, 0700; the file ours, 0600). A file without a trusted entry is loaded
// as before, and indexed. A deferred module is loaded through load_module(),
// so its owner, mode and directory are checked when it is used; a loaded
// module whose factories differ from its entry is refused.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "cache/store.hpp"
#include "config/model.hpp"
#include "modules/registry.hpp"

namespace pullcred::modules {

// The store key of the index of `module_dir` and `extra`.
std::string module_index_key(const std::filesystem::path &module_dir,
                             const std::vector<config::ModuleRef> &extra);

// As discover_modules(), with modules that have a trusted entry in `store`'s
// index registered deferred (a module that failed when it was indexed is
// reported from its entry and tried again only when a factory is found
// nowhere else). The index is rewritten when a file had no trusted entry.
Discovery discover_modules_on_demand(const std::filesystem::path &module_dir,
                                     const std::vector<config::ModuleRef> &extra, const cache::Store &store,
                                     std::int64_t now_ns, const Builtins &builtins = {});

} // namespace pullcred::modules
