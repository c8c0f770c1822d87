#include "front/cache_hit.hpp"

#include <chrono>

#include "cache/config_stamp.hpp"
#include "config/defaults.hpp"
#include "config/model_builder.hpp"
#include "kubelet/protocol.hpp"
#include "request/cache_hit.hpp"
#include "util/input_file.hpp"

namespace pullcred::front {

namespace {
std::optional<config::Config> stamped_config(const std::string &config_flag,
                                             std::optional<cache::Store> &store) {
    const auto location = config::locate_config(config_flag);
    // An untrusted config is refused here as by the host, which reports it.
    auto input = read_input_file(location.path, "config");
    if (!input || !*input) return std::nullopt; // the host reports it, or uses the built-in config
    const std::string &text = (*input)->content;
    config::Config config;
    config.file = location.path.string();
    std::vector<config::Problem> problems;
    auto document = config::read_document(text, config.file, problems);
    if (!document) return std::nullopt;
    try {
        config::build_config(*document, config, problems);
    } catch (const nlohmann::json::exception &) {
        return std::nullopt;
    }
    if (!problems.empty() || !config.cache.enabled) return std::nullopt;
    auto opened = cache::Store::open(config.cache.dir);
    if (!opened || !cache::has_config_stamp(*opened, text)) return std::nullopt;
    store.emplace(std::move(*opened));
    return config;
}
} // namespace

std::optional<std::string> answer_hit(std::string_view input, const std::string &config_flag) {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    auto request = kubelet::parse_request(input);
    if (!request) return std::nullopt;
    std::optional<cache::Store> store;
    auto config = stamped_config(config_flag, store);
    if (!config) return std::nullopt;
    auto response = request::answer_from_cache(*request, *config, *store, now);
    if (!response) return std::nullopt;
    return kubelet::encode_response(*response);
}

} // namespace pullcred::front
