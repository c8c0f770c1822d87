// A fleet of 10,000 nodes over 48 simulated hours against a simulated AWS
// that enforces the default per-account request quotas, driven by pullcred's
// real decision code: make_entry() places each cache entry's refresh point,
// freshness_of() decides fresh / stale / expired, backoff_delay() and
// plan_retry() decide every retry, effective_max_attempts() the attempts.
// What is modelled around them:
//  - kubelet: pulls are a Poisson process per node plus a burst at boot;
//    kubelet reuses an answer for its cacheDuration (half the token's
//    remaining life) and retries a failed pull after 10 s, doubling to 300 s
//    (its image pull backoff, without jitter).
//  - pullcred on a node: a fresh ECR entry answers at once; otherwise one
//    upstream sequence per node at a time (the per-key lock: concurrent
//    invocations wait for it), CreateSession first when the session entry is
//    not fresh, then GetAuthorizationToken, within the 45 s deadline; when it
//    fails, a still valid entry is served.
//  - AWS: one account, one token bucket per API; above it ThrottlingException
//    (no Retry-After, as ECR and Roles Anywhere answer); every call fails with
//    503 during a 30-minute outage.
//
// Default quotas (per account and Region):
//  - IAM Roles Anywhere CreateSession: 10 per second ("Rate of CreateSession
//    requests"), https://docs.aws.amazon.com/rolesanywhere/latest/userguide/quotas.html
//    (read at https://docs.amazonaws.cn/en_us/rolesanywhere/latest/userguide/quotas.html).
//    No burst is published: the bucket holds one second's worth (10).
//  - ECR GetAuthorizationToken: 20 per second sustained with a bucket of 200
//    ("the throttle for the GetAuthorizationToken action is 20 transaction per
//    second (TPS), with up to a 200 TPS burst allowed"),
//    https://docs.aws.amazon.com/AmazonECR/latest/userguide/common-errors.html
//    The service quotas page (https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html)
//    lists "Rate of GetAuthorizationToken requests" at 500 per second; the
//    simulation uses the stricter figure.
#include "cache/store.hpp"
#include "http/retry_policy.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <gtest/gtest.h>
#include <optional>
#include <queue>
#include <random>
#include <utility>
#include <vector>

namespace {

using pullcred::cache::Entry;
using pullcred::cache::Freshness;
using std::chrono::milliseconds;

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kEpochUnix = 1'800'000'000; // simulated t = 0

struct Quota {
    const char *api;
    double per_second; // sustained rate: the quota
    double bucket;     // burst capacity
};
constexpr Quota kCreateSession{"CreateSession", 10, 10};
constexpr Quota kGetAuthorizationToken{"GetAuthorizationToken", 20, 200};

struct Scenario {
    int nodes = 10'000;
    std::int64_t duration = 48 * kHour;
    std::int64_t boot_spread = kMinute; // every node boots within it
    int boot_pulls = 3;                 // pulls right after boot
    double pulls_per_hour = 4;          // then a Poisson process
    std::int64_t session_life = 1 * kHour;
    std::int64_t token_life = 12 * kHour;
    std::int64_t outage_start = 30 * kHour;
    std::int64_t outage_length = 30 * kMinute;
    std::int64_t deadline = 45 * kSecond; // pullcred's default invocation deadline
    std::int64_t latency = 80;            // one AWS round trip
    bool jitter = true; // false: fixed refresh point at 3/4 of the life, backoff at its ceiling
    std::uint64_t seed = 17;
};

struct Report {
    // Offered = every attempt sent; peaks are per one-second bin.
    std::int64_t steady_peak_offered[2] = {0, 0};
    std::int64_t cold_peak_offered[2] = {0, 0};
    std::int64_t recovery_peak_offered[2] = {0, 0};
    std::int64_t throttled_steady[2] = {0, 0};
    std::int64_t throttled_total[2] = {0, 0};
    std::int64_t calls_total[2] = {0, 0};
    std::int64_t cold_start_done = -1; // when the last node first held a token
    std::int64_t misses_cold = 0;      // pulls without a token by nodes that never held one
    std::int64_t misses_outage = 0;    // ... by nodes that held one, during the outage
    std::int64_t misses_held = 0;      // ... by nodes that held one, outside the outage
    std::int64_t recovery = 0;         // outage end -> the last failed upstream sequence
    std::int64_t refreshed_all = 0;    // outage end -> every node that failed in it has a new token
    std::int64_t asks = 0;
    std::int64_t pulls = 0;
};

enum class Event : std::uint8_t { pull, retry_pull, response, send };
enum class Api : std::uint8_t { session = 0, ecr = 1 };

struct Scheduled {
    std::int64_t at;
    std::uint64_t order;
    Event event;
    int node;
    bool operator>(const Scheduled &other) const {
        return at != other.at ? at > other.at : order > other.order;
    }
};

struct Node {
    std::optional<Entry> token;   // pullcred's ECR entry
    std::optional<Entry> session; // pullcred's Roles Anywhere session entry
    std::int64_t kubelet_until = -1;
    bool held_token = false;
    int failed_pulls = 0; // kubelet's backoff step
    bool retry_pending = false;
    // The upstream sequence in flight (single-flight per node).
    bool in_flight = false;
    int waiting = 0;
    Api api = Api::session;
    int retry = 0;
    std::int64_t deadline = 0;
    bool last_ok = false;
    bool last_throttled = false;
    bool failed_in_outage = false;
};

class Bucket {
public:
    explicit Bucket(Quota quota) : quota_(quota), tokens_(quota.bucket) {}
    bool take(std::int64_t now) {
        tokens_ =
            std::min(quota_.bucket, tokens_ + static_cast<double>(now - last_) * quota_.per_second / 1000.0);
        last_ = now;
        if (tokens_ < 1) return false;
        tokens_ -= 1;
        return true;
    }

private:
    Quota quota_;
    double tokens_;
    std::int64_t last_ = 0;
};

class Fleet {
public:
    explicit Fleet(const Scenario &scenario)
        : s_(scenario), random_(scenario.seed), nodes_(static_cast<std::size_t>(scenario.nodes)),
          offered_{std::vector<std::int64_t>(static_cast<std::size_t>(scenario.duration / kSecond + 1)),
                   std::vector<std::int64_t>(static_cast<std::size_t>(scenario.duration / kSecond + 1))},
          buckets_{Bucket(kCreateSession), Bucket(kGetAuthorizationToken)},
          max_attempts_(pullcred::net::effective_max_attempts(4, std::nullopt)) {}

