// What a pullcred host refuses in a module's descriptor: one checker, used by
// the host's loader and by pullcred/testing.hpp alike, so that a module's
// own tests see exactly what pullcred will say.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pullcred/module.h"

namespace pullcred::sdk {

// Dotted, lower case, [a-z0-9-] between dots, at least one dot: "aws.ecr".
inline bool valid_factory_name(std::string_view name) {
    if (name.empty() || name.find('.') == std::string_view::npos || name.front() == '.' ||
        name.back() == '.' || name.find("..") != std::string_view::npos)
        return false;
    for (const char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
    return true;
}

namespace detail {

inline std::string abi_text(std::uint32_t major, std::uint32_t minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

inline void check_factory(const pullcred_factory *factory, std::size_t index, std::vector<std::string> &out) {
    const auto where = "factory #" + std::to_string(index) + " ";
    if (factory == nullptr) {
        out.push_back(where + "is NULL; fix the module's factory table");
        return;
    }
    if (factory->struct_size < PULLCRED_FACTORY_SIZE_1_0) {
        out.push_back(where + "has struct_size " + std::to_string(factory->struct_size) +
                      ", smaller than ABI 1.0's; rebuild the module against the current SDK");
        return;
    }
    if (factory->name == nullptr || !valid_factory_name(factory->name)) {
        out.push_back(where + "has an invalid name \"" + std::string(factory->name ? factory->name : "") +
                      "\"; use dotted lower-case names such as \"example.backend\"");
        return;
    }
    const std::string named = "factory " + std::string(factory->name);
    if (factory->create == nullptr || factory->destroy == nullptr || factory->last_error == nullptr)
        out.push_back(named + " lacks create, destroy or last_error; rebuild it with the SDK");
    else if (factory->kind == PULLCRED_KIND_CREDENTIAL_SOURCE && factory->get_credentials == nullptr)
        out.push_back(named + " is a credential source without get_credentials");
    else if (factory->kind == PULLCRED_KIND_REGISTRY_BACKEND && factory->get_auth == nullptr)
        out.push_back(named + " is a registry backend without get_auth");
    else if (factory->kind != PULLCRED_KIND_CREDENTIAL_SOURCE &&
             factory->kind != PULLCRED_KIND_REGISTRY_BACKEND)
        out.push_back(named + " has unknown kind " + std::to_string(factory->kind));
}

} // namespace detail

// Every problem a host of ABI host_major.host_minor finds in `descriptor`,
// one line each with the fix; empty when it would load the module.
inline std::vector<std::string> descriptor_problems(const pullcred_module *descriptor,
                                                    std::uint32_t host_major = PULLCRED_ABI_MAJOR,
                                                    std::uint32_t host_minor = PULLCRED_ABI_MINOR) {
    const auto host_abi = detail::abi_text(host_major, host_minor);
    if (descriptor == nullptr)
        return {"pullcred_module_entry returned NULL (the module refuses host ABI " + host_abi +
                "); install a build of the module for this pullcred version"};
    const auto module_abi = detail::abi_text(descriptor->abi_major, descriptor->abi_minor);
    if (descriptor->abi_major != host_major)
        return {"built for ABI " + module_abi + " but this pullcred speaks ABI " + host_abi +
                "; rebuild the module against pullcred-sdk " + std::to_string(host_major) + ".x"};
    if (descriptor->abi_minor > host_minor)
        return {"needs ABI " + module_abi + ", newer than this pullcred's ABI " + host_abi +
                "; upgrade pullcred, or build the module with a lower NEEDS_ABI if it does not use what " +
                module_abi + " added"};
    if (descriptor->struct_size < sizeof(pullcred_module))
        return {"descriptor struct_size is too small; rebuild the module with the SDK"};
    if (descriptor->name == nullptr || descriptor->version == nullptr)
        return {"descriptor has no name or version"};
    if (descriptor->factory_count > 0 && descriptor->factories == nullptr)
        return {"descriptor lists factories but the table is NULL"};
    std::vector<std::string> out;
    for (std::size_t i = 0; i < descriptor->factory_count; ++i)
        detail::check_factory(descriptor->factories[i], i, out);
    return out;
}

} // namespace pullcred::sdk
