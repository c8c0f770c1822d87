// Logging to stderr, text or JSON lines. Every message is redacted here.
#pragma once

#include <string_view>

namespace pullcred::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };
enum class Format { text, json };

struct Settings {
    Level level = Level::info;
    Format format = Format::text;
};

void configure(Settings settings);
const Settings &settings();

bool parse_level(std::string_view text, Level &out);
bool parse_format(std::string_view text, Format &out);

void write(Level level, std::string_view message, std::string_view component = {});

inline void debug(std::string_view message) {
    write(Level::debug, message);
}
inline void info(std::string_view message) {
    write(Level::info, message);
}
inline void warn(std::string_view message) {
    write(Level::warn, message);
}
inline void error(std::string_view message) {
    write(Level::error, message);
}

} // namespace pullcred::log
