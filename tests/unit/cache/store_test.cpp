#include <array>
#include <fstream>
#include <gmock/gmock.h>
#include <random>
#include <set>
#include <sys/stat.h>

#include "cache/store.hpp"
#include "cache_dir.hpp"

using namespace pullcred::cache;
using testing::HasSubstr;

namespace {
mode_t mode_of(const std::filesystem::path &path) {
    struct stat info {};
    ::stat(path.c_str(), &info);
    return info.st_mode & 07777;
}
} // namespace

using StoreTest = CacheDirTest;

TEST_F(StoreTest, CreatesAPrivateDirectoryAndPrivateFiles) {
    auto store = Store::open(dir_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ(mode_of(dir_), 0700U);
    ASSERT_TRUE(store->write("k", make_entry({{"x", 1}}, 1000, 2000)).ok());
    EXPECT_EQ(mode_of(dir_ / "k.json"), 0600U);
    auto entry = store->read("k");
    ASSERT_TRUE(entry.has_value());
    EXPECT_EQ(entry->data["x"], 1);
    EXPECT_EQ(entry->expires_unix, 2000);
    for (const auto &file : std::filesystem::directory_iterator(dir_))
        EXPECT_EQ(file.path().filename(), "k.json") << "no temp file left behind";
}

TEST_F(StoreTest, RefusesADirectoryOthersCanEnterWithTheFix) {
    std::filesystem::create_directories(dir_);
    ::chmod(dir_.c_str(), 0755);
    auto store = Store::open(dir_);
    ASSERT_FALSE(store.ok());
    EXPECT_THAT(store.error().message,
                testing::AllOf(HasSubstr(dir_.string()), HasSubstr("0755"), HasSubstr("chmod 700")));
}

TEST_F(StoreTest, RefusesADirectoryOwnedBySomeoneElse) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
    std::filesystem::create_directories(dir_);
    ::chmod(dir_.c_str(), 0700);
    ASSERT_EQ(::chown(dir_.c_str(), 4242, 4242), 0);
    auto store = Store::open(dir_);
    ASSERT_FALSE(store.ok());
    EXPECT_THAT(store.error().message, testing::AllOf(HasSubstr("uid 4242"), HasSubstr("chown")));
}

TEST_F(StoreTest, RefusesASymlinkInsteadOfADirectory) {
    std::filesystem::create_directories(root_ / "elsewhere");
    std::filesystem::create_directory_symlink(root_ / "elsewhere", dir_);
    auto store = Store::open(dir_);
    ASSERT_FALSE(store.ok());
    EXPECT_THAT(store.error().message, HasSubstr("is a symbolic link"));
    auto trailing_slash = Store::open(dir_.string() + "/");
    ASSERT_FALSE(trailing_slash.ok());
    EXPECT_THAT(trailing_slash.error().message, HasSubstr("is a symbolic link"));
    auto below = Store::open(dir_ / "sub");
    ASSERT_FALSE(below.ok());
    EXPECT_THAT(below.error().message, HasSubstr(dir_.string() + " is a symbolic link"));
}

TEST_F(StoreTest, MissingParentsAreCreatedPrivateWhateverTheUmask) {
    const auto old_mask = ::umask(0);
    auto store = Store::open(root_ / "a" / "b" / "cache");
    ::umask(old_mask);
    ASSERT_TRUE(store.ok()) << store.error().message;
    for (const auto &dir : {root_ / "a", root_ / "a" / "b", root_ / "a" / "b" / "cache"}) {
        struct stat info {};
        ASSERT_EQ(::stat(dir.c_str(), &info), 0);
        EXPECT_EQ(info.st_mode & 0777, 0700u) << dir;
    }
}

TEST_F(StoreTest, RelativePathsAndDotDotAreRefused) {
    EXPECT_THAT(Store::open("relative/cache").error().message, HasSubstr("not an absolute path"));
    EXPECT_THAT(Store::open(root_ / ".." / "cache").error().message, HasSubstr("`..`"));
}

TEST_F(StoreTest, RootRefusesAParentOthersCanWriteUnlessItIsASharedStickyDirectory) {
    if (::geteuid() != 0) GTEST_SKIP() << "the rule is root's";
    std::filesystem::create_directories(root_ / "open");
    ::chmod((root_ / "open").c_str(), 0777);
    auto store = Store::open(root_ / "open" / "cache");
    ASSERT_FALSE(store.ok());
    EXPECT_THAT(store.error().message, testing::AllOf(HasSubstr("0777"), HasSubstr("chmod go-w")));
    ::chmod((root_ / "open").c_str(), 01777); // like /tmp
    EXPECT_TRUE(Store::open(root_ / "open" / "cache").ok());
}