    Report run() {
        std::uniform_int_distribution<std::int64_t> boot(0, s_.boot_spread - 1);
        std::uniform_int_distribution<std::int64_t> settle(0, 10 * kSecond);
        for (int node = 0; node < s_.nodes; ++node) {
            const auto booted = boot(random_);
            for (int i = 0; i < s_.boot_pulls; ++i)
                schedule(booted + settle(random_), Event::retry_pull, node);
            schedule(booted + next_pull_gap(), Event::pull, node);
        }
        while (!queue_.empty()) {
            const auto next = queue_.top();
            queue_.pop();
            if (next.at > s_.duration) break;
            now_ = next.at;
            auto &node = nodes_[static_cast<std::size_t>(next.node)];
            switch (next.event) {
            case Event::pull:
                schedule(now_ + next_pull_gap(), Event::pull, next.node);
                pull(next.node, node);
                break;
            case Event::retry_pull:
                node.retry_pending = false;
                pull(next.node, node);
                break;
            case Event::send:
                send(next.node, node);
                break;
            case Event::response:
                respond(next.node, node);
                break;
            }
        }
        summarise();
        return report_;
    }

private:
    std::int64_t now_s() const { return kEpochUnix + now_ / kSecond; }
    bool in_outage(std::int64_t at) const {
        return at >= s_.outage_start && at < s_.outage_start + s_.outage_length;
    }

    void schedule(std::int64_t at, Event event, int node) { queue_.push({at, order_++, event, node}); }

    std::int64_t next_pull_gap() {
        std::exponential_distribution<double> gap(s_.pulls_per_hour / static_cast<double>(kHour));
        return std::max<std::int64_t>(1, static_cast<std::int64_t>(gap(random_)));
    }

    Entry entry_for(std::int64_t life) {
        std::uniform_real_distribution<double> uniform(0.0, 1.0);
        // Without jitter: the old fixed point, 3/4 of the life (1/3 into the 70-85% window).
        const pullcred::cache::RefreshDraw draw = [&]() { return s_.jitter ? uniform(random_) : 1.0 / 3.0; };
        return pullcred::cache::make_entry({}, now_s(), now_s() + life / kSecond, {}, draw);
    }

