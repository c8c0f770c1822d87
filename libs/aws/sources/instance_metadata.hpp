// EC2 instance roles: credentials from the instance metadata service
// (IMDS), as botocore's InstanceMetadataProvider gets them:
//   PUT  /latest/api/token  (X-aws-ec2-metadata-token-ttl-seconds) -> session token (IMDSv2)
//   GET  /latest/meta-data/iam/security-credentials/        -> role name
//   GET  /latest/meta-data/iam/security-credentials/<role>  -> metadata_credentials.hpp document
// (GETs carry X-aws-ec2-metadata-token.) Settings from the environment:
//   AWS_EC2_METADATA_DISABLED=true           skip IMDS
//   AWS_EC2_METADATA_SERVICE_ENDPOINT        instead of http://169.254.169.254
//   AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE   IPv6: http://[fd00:ec2::254]
//   AWS_EC2_METADATA_V1_DISABLED=true        no fallback to IMDSv1
// Every request is one short attempt (PULLCRED_HTTP_METADATA), so a machine
// without IMDS fails within about a second.
#pragma once

#include <optional>
#include <pullcred/module.hpp>
#include <string>
#include <string_view>

#include "aws/profile/environment.hpp"

namespace pullcred::aws::sources {

bool instance_metadata_disabled(const aws::EnvLookup &env);

// The base URL, without a trailing '/'.
std::string instance_metadata_endpoint(const aws::EnvLookup &env);

// The first role name of the security-credentials listing; nullopt when empty.
std::optional<std::string> parse_role_listing(std::string_view body);

sdk::Result<sdk::Credentials> fetch_instance_metadata_credentials(const sdk::Host &host,
                                                                  const aws::EnvLookup &env);

} // namespace pullcred::aws::sources