TEST_F(StoreTest, CorruptTruncatedOrForeignEntriesReadAsAbsentAndAreReplaced) {
    auto store = Store::open(dir_);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(store->write("k", make_entry({{"x", 1}}, 1000, 2000)).ok());
    const auto path = dir_ / "k.json";
    std::string good;
    {
        std::ifstream in(path);
        good.assign(std::istreambuf_iterator<char>(in), {});
    }
    const std::vector<std::string> damaged{
        good.substr(0, good.size() / 2),
        std::string("\0\0\0", 3),
        std::string("[]"),
        std::string(R"({"version":2,"created":1,"expires":2,"refresh":1,"data":{}})"),
        std::string(R"({"version":1,"created":"x","expires":2,"refresh":1,"data":{}})"),
        std::string(R"({"version":1,"created":1,"expires":2,"refresh":1,"data":[]})")};
    for (const auto &bad : damaged) {
        std::ofstream(path, std::ios::trunc) << bad;
        ::chmod(path.c_str(), 0600);
        EXPECT_FALSE(store->read("k").has_value()) << bad;
        ASSERT_TRUE(store->write("k", make_entry({{"x", 2}}, 1000, 2000)).ok());
        EXPECT_EQ(store->read("k")->data["x"], 2);
    }
}

TEST_F(StoreTest, EntryFilesOthersCouldReadAreIgnored) {
    auto store = Store::open(dir_);
    ASSERT_TRUE(store->write("k", make_entry({{"x", 1}}, 1000, 2000)).ok());
    ::chmod((dir_ / "k.json").c_str(), 0644);
    EXPECT_FALSE(store->read("k").has_value());
}

TEST(CacheFreshness, StatesFollowTheRefreshPointAndTheExpiry) {
    const auto entry = make_entry({}, 0, 43200, {}, [] { return 0.0; });
    EXPECT_EQ(entry.refresh_unix, 30240); // 70% of 12 h
    EXPECT_EQ(freshness_of(entry, 100), Freshness::fresh);
    EXPECT_EQ(freshness_of(entry, 30239), Freshness::fresh);
    EXPECT_EQ(freshness_of(entry, 30240), Freshness::stale);
    EXPECT_EQ(freshness_of(entry, 43200), Freshness::expired);
    EXPECT_EQ(freshness_of(std::nullopt, 0), Freshness::absent);
}

TEST(RefreshPoint, TheDrawSpansSeventyToEightyFivePercentOfTheLifetime) {
    EXPECT_EQ(refresh_point(1000, 1000 + 43200, 0.0), 1000 + 30240);
    EXPECT_EQ(refresh_point(1000, 1000 + 43200, 1.0), 1000 + 36720);
    EXPECT_EQ(refresh_point(0, 3600, 0.5), 2790);
    EXPECT_EQ(refresh_point(0, 3600, -3.0), 2520) << "draws are clamped to [0, 1]";
    EXPECT_EQ(refresh_point(0, 3600, 7.0), 3060);
}

TEST(RefreshPoint, AtLeastAMinuteBeforeExpiryAndHalfTheLifeForShortOnes) {
    EXPECT_EQ(refresh_point(0, 300, 1.0), 240) << "85% of 5 min would leave 45 s";
    EXPECT_EQ(refresh_point(0, 100, 0.0), 50);
    EXPECT_EQ(refresh_point(0, 8, 0.5), 4);
    EXPECT_EQ(refresh_point(0, 0, 0.5), 0);
    EXPECT_EQ(refresh_point(500, 400, 0.5), 500) << "an already expired answer is due at once";
}

TEST(RefreshPoint, SeededDrawsSpreadOverTheWholeWindowAndStayInside) {
    constexpr std::int64_t kLife = 43200;
    std::int64_t low = kLife;
    std::int64_t high = 0;
    std::array<int, 10> deciles{};
    for (std::uint64_t seed = 0; seed < 2000; ++seed) {
        std::mt19937_64 random(seed);
        std::uniform_real_distribution<double> uniform(0.0, 1.0);
        const auto entry = make_entry({}, 0, kLife, {}, [&] { return uniform(random); });
        ASSERT_GE(entry.refresh_unix, 30240) << seed;
        ASSERT_LE(entry.refresh_unix, 36720) << seed;
        low = std::min(low, entry.refresh_unix);
        high = std::max(high, entry.refresh_unix);
        ++deciles.at(static_cast<std::size_t>((entry.refresh_unix - 30240) * 10 / (36720 - 30240 + 1)));
    }
    EXPECT_LT(low, 30240 + 200);
    EXPECT_GT(high, 36720 - 200);
    for (int count : deciles) EXPECT_GT(count, 120) << "about 200 per tenth of the window";
}

TEST(RefreshPoint, TheDefaultDrawIsRandomAndInsideTheWindow) {
    std::set<std::int64_t> points;
    for (int i = 0; i < 50; ++i) {
        const auto entry = make_entry({}, 0, 43200);
        ASSERT_GE(entry.refresh_unix, 30240);
        ASSERT_LE(entry.refresh_unix, 36720);
        points.insert(entry.refresh_unix);
    }
    EXPECT_GT(points.size(), 40U) << "nodes that fetch at the same second must not share a refresh point";
}
