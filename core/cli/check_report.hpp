// What check-config found, collected and printed: one line per problem in
// text, or one JSON document for tools.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "config/problem.hpp"

namespace pullcred::cli {

class CheckReport {
public:
    explicit CheckReport(std::string file) : file_(std::move(file)) {}

    // The schema's problems: a later problem inside one of their keys is
    // left out, being a consequence of it.
    void add_schema(const std::vector<config::Problem> &problems);
    // Any other; an exact repeat is left out.
    void add(config::Problem problem);
    void add(const std::vector<config::Problem> &problems);
    void counts(std::size_t profiles, std::size_t rules) {
        profiles_ = profiles;
        rules_ = rules;
    }

    [[nodiscard]] bool has_errors() const;
    // "PATH: error: MESSAGE" lines on `err`; "FILE: OK (...)" on `out` when no error.
    void print_text(std::ostream &out, std::ostream &err) const;
    // {"file", "ok", "profiles", "rules", "problems": [{"severity", "path", "message"}]}
    void print_json(std::ostream &out) const;

private:
    [[nodiscard]] std::string file_label() const;

    std::string file_; // empty: the built-in config
    std::size_t profiles_ = 0;
    std::size_t rules_ = 0;
    std::vector<config::Problem> problems_;
    std::vector<std::string> schema_paths_;
};

} // namespace pullcred::cli
