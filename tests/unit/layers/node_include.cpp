// Compiled against pullcred_core (every room pullcred-host links): the node
// installer is not one of them, so this must not compile.
#include "node/installer.hpp"
