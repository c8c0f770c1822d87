// SHA-256 for the lean core (cache keys, module pinning), so that the
// cache-hit path needs no crypto library.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pullcred {

class Sha256 {
public:
    Sha256();
    Sha256 &update(std::string_view data);
    std::array<std::uint8_t, 32> finish();

private:
    void block(const std::uint8_t *chunk);
    std::array<std::uint32_t, 8> state_{};
    std::array<std::uint8_t, 64> buffer_{};
    std::size_t buffered_ = 0;
    std::uint64_t length_ = 0;
};

std::string to_hex(const std::array<std::uint8_t, 32> &digest);
std::string sha256_hex(std::string_view data);

} // namespace pullcred
