// A problem found in a config, named by its key path.
#pragma once

#include <string>
#include <string_view>

namespace pullcred::config {

enum class Severity { error, warning };

struct Problem {
    std::string path; // "registries[0].backend"; empty for the document
    std::string message;
    Severity severity = Severity::error;
};

// "a" + "b" -> "a.b"; "a" + "[0]" -> "a[0]".
std::string join_path(std::string_view parent, std::string_view child);

// True when `inner` is `outer` or a key path below it ("a" holds "a.b" and
// "a[0]", not "ab"); the empty path holds every path.
bool path_within(std::string_view inner, std::string_view outer);

} // namespace pullcred::config
