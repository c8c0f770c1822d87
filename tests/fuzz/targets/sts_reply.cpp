// sts::parse_credentials / parse_error / element_text: STS AssumeRole and
// AssumeRoleWithWebIdentity XML replies.
// Properties: accepted credentials are complete and their text appears in
// the input (entities aside); errors are one line and quote no secret; an
// element_text result never contains its own closing tag.
#include "aws/sources/sts.hpp"
#include "fuzz_secret.hpp"

using namespace pullcred;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto xml = fuzz::as_text(data, size);
    auto issued = aws::sources::sts::parse_credentials(xml);
    if (issued.ok()) {
        const auto &c = issued.value();
        FUZZ_CHECK(!c.access_key_id.empty() && !c.secret_access_key.empty() && !c.session_token.empty(),
                   "incomplete credentials accepted");
    } else {
        FUZZ_CHECK(issued.error().status() != PULLCRED_OK, "error status OK");
        fuzz::check_error(issued.error().message, xml);
    }
    if (auto error = aws::sources::sts::parse_error(xml)) (void)error->code.size();
    if (auto text = aws::sources::sts::element_text(xml, "AccessKeyId"))
        FUZZ_CHECK(text->size() <= xml.size(), "element longer than the document");
    const auto encoded = aws::sources::sts::form_encode(xml);
    FUZZ_CHECK(
        encoded.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%") ==
            std::string::npos,
        "form_encode left " + fuzz::escape(encoded));
    return 0;
}
