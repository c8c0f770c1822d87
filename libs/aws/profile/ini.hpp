// The INI dialect of the AWS shared config and credentials files.
//
//   [default]                      a profile (both files)
//   [profile NAME]                 a profile (config file); `[NAME]` in the credentials file
//   [sso-session NAME]             kept apart (config file)
//   [services NAME]                kept apart (config file)
//   key = value                    keys case-insensitive (stored lower case), blanks trimmed
//   key = value  # comment         ` #` / ` ;` after a blank starts an inline comment
//   # comment / ; comment          full-line comments
//   key =                          followed by more-indented `k = v` lines: a sub-section
//     k = v
//   key = first                    followed by more-indented lines: continuation,
//     second                       the value becomes "first\nsecond"
//
// A section that appears twice is merged (later keys win). A setting outside
// any section or a line that is none of the above is an Error naming the file
// and the line number; error messages never quote the line (it may hold a
// secret). Inputs over kMaxSharedConfigBytes and NUL bytes are refused.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "aws/result.hpp"

namespace pullcred::aws {

inline constexpr std::size_t kMaxSharedConfigBytes = std::size_t{1} << 20; // 1 MiB

using IniValues = std::map<std::string, std::string, std::less<>>;

struct IniSection {
    IniValues values;                                          // key (lower case) -> value
    std::map<std::string, IniValues, std::less<>> subsections; // `key =` + indented `k = v` lines
    std::size_t line = 0;                                      // line of the (first) header
};

using IniSections = std::map<std::string, IniSection, std::less<>>;

enum class IniFileKind { config, credentials };

struct IniFile {
    IniSections profiles;     // by profile name
    IniSections sso_sessions; // [sso-session NAME], config file only
    IniSections services;     // [services NAME], config file only
    IniSections other;        // config-file sections that are none of the above (botocore keeps them too)
};

// Sections by their header text (trimmed), duplicates merged.
Result<IniSections> parse_ini_sections(std::string_view text, std::string_view file_name);

// Sections sorted by role. In the config file `[profile default]` wins over
// `[default]` when both exist (as in the AWS SDKs for Java, Go and Rust);
// in the credentials file every section is a profile named by its header.
Result<IniFile> parse_ini(std::string_view text, IniFileKind kind, std::string_view file_name);

// Merge `from` into `into`; keys of `from` win.
void merge_ini_section(IniSection &into, const IniSection &from);

} // namespace pullcred::aws
