// Compiled against pullcred_cache: request/ is a higher room, so this must
// not compile (tests/unit/layers/CMakeLists.txt).
#include "request/answer.hpp"
