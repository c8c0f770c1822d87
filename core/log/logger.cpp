#include "log/logger.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "log/redact.hpp"

namespace pullcred::log {

namespace {
Settings g_settings;

std::string_view level_name(Level level) {
    switch (level) {
    case Level::debug:
        return "debug";
    case Level::info:
        return "info";
    case Level::warn:
        return "warning";
    case Level::error:
        return "error";
    }
    return "info";
}
} // namespace

void configure(Settings settings) {
    g_settings = settings;
}
const Settings &settings() {
    return g_settings;
}

bool parse_level(std::string_view text, Level &out) {
    if (text == "debug")
        out = Level::debug;
    else if (text == "info")
        out = Level::info;
    else if (text == "warn" || text == "warning")
        out = Level::warn;
    else if (text == "error")
        out = Level::error;
    else
        return false;
    return true;
}

bool parse_format(std::string_view text, Format &out) {
    if (text == "text")
        out = Format::text;
    else if (text == "json")
        out = Format::json;
    else
        return false;
    return true;
}

void write(Level level, std::string_view message, std::string_view component) {
    if (level < g_settings.level) return;
    auto clean = redact(message);
    std::string line;
    if (g_settings.format == Format::json) {
        nlohmann::json record{{"level", level_name(level)}, {"msg", clean}};
        if (!component.empty()) record["module"] = std::string(component);
        line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
        for (auto &c : clean)
            if (c == '\n' || c == '\r') c = ' ';
        line = "pullcred: ";
        if (level != Level::info) line += std::string(level_name(level)) + ": ";
        if (!component.empty()) line += std::string(component) + ": ";
        line += clean;
    }
    line += '\n';
    (void)std::fwrite(line.data(), 1, line.size(), stderr); // nowhere to report a failed log write
}

} // namespace pullcred::log