    void pull(int index, Node &node) {
        ++report_.pulls;
        if (now_ < node.kubelet_until) return; // kubelet's own cache
        ++report_.asks;
        if (node.in_flight) {
            ++node.waiting; // blocked on the per-key lock
            return;
        }
        if (pullcred::cache::freshness_of(node.token, now_s()) == Freshness::fresh) {
            serve(node);
            return;
        }
        node.in_flight = true;
        node.waiting = 1;
        node.deadline = now_ + s_.deadline;
        node.api = pullcred::cache::freshness_of(node.session, now_s()) == Freshness::fresh ? Api::ecr
                                                                                            : Api::session;
        node.retry = 0;
        send(index, node);
    }

    void send(int index, Node &node) {
        const auto api = static_cast<std::size_t>(node.api);
        ++offered_[api][static_cast<std::size_t>(now_ / kSecond)];
        ++report_.calls_total[api];
        node.last_throttled = false;
        if (in_outage(now_)) {
            node.last_ok = false; // HTTP 503
        } else {
            node.last_ok = buckets_[api].take(now_);
            node.last_throttled = !node.last_ok;
            if (node.last_throttled) {
                ++report_.throttled_total[api];
                throttled_at_[api].push_back(now_);
            }
        }
        schedule(now_ + s_.latency, Event::response, index);
    }

    void respond(int index, Node &node) {
        if (node.last_ok) {
            if (node.api == Api::session) {
                node.session = entry_for(s_.session_life);
                node.api = Api::ecr;
                node.retry = 0;
                send(index, node);
                return;
            }
            node.token = entry_for(s_.token_life);
            if (!node.held_token) {
                node.held_token = true;
                ++holders_;
                if (holders_ == s_.nodes) report_.cold_start_done = now_;
            }
            finish(index, node, true);
            return;
        }
        ++node.retry;
        if (node.retry >= max_attempts_) {
            finish(index, node, false);
            return;
        }
        const auto backoff = s_.jitter
                                 ? pullcred::net::backoff_delay(node.retry, random_, node.last_throttled)
                                 : pullcred::net::backoff_ceiling(node.retry, node.last_throttled);
        const auto plan =
            pullcred::net::plan_retry(backoff, std::nullopt, milliseconds(node.deadline - now_));
        if (plan.verdict != pullcred::net::RetryVerdict::wait) {
            finish(index, node, false);
            return;
        }
        schedule(now_ + plan.delay.count(), Event::send, index);
    }

    void finish(int index, Node &node, bool fetched) {
        node.in_flight = false;
        const int waiting = std::exchange(node.waiting, 0);
        if (!fetched) last_failed_sequence_ = now_;
        if (!fetched && in_outage(now_)) node.failed_in_outage = true;
        if (fetched && node.failed_in_outage && now_ >= s_.outage_start + s_.outage_length) {
            node.failed_in_outage = false;
            last_outage_refresh_ = now_;
        }
        const bool usable =
            node.token && pullcred::cache::freshness_of(node.token, now_s()) != Freshness::expired;
        if (fetched || usable) {
            serve(node);
            return;
        }
        auto &misses = !node.held_token  ? report_.misses_cold
                       : in_outage(now_) ? report_.misses_outage
                                         : report_.misses_held;
        misses += waiting;
        if (!node.retry_pending) {
            node.retry_pending = true;
            const auto backoff =
                std::min<std::int64_t>(300 * kSecond, (10 * kSecond) << std::min(node.failed_pulls, 5));
            ++node.failed_pulls;
            schedule(now_ + backoff, Event::retry_pull, index);
        }
    }

    void serve(Node &node) {
        node.failed_pulls = 0;
        const auto remaining = node.token->expires_unix - now_s();
        node.kubelet_until = now_ + remaining / 2 * kSecond; // cacheDuration: half the remaining life
    }

    void summarise() {
        const auto outage_end = s_.outage_start + s_.outage_length;
        report_.recovery = std::max<std::int64_t>(0, last_failed_sequence_ - outage_end);
        report_.refreshed_all = std::max<std::int64_t>(0, last_outage_refresh_ - outage_end);
        for (const auto &node : nodes_)
            if (node.failed_in_outage) report_.refreshed_all = -1;
        const auto recovery_end = outage_end + 15 * kMinute;
        const auto cold_end = report_.cold_start_done < 0 ? s_.duration : report_.cold_start_done;
        for (std::size_t api = 0; api < 2; ++api) {
            for (std::size_t second = 0; second < offered_[api].size(); ++second) {
                const auto at = static_cast<std::int64_t>(second) * kSecond;
                auto &peak = at <= cold_end                               ? report_.cold_peak_offered[api]
                             : at >= s_.outage_start && at < recovery_end ? report_.recovery_peak_offered[api]
                                                                          : report_.steady_peak_offered[api];
                peak = std::max(peak, offered_[api][second]);
            }
            for (const auto at : throttled_at_[api])
                if (at > cold_end && (at < s_.outage_start || at >= recovery_end))
                    ++report_.throttled_steady[api];
        }
    }

