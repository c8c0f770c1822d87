#include "front/stamped_config_hit.hpp"

#include "cache/config_stamp.hpp"
#include "config/defaults.hpp"
#include "config/model_builder.hpp"
#include "kubelet/protocol.hpp"
#include "match/image_ref.hpp"
#include "request/answer_from_cache.hpp"
#include "request/hit_plan.hpp"
#include "util/clock.hpp"
#include "util/input_file.hpp"
#include "util/trust.hpp"

namespace pullcred::front {

namespace {

struct Stamped {
    config::Config config;
    cache::Store store;
};

std::optional<Stamped> with_store(config::Config config) {
    if (!config.cache.enabled) return std::nullopt;
    auto opened = cache::Store::open(config.cache.dir);
    if (!opened) return std::nullopt;
    return Stamped{std::move(config), std::move(*opened)};
}

// The whole config, parsed and built, when its stamp proves it valid; its
// plan is recorded for the next hit (request/hit_plan.hpp).
std::optional<Stamped> whole_config(const std::filesystem::path &path, const OpenedFile &file,
                                    const std::optional<cache::Store> &plans, std::int64_t now_ns) {
    auto text = read_opened_file(file, path, "config");
    if (!text) return std::nullopt;
    config::Config config;
    config.file = path.string();
    std::vector<config::Problem> problems;
    auto document = config::read_document(*text, config.file, problems);
    if (!document) return std::nullopt;
    try {
        config::build_config(*document, config, problems);
    } catch (const nlohmann::json::exception &) {
        return std::nullopt;
    }
    if (!problems.empty()) return std::nullopt;
    auto stamped = with_store(config);
    if (!stamped || !cache::has_config_stamp(stamped->store, *text)) return std::nullopt;
    if (plans) request::record_hit_plan(*plans, path, identity_of(file.info), *document, config, now_ns);
    return stamped;
}

std::optional<Stamped> stamped_config(const std::string &config_flag, const match::ImageRef &image,
                                      std::int64_t now_ns) {
    const auto location = config::locate_config(config_flag);
    // An untrusted config is refused here as by the host, which reports it.
    auto file = open_regular_file(location.path, "config");
    if (!file || !*file) return std::nullopt; // the host reports it, or uses the built-in config
    if (!trust::check_opened_file((*file)->fd.get(), location.path, "config")) return std::nullopt;
    // Plans live in the default cache directory: where the config's own is,
    // only the config can say.
    auto plans = cache::Store::open(config::default_cache_dir());
    std::optional<cache::Store> plan_store;
    if (plans) {
        plan_store.emplace(std::move(*plans));
        const auto key = request::hit_plan_key(location.path, identity_of((*file)->info));
        if (auto plan = request::HitPlan::open(*plan_store, key)) {
            auto config = plan->config_for(image);
            if (!config) return std::nullopt; // no rule matches: the host says so
            config->file = location.path.string();
            return with_store(std::move(*config));
        }
    }
    return whole_config(location.path, **file, plan_store, now_ns);
}

} // namespace

std::optional<std::string> answer_hit(std::string_view input, const std::string &config_flag) {
    const auto now_ns = util::now_unix_ns();
    const auto now = now_ns / 1'000'000'000;
    auto request = kubelet::parse_request(input);
    if (!request) return std::nullopt;
    auto image = match::parse_image_ref(request->image);
    if (!image) return std::nullopt; // the host says why
    auto stamped = stamped_config(config_flag, *image, now_ns);
    if (!stamped) return std::nullopt;
    auto response = request::answer_from_cache(*request, *image, stamped->config, stamped->store, now);
    if (!response) return std::nullopt;
    return kubelet::encode_response(*response);
}

} // namespace pullcred::front
