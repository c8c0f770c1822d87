#include "cli/app.hpp"

int main(int argc, char **argv) {
    return pullcred::cli::run(argc, argv);
}
