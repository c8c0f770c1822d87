#include "config/problem.hpp"

namespace pullcred::config {

std::string join_path(std::string_view parent, std::string_view child) {
    if (parent.empty()) return std::string(child);
    if (child.empty()) return std::string(parent);
    if (child.front() == '[') return std::string(parent) + std::string(child);
    return std::string(parent) + "." + std::string(child);
}

bool path_within(std::string_view inner, std::string_view outer) {
    if (outer.empty() || inner == outer) return true;
    return inner.size() > outer.size() && inner.substr(0, outer.size()) == outer &&
           (inner[outer.size()] == '.' || inner[outer.size()] == '[');
}

} // namespace pullcred::config
