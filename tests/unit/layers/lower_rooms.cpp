// Compiled against pullcred_cache: its own room and the rooms it links.
#include "cache/cache.hpp"
#include "config/model.hpp"
#include "log/logger.hpp"
#include "util/result.hpp"
