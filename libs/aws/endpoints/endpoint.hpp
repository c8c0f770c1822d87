// Service endpoints, resolved as the AWS SDKs' endpoint rule sets do, for the
// services pullcred calls (R = region; plain / FIPS / dual-stack / both):
//
//   ecr            api.ecr.R.<dns>        api.ecr-fips.R.<dns>        ecr.R.<dual>        ecr-fips.R.<dual>
//   ecr-public     api.ecr-public.us-east-1.amazonaws.com, no FIPS (Error), ecr-public.us-east-1.api.aws
//   sts            sts.R.<dns>            sts-fips.R.<dns> [1]        sts.R.<dual>        sts-fips.R.<dual>
//   rolesanywhere  rolesanywhere.R.<dns>  rolesanywhere-fips.R.<dns>  rolesanywhere.R.<dual>
//                                                                     rolesanywhere-fips.R.<dual>
//   [1] aws-us-gov: sts.R.<dns> (its regular STS endpoints are FIPS endpoints)
//
// (<dns>, <dual>: the region's partition's DNS suffixes, see partitions.hpp.
// ECR Public's API exists only in us-east-1, whatever region is asked for.
// STS `aws-global` is https://sts.amazonaws.com signed for us-east-1.)
//
// Endpoint URL overrides, first set wins:
//   EndpointOptions::endpoint_url (explicit configuration)
//   $AWS_ENDPOINT_URL_<SERVICE>   (ECR, ECR_PUBLIC, STS, ROLESANYWHERE)
//   $AWS_ENDPOINT_URL
//   the profile's [services NAME] section: `<service> =` / `  endpoint_url = ...`
//   the profile's endpoint_url
// $AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's
// ignore_configured_endpoint_urls) = true skips all but the explicit one. An
// override is http:// or https://, a host (DNS name, IPv4, [IPv6]), an
// optional port and an optional path; no user info, query or fragment.
// As in the SDKs, FIPS or dual-stack together with an override is an Error.
//
// FIPS / dual-stack: EndpointOptions::use_fips / use_dualstack when set, else
// $AWS_USE_FIPS_ENDPOINT / $AWS_USE_DUALSTACK_ENDPOINT, else the profile's
// use_fips_endpoint / use_dualstack_endpoint; `true` or `false`
// (case-insensitive), anything else is an Error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aws/profile/environment.hpp"
#include "aws/profile/shared_config.hpp"
#include "aws/result.hpp"

namespace pullcred::aws {

struct Endpoint {
    std::string url;                   // scheme://host[:port][path], no trailing '/'
    std::string scheme;                // "https" (or "http" for an override)
    std::string host;                  // lower case; an IPv6 literal keeps its brackets
    std::optional<std::uint16_t> port; // only when the override names one
    std::string path;                  // "" or "/a/b" (no trailing '/')
    std::string signing_region;
    std::string signing_name;
    std::string partition; // partition id of the region
    std::string source;    // "default" or the setting that supplied the URL

    // host[:port], what goes into the Host header.
    [[nodiscard]] std::string authority() const;
};

struct EndpointOptions {
    std::optional<bool> use_fips;            // explicit; wins over environment and profile
    std::optional<bool> use_dualstack;       // explicit; wins over environment and profile
    std::optional<std::string> endpoint_url; // explicit override; wins over everything
    const Profile *profile = nullptr;        // endpoint_url, [services], use_*_endpoint; may be null
    EnvLookup env;                           // empty function: no environment
};

// `service` is one of "ecr", "ecr-public", "sts", "rolesanywhere".
Result<Endpoint> resolve_endpoint(std::string_view service, std::string_view region,
                                  const EndpointOptions &options);

// Validates and splits an endpoint URL override (see above); `origin` names
// the setting in error messages.
Result<Endpoint> parse_endpoint_url(std::string_view url, std::string_view origin);

// A region usable in a host name: 1-63 of [a-z0-9-], not starting or ending
// with '-'.
bool is_valid_region(std::string_view region);

} // namespace pullcred::aws
