#include "cli/check_report.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

namespace pullcred::cli {

namespace {
const char *severity_name(config::Severity severity) {
    return severity == config::Severity::error ? "error" : "warning";
}
} // namespace

void CheckReport::add_schema(const std::vector<config::Problem> &problems) {
    for (const auto &problem : problems) {
        add(problem);
        if (!problem.path.empty()) schema_paths_.push_back(problem.path);
    }
}

void CheckReport::add(config::Problem problem) {
    for (const auto &path : schema_paths_)
        if (config::path_within(problem.path, path)) return;
    const auto same = [&](const config::Problem &other) {
        return other.path == problem.path && other.message == problem.message;
    };
    if (std::any_of(problems_.begin(), problems_.end(), same)) return;
    problems_.push_back(std::move(problem));
}

void CheckReport::add(const std::vector<config::Problem> &problems) {
    for (const auto &problem : problems) add(problem);
}

bool CheckReport::has_errors() const {
    return std::any_of(problems_.begin(), problems_.end(),
                       [](const config::Problem &p) { return p.severity == config::Severity::error; });
}

std::string CheckReport::file_label() const {
    return file_.empty() ? std::string("built-in config") : file_;
}

void CheckReport::print_text(std::ostream &out, std::ostream &err) const {
    std::size_t errors = 0;
    for (const auto &problem : problems_) {
        errors += problem.severity == config::Severity::error ? 1 : 0;
        err << (problem.path.empty() ? file_label() : problem.path) << ": " << severity_name(problem.severity)
            << ": " << problem.message << "\n";
    }
    if (errors > 0) {
        err << file_label() << ": " << errors << " error(s)";
        if (errors < problems_.size()) err << ", " << problems_.size() - errors << " warning(s)";
        err << "\n";
        return;
    }
    out << file_label() << ": OK (" << profiles_ << " profile(s), " << rules_ << " rule(s))\n";
}

void CheckReport::print_json(std::ostream &out) const {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto &problem : problems_)
        problems.push_back({{"severity", severity_name(problem.severity)},
                            {"path", problem.path},
                            {"message", problem.message}});
    const nlohmann::json document{{"file", file_.empty() ? nlohmann::json() : nlohmann::json(file_)},
                                  {"ok", !has_errors()},
                                  {"profiles", profiles_},
                                  {"rules", rules_},
                                  {"problems", std::move(problems)}};
    out << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

} // namespace pullcred::cli
