#include "request_generator.hpp"

#include <chrono>

namespace pullcred::aws::testing {
namespace {

using Pool = std::vector<std::string>;

const Pool kBases = {
    "https://api.ecr.us-east-1.amazonaws.com",
    "https://API.ECR.EU-WEST-1.AmazonAWS.com",
    "https://sts.amazonaws.com:443",
    "HTTPS://ecr.us-west-2.api.aws",
    "https://ecr-public.aws.com:0443",
    "https://rolesanywhere.ap-southeast-2.amazonaws.com:8443",
    "http://localhost:4566",
    "http://127.0.0.1:80",
    "http://Example.com:443",
    "http://[::1]:9000",
    "https://[FD00::A1]",
    "https://example.com:",
};

const Pool kSegments = {
    "a",
    "foo",
    "Bar",
    "v1",
    "with space",
    "two  spaces",
    "caf\xc3\xa9",
    "\xe6\x97\xa5\xe6\x9c\xac",
    "\xf0\x9f\x90\xb3",
    "%41",
    "%2F",
    "%2f",
    "%",
    "%%",
    "100%25",
    "%E2%82%AC",
    "~user",
    "-_.~",
    ".",
    "..",
    "...",
    ".hidden",
    "a+b",
    "semi;colon",
    "eq=ual",
    "x:y",
    "@at",
    "!$&'()*,",
    "quote\"d",
    "<angle>",
    "{brace}",
    "|pipe|",
    "back\\slash",
    "caret^",
    "`tick`",
    "[bracket]",
    "",
    "sessions",
    "GetAuthorizationToken",
};

const Pool kRawKeys = {"a",   "A",       "b",  "Action",     "key", "Version",     "",  "x+y", "x%20y",
                       "%2F", "r%C3%A9", "~t", "-_.",        "a.b", "list.1.item", "Z", "aa",  "raw key",
                       "k/s", "k:c",     "k@", "caf\xc3\xa9"};
const Pool kRawValues = {"",
                         "1",
                         "10",
                         "2",
                         "value",
                         "a%20b",
                         "a+b",
                         "%26",
                         "%3D%3D",
                         "=",
                         "a=b",
                         "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fx",
                         "raw/slash",
                         "raw:colon",
                         "raw space",
                         "caf\xc3\xa9",
                         "?q",
                         "2011-06-15",
                         "GetCallerIdentity",
                         "%7E~"};
const Pool kDecodedStrings = {
    "",
    "plain",
    "with space",
    "a+b",
    "a&b=c",
    "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p-1",
    "100%",
    "caf\xc3\xa9",
    "/slash/",
    "~tilde",
    "semi;colon",
    "q?u#e",
    "\xe2\x82\xac",
    "*",
    "'quote'",
};

const Pool kHeaderNames = {
    "Content-Type",
    "content-type",
    "CONTENT-TYPE",
    "X-Amz-Target",
    "x-amz-target",
    "X-Custom",
    "x-custom",
    "X-AMZ-Meta-Data",
    "Accept",
    "Accept-Encoding",
    "User-Agent",
    "user-agent",
    "Expect",
    "X-Amzn-Trace-Id",
    "Cache-Control",
    "x-dup",
    "X-Dup",
    "If-None-Match",
    "X-Forwarded-For",
    "Content-Length",
    "X-Amz-Meta-~!#$%&'*+.^_`|",
    "Host",
    "X-Amz-Content-SHA256",
};
const Pool kHeaderValues = {
    "application/x-amz-json-1.1",
    "  leading",
    "trailing   ",
    "  both  ",
    "inner   spaces  here",
    "\ttab\tseparated\t",
    "mixed \t \t whitespace",
    "",
    "   ",
    "a,b,c",
    "a , b ,  c",
    "\"quoted   string\"",
    "caf\xc3\xa9 \xc3\xa9t\xc3\xa9",
    "nbsp\xc2\xa0\xc2\xa0inside",
    "em\xe2\x80\x83space",
    "ideographic\xe3\x80\x80space",
    "*/*",
    "gzip, deflate",
    "no-cache",
    "W/\"etag\"",
    "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken",
    "10.0.0.1, 10.0.0.2",
    "1234",
    "x=y; z=\"w\"",
};
const Pool kHostValues = {"example.com", "  Example.COM:8443 ", "api.ecr.us-east-1.amazonaws.com",
                          "[::1]:9000"};

const Pool kBodies = {
    "{}",
    "{\"registryIds\":[\"123456789012\"]}",
    "{\"durationSeconds\":3600}",
    "Action=GetCallerIdentity&Version=2011-06-15",
    "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s",
    "caf\xc3\xa9 \xf0\x9f\x90\xb3\n",
    " ",
};

const Pool kAccessKeys = {"AKIDEXAMPLE", "AKIAIOSFODNN7EXAMPLE", "test", "ASIA"};
const Pool kServices = {"ecr", "ecr-public", "sts", "rolesanywhere", "execute-api", "service", "iam", "EC2"};
const Pool kRegions = {"us-east-1",  "eu-west-1",     "ap-southeast-2",
                       "cn-north-1", "us-gov-west-1", "me-central-1"};
const Pool kMethods = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "get", "Post"};

const std::vector<std::int64_t> kFixedSeconds = {
    1440938160, // 2015-08-30T12:36:00Z (get-vanilla)
    1709251199, // 2024-02-29T23:59:59Z
    2147483648, // 2038-01-19T03:14:08Z
    946684800,  // 2000-01-01T00:00:00Z
    4102444799, // 2099-12-31T23:59:59Z
    1514862245, // 2018-01-02T03:04:05Z
};

std::string random_chars(Rng &rng, std::string_view alphabet, std::size_t length) {
    std::string out;
    for (std::size_t i = 0; i < length; ++i) out.push_back(alphabet[rng.below(alphabet.size())]);
    return out;
}

std::string random_bytes(Rng &rng, std::size_t length) {
    std::string out;
    for (std::size_t i = 0; i < length; ++i) out.push_back(static_cast<char>(rng.next() & 0xff));
    return out;
}

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string make_path(Rng &rng) {
    if (rng.percent(10)) return "";
    std::string path = "/";
    const std::size_t segments = rng.below(7);
    for (std::size_t i = 0; i < segments; ++i) {
        if (i != 0) path += "/";
        path += rng.pick(kSegments);
    }
    if (segments != 0 && rng.percent(30)) path += "/";
    return path;
}

std::string make_query(Rng &rng) {
    std::string query;
    std::string last_key = "a";
    const std::size_t pieces = 1 + rng.below(6);
    for (std::size_t i = 0; i < pieces; ++i) {
        if (i != 0) query += "&";
        switch (rng.below(6)) {
        case 0: // properly encoded, any bytes
            last_key =
                uri_encode(rng.percent(50) ? rng.pick(kDecodedStrings) : random_bytes(rng, rng.below(6)));
            query +=
                last_key + "=" +
                uri_encode(rng.percent(50) ? rng.pick(kDecodedStrings) : random_bytes(rng, rng.below(8)));
            break;
        case 1: // as written, reserved characters and all
            last_key = rng.pick(kRawKeys);
            query += last_key + "=" + rng.pick(kRawValues);
            break;
        case 2: // key without '='
            last_key = rng.pick(kRawKeys);
            query += last_key;
            break;
        case 3: // repeated key
            query += last_key + "=" + rng.pick(kRawValues);
            break;
        case 4: // empty piece ("&&") or "=" alone
            if (rng.percent(50)) query += "=";
            break;
        default: // key with an empty value
            last_key = rng.pick(kRawKeys);
            query += last_key + "=";
            break;
        }
    }
    return query;
}

HeaderList make_headers(Rng &rng, const std::string &body) {
    HeaderList headers;
    const std::size_t count = rng.below(8);
    for (std::size_t i = 0; i < count; ++i) {
        const std::string &name = rng.pick(kHeaderNames);
        std::string value;
        if (name == "Host") {
            value = rng.pick(kHostValues);
        } else if (name == "X-Amz-Content-SHA256") {
            static const Pool declared = {"UNSIGNED-PAYLOAD", "  spaced  ",
                                          "STREAMING-UNSIGNED-PAYLOAD-TRAILER"};
            value = rng.percent(50) ? sha256_hex(body).value() : rng.pick(declared);
        } else {
            value = rng.pick(kHeaderValues);
        }
        headers.emplace_back(name, value);
    }
    return headers;
}

std::string make_body(Rng &rng) {
    switch (rng.below(5)) {
    case 0:
    case 1:
        return "";
    case 2:
        return random_bytes(rng, 1 + rng.below(256));
    default:
        return rng.pick(kBodies);
    }
}

AwsCredentials make_credentials(Rng &rng) {
    AwsCredentials credentials;
    credentials.access_key_id = rng.pick(kAccessKeys);
    if (credentials.access_key_id == "ASIA") {
        credentials.access_key_id += random_chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
    }
    credentials.secret_access_key = random_chars(rng, kBase64Alphabet, 40);
    if (rng.percent(50))
        credentials.session_token = random_chars(
            rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", 20 + rng.below(600));
    return credentials;
}

std::int64_t make_epoch_ms(Rng &rng) {
    if (rng.percent(30)) return rng.pick(kFixedSeconds) * 1000;
    constexpr std::int64_t from = 946684800; // 2000-01-01
    constexpr std::int64_t to = 4102444800;  // 2100-01-01
    const auto seconds = from + static_cast<std::int64_t>(rng.below(static_cast<std::size_t>(to - from)));
    return seconds * 1000 + static_cast<std::int64_t>(rng.below(1000));
}

} // namespace

std::uint64_t Rng::next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::string assemble_url(const GeneratedCase &c) {
    return c.base + c.path + (c.has_query ? "?" + c.query : "") + c.fragment;
}

std::vector<GeneratedCase> generate_cases(std::uint64_t seed, std::size_t count) {
    std::vector<GeneratedCase> cases;
    cases.reserve(count);
    GeneratedCase vanilla;
    vanilla.request = {"GET", "https://example.amazonaws.com/", {}, ""};
    vanilla.base = "https://example.amazonaws.com";
    vanilla.path = "/";
    vanilla.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
    vanilla.epoch_ms = 1440938160000;
    vanilla.scope = {"service", "us-east-1",
                     std::chrono::system_clock::time_point{std::chrono::milliseconds(vanilla.epoch_ms)}};
    cases.push_back(vanilla);

    Rng rng(seed);
    for (std::size_t i = 1; i < count; ++i) {
        GeneratedCase c;
        c.id = static_cast<int>(i);
        c.base = rng.pick(kBases);
        c.path = make_path(rng);
        c.has_query = rng.percent(65);
        if (c.has_query && !rng.percent(8)) c.query = make_query(rng);
        if (rng.percent(5)) c.fragment = rng.percent(50) ? "#frag" : "#f?x=1&y";
        c.request.method = rng.pick(kMethods);
        c.request.url = assemble_url(c);
        c.request.body = make_body(rng);
        c.request.headers = make_headers(rng, c.request.body);
        c.credentials = make_credentials(rng);
        c.epoch_ms = make_epoch_ms(rng);
        c.scope = {rng.pick(kServices), rng.pick(kRegions),
                   std::chrono::system_clock::time_point{std::chrono::milliseconds(c.epoch_ms)}};
        cases.push_back(std::move(c));
    }
    return cases;
}

std::string base64(const std::string &bytes) {
    std::string out;
    std::size_t i = 0;
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out += kBase64Alphabet[(v >> 18) & 63];
        out += kBase64Alphabet[(v >> 12) & 63];
        out += kBase64Alphabet[(v >> 6) & 63];
        out += kBase64Alphabet[v & 63];
    }
    if (i + 1 == bytes.size()) {
        const unsigned v = byte(i) << 16;
        out += kBase64Alphabet[(v >> 18) & 63];
        out += kBase64Alphabet[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
        out += kBase64Alphabet[(v >> 18) & 63];
        out += kBase64Alphabet[(v >> 12) & 63];
        out += kBase64Alphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

} // namespace pullcred::aws::testing
