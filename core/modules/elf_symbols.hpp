// Reads an ELF shared object's dynamic symbol table through a descriptor,
// without loading it: before dlopen runs a file's constructors, the loader
// makes sure it is a pullcred module at all. Every offset and size is checked
// against the file's size; the file is read with pread in bounded pieces.
#pragma once

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace pullcred::modules {

// Whether the 64-bit ELF shared object open on `fd`, for this machine,
// defines `name` as a global or weak function in its dynamic symbol table.
// An error (one line, without the file's name) when it is no such ELF file
// or is malformed.
Result<bool> defines_dynamic_function(int fd, std::string_view name);

} // namespace pullcred::modules
