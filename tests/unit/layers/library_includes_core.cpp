// A file built like a plugin (the SDK and libs/aws only) that includes a
// header of core: it must not compile.
#include "util/result.hpp"
