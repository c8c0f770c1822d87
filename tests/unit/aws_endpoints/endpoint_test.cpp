#include <gtest/gtest.h>

#include <random>
#include <string>

#include "aws/endpoints/endpoint.hpp"

namespace pullcred::aws {
namespace {

struct Row {
    const char *service;
    const char *region;
    const char *partition;
    const char *plain;
    const char *fips;
    const char *dualstack;
    const char *fips_dualstack;
};

// Every partition x {plain, FIPS, dual-stack, FIPS + dual-stack} for each
// regional service, as the AWS SDKs' 2025 endpoint rule sets give them.
const Row kRows[] = {
    {"ecr", "us-east-1", "aws", "https://api.ecr.us-east-1.amazonaws.com",
     "https://api.ecr-fips.us-east-1.amazonaws.com", "https://ecr.us-east-1.api.aws",
     "https://ecr-fips.us-east-1.api.aws"},
    {"sts", "us-east-1", "aws", "https://sts.us-east-1.amazonaws.com",
     "https://sts-fips.us-east-1.amazonaws.com", "https://sts.us-east-1.api.aws",
     "https://sts-fips.us-east-1.api.aws"},
    {"rolesanywhere", "us-east-1", "aws", "https://rolesanywhere.us-east-1.amazonaws.com",
     "https://rolesanywhere-fips.us-east-1.amazonaws.com", "https://rolesanywhere.us-east-1.api.aws",
     "https://rolesanywhere-fips.us-east-1.api.aws"},
    {"ecr", "cn-north-1", "aws-cn", "https://api.ecr.cn-north-1.amazonaws.com.cn",
     "https://api.ecr-fips.cn-north-1.amazonaws.com.cn",
     "https://ecr.cn-north-1.api.amazonwebservices.com.cn",
     "https://ecr-fips.cn-north-1.api.amazonwebservices.com.cn"},
    {"sts", "cn-north-1", "aws-cn", "https://sts.cn-north-1.amazonaws.com.cn",
     "https://sts-fips.cn-north-1.amazonaws.com.cn", "https://sts.cn-north-1.api.amazonwebservices.com.cn",
     "https://sts-fips.cn-north-1.api.amazonwebservices.com.cn"},
    {"rolesanywhere", "cn-north-1", "aws-cn", "https://rolesanywhere.cn-north-1.amazonaws.com.cn",
     "https://rolesanywhere-fips.cn-north-1.amazonaws.com.cn",
     "https://rolesanywhere.cn-north-1.api.amazonwebservices.com.cn",
     "https://rolesanywhere-fips.cn-north-1.api.amazonwebservices.com.cn"},
    {"ecr", "us-gov-west-1", "aws-us-gov", "https://api.ecr.us-gov-west-1.amazonaws.com",
     "https://api.ecr-fips.us-gov-west-1.amazonaws.com", "https://ecr.us-gov-west-1.api.aws",
     "https://ecr-fips.us-gov-west-1.api.aws"},
    {"sts", "us-gov-west-1", "aws-us-gov", "https://sts.us-gov-west-1.amazonaws.com",
     "https://sts.us-gov-west-1.amazonaws.com", "https://sts.us-gov-west-1.api.aws",
     "https://sts-fips.us-gov-west-1.api.aws"},
    {"rolesanywhere", "us-gov-west-1", "aws-us-gov", "https://rolesanywhere.us-gov-west-1.amazonaws.com",
     "https://rolesanywhere-fips.us-gov-west-1.amazonaws.com", "https://rolesanywhere.us-gov-west-1.api.aws",
     "https://rolesanywhere-fips.us-gov-west-1.api.aws"},
    {"ecr", "us-iso-east-1", "aws-iso", "https://api.ecr.us-iso-east-1.c2s.ic.gov",
     "https://api.ecr-fips.us-iso-east-1.c2s.ic.gov", "https://ecr.us-iso-east-1.api.aws.ic.gov",
     "https://ecr-fips.us-iso-east-1.api.aws.ic.gov"},
    {"sts", "us-iso-east-1", "aws-iso", "https://sts.us-iso-east-1.c2s.ic.gov",
     "https://sts-fips.us-iso-east-1.c2s.ic.gov", "https://sts.us-iso-east-1.api.aws.ic.gov",
     "https://sts-fips.us-iso-east-1.api.aws.ic.gov"},
    {"rolesanywhere", "us-iso-east-1", "aws-iso", "https://rolesanywhere.us-iso-east-1.c2s.ic.gov",
     "https://rolesanywhere-fips.us-iso-east-1.c2s.ic.gov",
     "https://rolesanywhere.us-iso-east-1.api.aws.ic.gov",
     "https://rolesanywhere-fips.us-iso-east-1.api.aws.ic.gov"},
    {"ecr", "us-isob-east-1", "aws-iso-b", "https://api.ecr.us-isob-east-1.sc2s.sgov.gov",
     "https://api.ecr-fips.us-isob-east-1.sc2s.sgov.gov", "https://ecr.us-isob-east-1.api.aws.scloud",
     "https://ecr-fips.us-isob-east-1.api.aws.scloud"},
    {"sts", "us-isob-east-1", "aws-iso-b", "https://sts.us-isob-east-1.sc2s.sgov.gov",
     "https://sts-fips.us-isob-east-1.sc2s.sgov.gov", "https://sts.us-isob-east-1.api.aws.scloud",
     "https://sts-fips.us-isob-east-1.api.aws.scloud"},
    {"rolesanywhere", "us-isob-east-1", "aws-iso-b", "https://rolesanywhere.us-isob-east-1.sc2s.sgov.gov",
     "https://rolesanywhere-fips.us-isob-east-1.sc2s.sgov.gov",
     "https://rolesanywhere.us-isob-east-1.api.aws.scloud",
     "https://rolesanywhere-fips.us-isob-east-1.api.aws.scloud"},
    {"ecr", "eu-isoe-west-1", "aws-iso-e", "https://api.ecr.eu-isoe-west-1.cloud.adc-e.uk",
     "https://api.ecr-fips.eu-isoe-west-1.cloud.adc-e.uk",
     "https://ecr.eu-isoe-west-1.api.cloud-aws.adc-e.uk",
     "https://ecr-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},
    {"sts", "eu-isoe-west-1", "aws-iso-e", "https://sts.eu-isoe-west-1.cloud.adc-e.uk",
     "https://sts-fips.eu-isoe-west-1.cloud.adc-e.uk", "https://sts.eu-isoe-west-1.api.cloud-aws.adc-e.uk",
     "https://sts-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},
    {"rolesanywhere", "eu-isoe-west-1", "aws-iso-e", "https://rolesanywhere.eu-isoe-west-1.cloud.adc-e.uk",
     "https://rolesanywhere-fips.eu-isoe-west-1.cloud.adc-e.uk",
     "https://rolesanywhere.eu-isoe-west-1.api.cloud-aws.adc-e.uk",
     "https://rolesanywhere-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},
    {"ecr", "us-isof-south-1", "aws-iso-f", "https://api.ecr.us-isof-south-1.csp.hci.ic.gov",
     "https://api.ecr-fips.us-isof-south-1.csp.hci.ic.gov", "https://ecr.us-isof-south-1.api.aws.hci.ic.gov",
     "https://ecr-fips.us-isof-south-1.api.aws.hci.ic.gov"},
    {"sts", "us-isof-south-1", "aws-iso-f", "https://sts.us-isof-south-1.csp.hci.ic.gov",
     "https://sts-fips.us-isof-south-1.csp.hci.ic.gov", "https://sts.us-isof-south-1.api.aws.hci.ic.gov",
     "https://sts-fips.us-isof-south-1.api.aws.hci.ic.gov"},
    {"rolesanywhere", "us-isof-south-1", "aws-iso-f", "https://rolesanywhere.us-isof-south-1.csp.hci.ic.gov",
     "https://rolesanywhere-fips.us-isof-south-1.csp.hci.ic.gov",
     "https://rolesanywhere.us-isof-south-1.api.aws.hci.ic.gov",
     "https://rolesanywhere-fips.us-isof-south-1.api.aws.hci.ic.gov"},
    {"ecr", "eusc-de-east-1", "aws-eusc", "https://api.ecr.eusc-de-east-1.amazonaws.eu",
     "https://api.ecr-fips.eusc-de-east-1.amazonaws.eu",
     "https://ecr.eusc-de-east-1.api.amazonwebservices.eu",
     "https://ecr-fips.eusc-de-east-1.api.amazonwebservices.eu"},
    {"sts", "eusc-de-east-1", "aws-eusc", "https://sts.eusc-de-east-1.amazonaws.eu",
     "https://sts-fips.eusc-de-east-1.amazonaws.eu", "https://sts.eusc-de-east-1.api.amazonwebservices.eu",
     "https://sts-fips.eusc-de-east-1.api.amazonwebservices.eu"},
    {"rolesanywhere", "eusc-de-east-1", "aws-eusc", "https://rolesanywhere.eusc-de-east-1.amazonaws.eu",
     "https://rolesanywhere-fips.eusc-de-east-1.amazonaws.eu",
     "https://rolesanywhere.eusc-de-east-1.api.amazonwebservices.eu",
     "https://rolesanywhere-fips.eusc-de-east-1.api.amazonwebservices.eu"},
};

Endpoint resolve_ok(std::string_view service, std::string_view region, const EndpointOptions &options) {
    auto endpoint = resolve_endpoint(service, region, options);
    EXPECT_TRUE(endpoint.ok()) << service << " " << region << ": "
                               << (endpoint.ok() ? "" : endpoint.error().message);
    return endpoint.ok() ? endpoint.value() : Endpoint{};
}

std::string resolve_error(std::string_view service, std::string_view region, const EndpointOptions &options) {
    auto endpoint = resolve_endpoint(service, region, options);
    EXPECT_FALSE(endpoint.ok()) << service << " " << region << " resolved to "
                                << (endpoint.ok() ? endpoint->url : "");
    return endpoint.ok() ? std::string{} : endpoint.error().message;
}

EndpointOptions with_flags(bool fips, bool dualstack) {
    EndpointOptions options;
    options.use_fips = fips;
    options.use_dualstack = dualstack;
    return options;
}

TEST(Endpoints, EveryPartitionAndVariant) {
    for (const auto &row : kRows) {
        const std::pair<EndpointOptions, const char *> variants[] = {
            {with_flags(false, false), row.plain},
            {with_flags(true, false), row.fips},
            {with_flags(false, true), row.dualstack},
            {with_flags(true, true), row.fips_dualstack},
        };
        for (const auto &[options, url] : variants) {
            auto e = resolve_ok(row.service, row.region, options);
            EXPECT_EQ(e.url, url) << row.service << " " << row.region;
            EXPECT_EQ("https://" + e.host, url);
            EXPECT_EQ(e.scheme, "https");
            EXPECT_FALSE(e.port.has_value());
            EXPECT_EQ(e.path, "");
            EXPECT_EQ(e.signing_region, row.region);
            EXPECT_EQ(e.signing_name, row.service);
            EXPECT_EQ(e.partition, row.partition);
            EXPECT_EQ(e.source, "default");
        }
    }
}

TEST(Endpoints, EcrPublicIsUsEast1Only) {
    for (const char *region : {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", ""}) {
        auto e = resolve_ok("ecr-public", region, {});
        EXPECT_EQ(e.url, "https://api.ecr-public.us-east-1.amazonaws.com");
        EXPECT_EQ(e.signing_region, "us-east-1");
        EXPECT_EQ(e.signing_name, "ecr-public");
        EXPECT_EQ(e.partition, "aws");
    }
    EXPECT_EQ(resolve_ok("ecr-public", "us-west-2", with_flags(false, true)).url,
              "https://ecr-public.us-east-1.api.aws");
    EXPECT_NE(resolve_error("ecr-public", "us-east-1", with_flags(true, false)).find("FIPS"),
              std::string::npos);
    EXPECT_NE(resolve_error("ecr-public", "us-east-1", with_flags(true, true)).find("FIPS"),
              std::string::npos);
}

TEST(Endpoints, StsGlobal) {
    auto e = resolve_ok("sts", "aws-global", {});
    EXPECT_EQ(e.url, "https://sts.amazonaws.com");
    EXPECT_EQ(e.signing_region, "us-east-1");
    EXPECT_EQ(e.partition, "aws");
}

TEST(Endpoints, NewRegionsFollowThePartitionRegex) {
    EXPECT_EQ(resolve_ok("ecr", "mx-central-1", {}).url, "https://api.ecr.mx-central-1.amazonaws.com");
    EXPECT_EQ(resolve_ok("sts", "cn-south-9", {}).url, "https://sts.cn-south-9.amazonaws.com.cn");
    EXPECT_EQ(resolve_ok("ecr", "us-gov-north-2", with_flags(true, false)).url,
              "https://api.ecr-fips.us-gov-north-2.amazonaws.com");
}

TEST(Endpoints, UnknownServiceAndBadRegions) {
    EXPECT_NE(resolve_error("s3", "us-east-1", {}).find("unknown AWS service"), std::string::npos);
    EXPECT_NE(resolve_error("ecr", "", {}).find("no AWS region"), std::string::npos);
    for (const char *bad : {"US-EAST-1", "us east 1", "us-east-1.evil.com", "-us-east-1", "us-east-1-",
                            "us/east", "us-east-1\n", "us_east_1"}) {
        auto message = resolve_error("ecr", bad, {});
        EXPECT_NE(message.find("invalid AWS region"), std::string::npos) << bad << ": " << message;
    }
    EXPECT_NE(resolve_error("sts", std::string(64, 'a'), {}).find("invalid AWS region"), std::string::npos);
    // Unprintable bytes are escaped in the message.
    auto message = resolve_error("sts", std::string("us\x01\xff", 4), {});
    EXPECT_NE(message.find("\\x01\\xff"), std::string::npos) << message;
}

TEST(Endpoints, IsValidRegion) {
    EXPECT_TRUE(is_valid_region("us-east-1"));
    EXPECT_TRUE(is_valid_region("aws-global"));
    EXPECT_TRUE(is_valid_region(std::string(63, 'a')));
    EXPECT_FALSE(is_valid_region(""));
    EXPECT_FALSE(is_valid_region("Us-east-1"));
}

// ---- FIPS / dual-stack settings ----

TEST(EndpointFlags, FromEnvironment) {
    EndpointOptions options;
    options.env = map_env({{"AWS_USE_FIPS_ENDPOINT", "TRUE"}, {"AWS_USE_DUALSTACK_ENDPOINT", "False"}});
    EXPECT_EQ(resolve_ok("ecr", "us-west-2", options).url, "https://api.ecr-fips.us-west-2.amazonaws.com");
    options.env = map_env({{"AWS_USE_DUALSTACK_ENDPOINT", "true"}});
    EXPECT_EQ(resolve_ok("ecr", "us-west-2", options).url, "https://ecr.us-west-2.api.aws");
    options.env = map_env({{"AWS_USE_FIPS_ENDPOINT", ""}});
    EXPECT_EQ(resolve_ok("ecr", "us-west-2", options).url, "https://api.ecr.us-west-2.amazonaws.com");
}

TEST(EndpointFlags, FromProfile) {
    Profile profile("fips");
    profile.set("use_fips_endpoint", "true", "/c/config");
    profile.set("use_dualstack_endpoint", "TRUE", "/c/config");
    EndpointOptions options;
    options.profile = &profile;
    EXPECT_EQ(resolve_ok("sts", "us-east-1", options).url, "https://sts-fips.us-east-1.api.aws");
}

TEST(EndpointFlags, EnvironmentBeatsProfileAndExplicitBeatsEnvironment) {
    Profile profile("fips");
    profile.set("use_fips_endpoint", "true", "/c/config");
    EndpointOptions options;
    options.profile = &profile;
    options.env = map_env({{"AWS_USE_FIPS_ENDPOINT", "false"}});
    EXPECT_EQ(resolve_ok("rolesanywhere", "us-east-2", options).url,
              "https://rolesanywhere.us-east-2.amazonaws.com");
    options.use_fips = true;
    EXPECT_EQ(resolve_ok("rolesanywhere", "us-east-2", options).url,
              "https://rolesanywhere-fips.us-east-2.amazonaws.com");
}

TEST(EndpointFlags, BadValuesAreErrors) {
    EndpointOptions options;
    options.env = map_env({{"AWS_USE_FIPS_ENDPOINT", "yes"}});
    auto message = resolve_error("ecr", "us-east-1", options);
    EXPECT_NE(message.find("AWS_USE_FIPS_ENDPOINT"), std::string::npos) << message;
    EXPECT_NE(message.find("'yes'"), std::string::npos) << message;

    options.env = map_env({{"AWS_USE_DUALSTACK_ENDPOINT", "1"}});
    EXPECT_NE(resolve_error("ecr", "us-east-1", options).find("AWS_USE_DUALSTACK_ENDPOINT"),
              std::string::npos);

    Profile profile("p");
    profile.set("use_dualstack_endpoint", "on", "/c/config");
    EndpointOptions from_profile;
    from_profile.profile = &profile;
    message = resolve_error("sts", "us-east-1", from_profile);
    EXPECT_NE(message.find("profile 'p'"), std::string::npos) << message;
    EXPECT_NE(message.find("use_dualstack_endpoint"), std::string::npos) << message;
}

// ---- endpoint URL overrides ----

TEST(EndpointOverrides, PerServiceVariables) {
    const std::pair<const char *, const char *> services[] = {
        {"ecr", "AWS_ENDPOINT_URL_ECR"},
        {"ecr-public", "AWS_ENDPOINT_URL_ECR_PUBLIC"},
        {"sts", "AWS_ENDPOINT_URL_STS"},
        {"rolesanywhere", "AWS_ENDPOINT_URL_ROLESANYWHERE"},
    };
    for (const auto &[service, variable] : services) {
        EndpointOptions options;
        options.env = map_env({{variable, "http://127.0.0.1:8080"}});
        auto e = resolve_ok(service, "eu-west-1", options);
        EXPECT_EQ(e.url, "http://127.0.0.1:8080") << service;
        EXPECT_EQ(e.source, variable);
        EXPECT_EQ(e.scheme, "http");
        EXPECT_EQ(e.host, "127.0.0.1");
        EXPECT_EQ(e.port, std::optional<std::uint16_t>(8080));
        EXPECT_EQ(e.authority(), "127.0.0.1:8080");
        EXPECT_EQ(e.signing_name, service);
        EXPECT_EQ(e.signing_region, std::string(service) == "ecr-public" ? "us-east-1" : "eu-west-1");
        // Another service's variable does not apply.
        for (const auto &[other, other_variable] : services) {
            if (std::string(other) == service) continue;
            EXPECT_EQ(resolve_ok(other, "eu-west-1", options).source, "default") << other << " " << variable;
        }
    }
}

TEST(EndpointOverrides, PerServiceBeatsGlobal) {
    EndpointOptions options;
    options.env =
        map_env({{"AWS_ENDPOINT_URL", "https://global.test"}, {"AWS_ENDPOINT_URL_STS", "http://sts.test:1"}});
    EXPECT_EQ(resolve_ok("sts", "us-east-1", options).url, "http://sts.test:1");
    EXPECT_EQ(resolve_ok("ecr", "us-east-1", options).url, "https://global.test");
    EXPECT_EQ(resolve_ok("ecr", "us-east-1", options).source, "AWS_ENDPOINT_URL");
}

TEST(EndpointOverrides, HttpsWithPortAndPath) {
    EndpointOptions options;
    options.env = map_env({{"AWS_ENDPOINT_URL", "HTTPS://Proxy.Example.COM:8443/aws/ecr/"}});
    auto e = resolve_ok("ecr", "us-east-1", options);
    EXPECT_EQ(e.url, "https://proxy.example.com:8443/aws/ecr");
    EXPECT_EQ(e.host, "proxy.example.com");
    EXPECT_EQ(e.path, "/aws/ecr");
    EXPECT_EQ(e.source, "AWS_ENDPOINT_URL");
    EXPECT_EQ(e.partition, "aws");
}

TEST(EndpointOverrides, Ipv6AndRootPath) {
    EndpointOptions options;
    options.env = map_env({{"AWS_ENDPOINT_URL_STS", "http://[::1]:4566/"}});
    auto e = resolve_ok("sts", "us-east-1", options);
    EXPECT_EQ(e.url, "http://[::1]:4566");
    EXPECT_EQ(e.host, "[::1]");
    EXPECT_EQ(e.authority(), "[::1]:4566");
    EXPECT_EQ(e.path, "");
}

TEST(EndpointOverrides, Precedence) {
    Profile profile("dev");
    profile.set("endpoint_url", "https://profile-global.test", "/c/config");
    IniSection services;
    services.subsections["ecr"]["endpoint_url"] = "https://profile-ecr.test";
    profile.set_services(services);

    EndpointOptions options;
    options.profile = &profile;
    options.env = map_env(
        {{"AWS_ENDPOINT_URL_ECR", "https://env-ecr.test"}, {"AWS_ENDPOINT_URL", "https://env-global.test"}});
    options.endpoint_url = "https://explicit.test";
    EXPECT_EQ(resolve_ok("ecr", "us-east-1", options).url, "https://explicit.test");
    options.endpoint_url.reset();
    EXPECT_EQ(resolve_ok("ecr", "us-east-1", options).url, "https://env-ecr.test");
    options.env = map_env({{"AWS_ENDPOINT_URL", "https://env-global.test"}});
    EXPECT_EQ(resolve_ok("ecr", "us-east-1", options).url, "https://env-global.test");
    options.env = map_env({{"AWS_ENDPOINT_URL", ""}});
    auto from_services = resolve_ok("ecr", "us-east-1", options);
    EXPECT_EQ(from_services.url, "https://profile-ecr.test");
    EXPECT_NE(from_services.source.find("services"), std::string::npos);
    auto from_profile = resolve_ok("sts", "us-east-1", options);
    EXPECT_EQ(from_profile.url, "https://profile-global.test");
    EXPECT_EQ(from_profile.source, "profile 'dev' endpoint_url in /c/config");
}

TEST(EndpointOverrides, IgnoreConfiguredEndpointUrls) {
    Profile profile("dev");
    profile.set("endpoint_url", "https://profile-global.test", "/c/config");
    EndpointOptions options;
    options.profile = &profile;
    options.env = map_env(
        {{"AWS_ENDPOINT_URL_ECR", "https://env-ecr.test"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}});
    EXPECT_EQ(resolve_ok("ecr", "us-east-1", options).url, "https://api.ecr.us-east-1.amazonaws.com");
    options.endpoint_url = "http://explicit.test";
    EXPECT_EQ(resolve_ok("ecr", "us-east-1", options).url, "http://explicit.test");

    EndpointOptions from_profile;
    Profile ignoring("ign");
    ignoring.set("endpoint_url", "https://profile-global.test", "/c/config");
    ignoring.set("ignore_configured_endpoint_urls", "TRUE", "/c/config");
    from_profile.profile = &ignoring;
    from_profile.env = map_env({{"AWS_ENDPOINT_URL", "https://env.test"}});
    EXPECT_EQ(resolve_ok("sts", "us-east-1", from_profile).url, "https://sts.us-east-1.amazonaws.com");

    EndpointOptions bad;
    bad.env = map_env({{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "maybe"}});
    EXPECT_NE(resolve_error("sts", "us-east-1", bad).find("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"),
              std::string::npos);
}

TEST(EndpointOverrides, FipsOrDualStackWithOverrideIsAnError) {
    EndpointOptions options;
    options.env = map_env({{"AWS_ENDPOINT_URL_ECR", "https://vpce.test"}, {"AWS_USE_FIPS_ENDPOINT", "true"}});
    auto message = resolve_error("ecr", "us-east-1", options);
    EXPECT_NE(message.find("AWS_ENDPOINT_URL_ECR"), std::string::npos) << message;
    EXPECT_NE(message.find("AWS_USE_FIPS_ENDPOINT"), std::string::npos) << message;
    options.env =
        map_env({{"AWS_ENDPOINT_URL", "https://vpce.test"}, {"AWS_USE_DUALSTACK_ENDPOINT", "true"}});
    EXPECT_NE(resolve_error("sts", "us-east-1", options).find("dual-stack"), std::string::npos);
}

TEST(EndpointOverrides, BadValuesAreClearErrors) {
    const char *bad[] = {
        "localhost:5000",       // no scheme
        "ftp://host",           // scheme
        "file:///etc/passwd",   // scheme
        "http://",              // no host
        "http://:80",           // no host
        "http:/host",           // malformed
        "http://host:0",        // port range
        "http://host:65536",    // port range
        "http://host:",         // empty port
        "http://host:8o",       // port digits
        "http://host:123456",   // port length
        "http://user:pw@host",  // user info
        "http://host/path?x=1", // query
        "http://host/#frag",    // fragment
        "http://ho st",         // blank
        " http://host",         // blank
        "http://a..b",          // empty label
        "http://-host",         // label starts with '-'
        "http://host-.com",     // label ends with '-'
        "http://h\xc3\xa9st",   // non-ASCII
        "http://host\\evil",    // backslash
        "http://[::1",          // IPv6 unterminated
        "http://[zz::1]",       // IPv6 characters
        "http://[::1]x",        // after IPv6
        "http://::1",           // bare IPv6 (needs brackets)
        "http://host.",         // trailing dot
    };
    for (const char *url : bad) {
        EndpointOptions options;
        options.env = map_env({{"AWS_ENDPOINT_URL_ECR", url}});
        auto message = resolve_error("ecr", "us-east-1", options);
        EXPECT_NE(message.find("AWS_ENDPOINT_URL_ECR"), std::string::npos) << url << ": " << message;
    }
    // Control characters never reach the message raw.
    auto parsed = parse_endpoint_url(std::string("http://a\nb", 10), "X");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message.find('\n'), std::string::npos);
}

TEST(EndpointOverrides, ErrorsHideUserInfoAndQueries) {
    const char *urls[] = {"http://AKIDSECRET:wJalrSECRET@host:80/x", "https://host/p?X-Amz-Signature=SECRET",
                          "https://host/#SECRET", "https://u@SECRET@host"};
    for (const char *url : urls) {
        auto parsed = parse_endpoint_url(url, "AWS_ENDPOINT_URL");
        ASSERT_FALSE(parsed.ok()) << url;
        EXPECT_EQ(parsed.error().message.find("SECRET"), std::string::npos) << parsed.error().message;
        EXPECT_NE(parsed.error().message.find("***"), std::string::npos) << parsed.error().message;
    }
}

TEST(EndpointOverrides, ParseEndpointUrlAccepts) {
    const std::pair<const char *, const char *> good[] = {
        {"http://localhost", "http://localhost"},
        {"https://a.b.c:1", "https://a.b.c:1"},
        {"http://h:65535/x/y", "http://h:65535/x/y"},
        {"http://my_host.local", "http://my_host.local"},
        {"https://vpce-0123-abcd.api.ecr.us-east-1.vpce.amazonaws.com",
         "https://vpce-0123-abcd.api.ecr.us-east-1.vpce.amazonaws.com"},
        {"http://[2001:db8::1]", "http://[2001:db8::1]"},
        {"http://10.0.0.1:9000//", "http://10.0.0.1:9000"},
    };
    for (const auto &[in, out] : good) {
        auto e = parse_endpoint_url(in, "test");
        ASSERT_TRUE(e.ok()) << in << ": " << e.error().message;
        EXPECT_EQ(e->url, out);
    }
}

// Random and mutated URLs: never a crash; what parses is stable when parsed
// again.
TEST(EndpointOverrides, RandomUrlsParseStablyOrFail) {
    std::mt19937 rng(7);
    const std::string seeds[] = {"http://localhost:4566", "https://[::1]:443/p/q", "https://a.b-c.d/x/",
                                 "HTTP://X:1"};
    const char alphabet[] = ":/[]@?#.-_%09azAZ \x00\xff";
    std::size_t parsed_ok = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string url = seeds[rng() % std::size(seeds)];
        const int edits = static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t pos = rng() % (url.size() + 1);
            const char c = alphabet[rng() % (sizeof alphabet - 1)];
            if (rng() % 2 == 0) {
                url.insert(pos, 1, c);
            } else if (pos < url.size()) {
                url.erase(pos, 1);
            }
        }
        auto first = parse_endpoint_url(url, "fuzz");
        if (!first.ok()) continue;
        ++parsed_ok;
        auto second = parse_endpoint_url(first->url, "fuzz");
        ASSERT_TRUE(second.ok()) << url << " -> " << first->url;
        EXPECT_EQ(second->url, first->url);
        EXPECT_EQ(second->host, first->host);
        EXPECT_EQ(second->port, first->port);
        EXPECT_EQ(second->path, first->path);
    }
    EXPECT_GT(parsed_ok, 1000u);
}

} // namespace
} // namespace pullcred::aws
