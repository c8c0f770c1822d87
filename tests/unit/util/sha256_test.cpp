#include <cstdio>
#include <gtest/gtest.h>
#include <random>
#include <string>

#include "util/sha256.hpp"

// Checked against Python's hashlib (an independent implementation) on
// inputs of every length around the block boundaries, and random bytes.
TEST(Sha256, MatchesPythonHashlib) {
    std::mt19937 random(42);
    std::string script = "import hashlib,sys\nfor line in sys.stdin:\n"
                         "    print(hashlib.sha256(bytes.fromhex(line.strip())).hexdigest())\n";
    const auto script_path = testing::TempDir() + "sha256_oracle.py";
    const auto input_path = testing::TempDir() + "sha256_inputs.txt";
    std::FILE *file = std::fopen(script_path.c_str(), "w");
    std::fputs(script.c_str(), file);
    std::fclose(file);
    std::vector<std::string> inputs;
    for (std::size_t length = 0; length < 200; ++length) {
        std::string data(length, '\0');
        for (auto &c : data) c = static_cast<char>(random() & 0xFF);
        inputs.push_back(data);
    }
    inputs.push_back(std::string(100000, 'a'));
    file = std::fopen(input_path.c_str(), "w");
    for (const auto &data : inputs) {
        for (const char c : data) std::fprintf(file, "%02x", static_cast<unsigned char>(c));
        std::fputc('\n', file);
    }
    std::fclose(file);
    const auto command = std::string(PULLCRED_PYTHON) + " " + script_path + " < " + input_path;
    std::FILE *pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char line[128];
    std::size_t index = 0;
    while (std::fgets(line, sizeof line, pipe) != nullptr && index < inputs.size()) {
        EXPECT_EQ(pullcred::sha256_hex(inputs[index]), std::string(line, 64))
            << "length " << inputs[index].size();
        ++index;
    }
    ASSERT_EQ(::pclose(pipe), 0);
    EXPECT_EQ(index, inputs.size());
}

TEST(Sha256, KnownAnswer) {
    EXPECT_EQ(pullcred::sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_NE(pullcred::sha256_hex("abd"), pullcred::sha256_hex("abc"));
}
