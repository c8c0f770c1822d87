#include "config/problem.hpp"

namespace pullcred::config {

std::string join_path(std::string_view parent, std::string_view child) {
    if (parent.empty()) return std::string(child);
    if (child.empty()) return std::string(parent);
    if (child.front() == '[') return std::string(parent) + std::string(child);
    return std::string(parent) + "." + std::string(child);
}

} // namespace pullcred::config
