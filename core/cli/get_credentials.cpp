#include <iostream>

#include "cli/command.hpp"
#include "cli/command_options.hpp"
#include "cli/session.hpp"
#include "kubelet/protocol.hpp"
#include "request/answer.hpp"
#include "util/files.hpp"

namespace pullcred::cli {

int run_get_credentials(const CommandLine &command) {
    po::options_description own("get-credentials options");
    auto parsed = parse_command(command, own);
    if (parsed.help) {
        print_command_help("pullcred get-credentials [--config FILE] < request.json", own,
                           "echo "
                           "'{\"apiVersion\":\"credentialprovider.kubelet.k8s.io/v1\",\"kind\":"
                           "\"CredentialProviderRequest\",\"image\":\"111122223333.dkr.ecr.us-"
                           "west-2.amazonaws."
                           "com/app\"}' | pullcred get-credentials --config "
                           "/etc/pullcred/config.yaml");
        return 0;
    }

    auto input = read_stream_capped(std::cin, "kubelet request on stdin", kubelet::kMaxRequestBytes);
    if (!input) return fail(input.error().message);
    auto request = kubelet::parse_request(*input);
    if (!request) return fail(request.error().message);

    auto session = Session::open(command.global);
    if (!session.loaded().ok()) return fail(session.loaded().summary());
    session.load_modules_on_demand();

    auto context = session.answer_context();
    auto response = request::answer(*request, context);
    if (!response) return fail(response.error().message);
    std::cout << kubelet::encode_response(*response) << std::flush;
    return 0;
}

} // namespace pullcred::cli
