#include "aws/sources/builtin_module.hpp"

#include <iterator>

#include "aws/sources/aws_shared_config.hpp"
#include "aws/sources/web_identity_source.hpp"

namespace pullcred::aws::sources {

const pullcred_module *builtin_module() {
    static const pullcred_factory *const factories[] = {shared_config_source(), default_chain_source(),
                                                        web_identity_source()};
    static const pullcred_module module{
        sizeof(pullcred_module), PULLCRED_ABI_MAJOR,   PULLCRED_ABI_MINOR, "builtin",
        PULLCRED_VERSION,        std::size(factories), factories};
    return &module;
}

} // namespace pullcred::aws::sources