    Scenario s_;
    std::mt19937_64 random_;
    std::vector<Node> nodes_;
    std::vector<std::int64_t> offered_[2];
    std::vector<std::int64_t> throttled_at_[2];
    Bucket buckets_[2];
    int max_attempts_;
    std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<>> queue_;
    std::uint64_t order_ = 0;
    std::int64_t now_ = 0;
    int holders_ = 0;
    std::int64_t last_failed_sequence_ = 0;
    std::int64_t last_outage_refresh_ = 0;
    Report report_;
};

void print(const char *title, const Report &r) {
    const Quota quotas[2] = {kCreateSession, kGetAuthorizationToken};
    std::printf("%s\n", title);
    for (std::size_t api = 0; api < 2; ++api)
        std::printf(
            "  %-21s quota %4.0f/s | peak/s: cold start %5lld, outage+15 min %3lld, steady %3lld | "
            "calls %lld, throttled %lld (steady %lld)\n",
            quotas[api].api, quotas[api].per_second, static_cast<long long>(r.cold_peak_offered[api]),
            static_cast<long long>(r.recovery_peak_offered[api]),
            static_cast<long long>(r.steady_peak_offered[api]), static_cast<long long>(r.calls_total[api]),
            static_cast<long long>(r.throttled_total[api]), static_cast<long long>(r.throttled_steady[api]));
    std::printf("  every node held a token after %.1f min; pulls %lld, asks %lld\n",
                static_cast<double>(r.cold_start_done) / kMinute, static_cast<long long>(r.pulls),
                static_cast<long long>(r.asks));
    std::printf("  pulls without a token: cold start %lld, during the outage %lld, otherwise %lld\n",
                static_cast<long long>(r.misses_cold), static_cast<long long>(r.misses_outage),
                static_cast<long long>(r.misses_held));
    std::printf(
        "  after the outage: last failed upstream call %.1f min after its end; every node that failed in it "
        "refreshed within %.1f min (when kubelet next asked)\n",
        static_cast<double>(r.recovery) / kMinute, static_cast<double>(r.refreshed_all) / kMinute);
    std::fflush(stdout);
}

TEST(FleetSim, TenThousandNodesStayUnderTheQuotasAndNeverLoseTheirToken) {
    const auto report = Fleet(Scenario{}).run();
    print("fleet: 10,000 nodes, 48 h, jitter on", report);
    for (std::size_t api = 0; api < 2; ++api) {
        const Quota quota = api == 0 ? kCreateSession : kGetAuthorizationToken;
        EXPECT_LE(report.steady_peak_offered[api], static_cast<std::int64_t>(quota.per_second)) << quota.api;
        EXPECT_EQ(report.throttled_steady[api], 0) << quota.api;
    }
    EXPECT_GE(report.cold_start_done, 0) << "every node got a token";
    EXPECT_LE(report.cold_start_done, 30 * kMinute);
    EXPECT_EQ(report.misses_held, 0) << "nodes that held a token never lose it outside the outage";
    EXPECT_LE(report.misses_outage, 100) << "a 30-minute outage is bridged by the still valid entries";
    EXPECT_LE(report.recovery, 5 * kMinute) << "upstream calls succeed again at once";
    EXPECT_GE(report.refreshed_all, 0) << "every node that failed during the outage refreshed after it";
    EXPECT_LE(report.refreshed_all, 3 * kHour) << "kubelet asks again within half the remaining life";
}

TEST(FleetSim, WithoutJitterTheSameFleetFails) {
    Scenario scenario;
    scenario.jitter = false;
    const auto report = Fleet(scenario).run();
    print("fleet: 10,000 nodes, 48 h, jitter off (fixed refresh point, backoff at its ceiling)", report);
    // The refresh wave of nodes that booted together tops the CreateSession
    // quota, and synchronised retries leave the quota unused between waves.
    EXPECT_GT(report.steady_peak_offered[0], static_cast<std::int64_t>(kCreateSession.per_second));
    EXPECT_GT(report.cold_start_done, 30 * kMinute);
}

} // namespace
