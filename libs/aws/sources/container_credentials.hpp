// ECS task roles and EKS Pod Identity: credentials from the container
// credentials endpoint, as botocore's ContainerProvider gets them.
//   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI  http://169.254.170.2 + the path (wins)
//   AWS_CONTAINER_CREDENTIALS_FULL_URI      any https:// URL; http:// only to a
//       loopback address, 169.254.170.2, 169.254.170.23, fd00:ec2::23 or localhost
//   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE  (read at each call; wins) or
//   AWS_CONTAINER_AUTHORIZATION_TOKEN       sent as the Authorization header
// GET <url> answers the document of metadata_credentials.hpp.
#pragma once

#include <optional>
#include <pullcred/module.hpp>
#include <string>
#include <string_view>

#include "aws/profile/environment.hpp"

namespace pullcred::aws::sources {

struct ContainerEndpoint {
    std::string url;
    std::string variable; // the variable that named it
};

// nullopt when neither AWS_CONTAINER_CREDENTIALS_* variable is set.
std::optional<ContainerEndpoint> container_endpoint(const aws::EnvLookup &env);

// Refuses a plain-http URL whose host botocore would not call (see above);
// `variable` names the setting in the message.
sdk::Status check_container_url(std::string_view url, std::string_view variable);

// The endpoint's host, for messages (never the path or query).
std::string container_url_host(std::string_view url);

sdk::Result<sdk::Credentials> fetch_container_credentials(const sdk::Host &host, const aws::EnvLookup &env);

} // namespace pullcred::aws::sources
