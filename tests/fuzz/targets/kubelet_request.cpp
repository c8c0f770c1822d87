// parse_request: a CredentialProviderRequest from kubelet's stdin.
// Properties: never throws or crashes; a request that parses has an image,
// a supported apiVersion, and re-serialises (through encode_response, the
// other half of the protocol) to JSON that the strict parser reads back
// unchanged.
#include <chrono>
#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "kubelet/protocol.hpp"
#include "util/json_strict.hpp"

using namespace pullcred;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    auto request = kubelet::parse_request(text);
    if (!request) {
        FUZZ_CHECK(!request.error().message.empty(), "empty error message");
        return 0;
    }
    FUZZ_CHECK(text.size() <= kubelet::kMaxRequestBytes, "oversized request accepted");
    FUZZ_CHECK(!request->image.empty(), "accepted a request without an image");
    FUZZ_CHECK(!request->service_account_token || !request->service_account_token->empty(),
               "empty serviceAccountToken kept");
    const auto version = kubelet::to_string(request->api_version);
    FUZZ_CHECK(version.starts_with("credentialprovider.kubelet.k8s.io/v"), std::string(version));

    // The same request, written back: parses to the same fields.
    nlohmann::json again = {{"kind", "CredentialProviderRequest"},
                            {"apiVersion", std::string(version)},
                            {"image", request->image}};
    if (request->service_account_token) again["serviceAccountToken"] = *request->service_account_token;
    if (!request->service_account_annotations.empty())
        again["serviceAccountAnnotations"] = request->service_account_annotations;
    auto reparsed = kubelet::parse_request(again.dump());
    FUZZ_CHECK(reparsed.ok(), "re-serialised request refused: " + (reparsed ? "" : reparsed.error().message));
    FUZZ_CHECK(reparsed->api_version == request->api_version, "apiVersion changed");
    FUZZ_CHECK(reparsed->image == request->image, "image changed");
    FUZZ_CHECK(reparsed->service_account_token == request->service_account_token, "token changed");
    FUZZ_CHECK(reparsed->service_account_annotations == request->service_account_annotations,
               "annotations changed");

    // A response keyed by the image, with the token as the password: the
    // strict parser reads it back exactly (the strings are valid UTF-8, since
    // the strict parser accepted them).
    kubelet::Response response;
    response.api_version = request->api_version;
    response.cache_key_type = kubelet::CacheKeyType::image;
    response.cache_duration = std::chrono::seconds(request->image.size() * 37);
    response.auth[request->image] = {"AWS", request->service_account_token.value_or("")};
    const auto encoded = kubelet::encode_response(response);
    FUZZ_CHECK(!encoded.empty() && encoded.back() == '\n', "response not newline-terminated");
    auto decoded = parse_json_strict(encoded);
    FUZZ_CHECK(decoded.ok(), "encode_response produced invalid JSON: " + fuzz::escape(encoded));
    FUZZ_CHECK((*decoded)["apiVersion"] == std::string(version), "response apiVersion");
    const auto &auth = (*decoded)["auth"];
    FUZZ_CHECK(auth.size() == 1 && auth.contains(request->image),
               "response auth key: " + fuzz::escape(encoded));
    FUZZ_CHECK(auth[request->image]["password"] == request->service_account_token.value_or(""),
               "response password changed");
    return 0;
}
