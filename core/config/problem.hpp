// A problem found in a config, named by its key path.
#pragma once

#include <string>
#include <string_view>

namespace pullcred::config {

struct Problem {
    std::string path; // "registries[0].backend"; empty for the document
    std::string message;
};

// "a" + "b" -> "a.b"; "a" + "[0]" -> "a[0]".
std::string join_path(std::string_view parent, std::string_view child);

} // namespace pullcred::config
