#pragma once

#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

// A fresh private directory per test.
class CacheDirTest : public testing::Test {
protected:
    void SetUp() override {
        root_ = std::filesystem::temp_directory_path() /
                ("pullcred-cache-" + std::to_string(::getpid()) + "-" +
                 testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(root_);
        std::filesystem::create_directories(root_);
        dir_ = root_ / "cache";
    }
    void TearDown() override { std::filesystem::remove_all(root_); }
    std::filesystem::path root_;
    std::filesystem::path dir_;
};
