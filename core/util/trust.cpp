#include "util/trust.hpp"

namespace pullcred::trust {

Status check_opened_file(int /*fd*/, const std::filesystem::path & /*path*/, std::string_view /*what*/) {
    return ok();
}

} // namespace pullcred::trust
