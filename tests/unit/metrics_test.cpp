// The agent's metrics: per-container series are bounded and go away some minutes after
// their container, as a Prometheus scrape of /metrics sees them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "agent/agent_health.h"
#include "agent/metrics.h"
#include "common/unique_fd.h"

namespace driftguard::agent {
namespace {

std::string get(const std::string& address, const std::string& path) {
    const auto colon = address.rfind(':');
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
    ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr);
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&peer), sizeof(peer)) != 0) {
        return "";
    }
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: test\r\n\r\n";
    (void)::write(fd.get(), request.data(), request.size());
    std::string body;
    char buffer[65536];
    for (ssize_t got; (got = ::read(fd.get(), buffer, sizeof(buffer))) > 0;) {
        body.append(buffer, static_cast<std::size_t>(got));
    }
    return body;
}

std::string scrape(const std::string& address) {
    return get(address, "/metrics");
}

// The agent's choice on a kernel like this host's: trampolines refused, fanotify there.
BackendChoice kill_chosen() {
    KernelOffers offers;
    offers.lsm = [] { return kernel::Offer{false, "bpf is not in the active LSM list"}; };
    offers.fmod_ret = [] { return kernel::Offer{false, "fmod_ret refused: \"EPERM\""}; };
    offers.fanotify = [] { return kernel::Offer{true, "fanotify permission events work"}; };
    return choose_backend("auto", offers).value();
}

TEST(Metrics, ContainerSeriesGoSomeMinutesAfterTheirContainer) {
    auto metrics = Metrics::serve("127.0.0.1:0", kill_chosen());
    ASSERT_TRUE(metrics) << metrics.error().message;
    Metrics& m = *metrics.value();
    m.count_drift("blocked", "new-file", "web-1");
    m.count_drift("blocked", "new-file", "job-7");
    const auto start = Metrics::Clock::now();
    m.retire_containers({"web-1"}, start);  // job-7 is gone from now on
    EXPECT_NE(scrape(m.listening()).find("container=\"job-7\""), std::string::npos)
        << "a gone container's series vanished before the retention";
    m.retire_containers({"web-1"}, start + Metrics::kRetention + std::chrono::seconds(1));
    const std::string after = scrape(m.listening());
    EXPECT_EQ(after.find("container=\"job-7\""), std::string::npos)
        << "a container gone for longer than the retention still has series";
    EXPECT_NE(after.find("container=\"web-1\""), std::string::npos);
    EXPECT_EQ(m.container_series(), 1u);
}

TEST(Metrics, ContainerBackBeforeTheRetentionKeepsItsSeries) {
    auto metrics = Metrics::serve("127.0.0.1:0", kill_chosen());
    ASSERT_TRUE(metrics) << metrics.error().message;
    Metrics& m = *metrics.value();
    m.count_drift("audited", "memfd", "db");
    const auto start = Metrics::Clock::now();
    m.retire_containers({}, start);
    m.retire_containers({"db"}, start + std::chrono::minutes(1));  // seen again
    m.retire_containers({"db"}, start + Metrics::kRetention * 2);
    EXPECT_EQ(m.container_series(), 1u);
}

TEST(Metrics, ContainerLabelsAreBounded) {
    auto metrics = Metrics::serve("127.0.0.1:0", kill_chosen());
    ASSERT_TRUE(metrics) << metrics.error().message;
    Metrics& m = *metrics.value();
    for (std::size_t i = 0; i < Metrics::kMaxContainerSeries + 100; ++i) {
        m.count_drift("blocked", "new-file", "c" + std::to_string(i));
    }
    EXPECT_EQ(m.container_series(), Metrics::kMaxContainerSeries + 1);  // and "other"
    const std::string body = scrape(m.listening());
    EXPECT_NE(body.find("container=\"other\",kind=\"new-file\",verdict=\"blocked\"} 100"),
              std::string::npos)
        << "containers past the bound are not counted under \"other\"";
}

TEST(AgentHealth, LiveWhileTheLoopBeatsReadyOnceContainersAreKnown) {
    using Clock = AgentHealth::Clock;
    AgentHealth health;
    const auto now = Clock::now();
    health.beat(now);
    EXPECT_EQ(health.liveness(now + std::chrono::seconds(1)).status, 200);
    EXPECT_EQ(health.readiness(now).status, 503);
    health.set_ready();
    EXPECT_EQ(health.readiness(now).status, 200);
    const auto stalled = now + AgentHealth::kStallLimit + std::chrono::seconds(1);
    EXPECT_EQ(health.liveness(stalled).status, 503);
    EXPECT_NE(health.liveness(stalled).body.find("has not run for 16 s"), std::string::npos);
    EXPECT_EQ(health.readiness(stalled).status, 503);
}

TEST(Metrics, ProbesAreServedBesideMetricsAndOtherPathsAreNotFound) {
    AgentHealth health;
    health.beat(AgentHealth::Clock::now());
    auto metrics = Metrics::serve(
        "127.0.0.1:0", kill_chosen(),
        {{"/healthz", [&health] { return health.liveness(AgentHealth::Clock::now()); }},
         {"/readyz", [&health] { return health.readiness(AgentHealth::Clock::now()); }}});
    ASSERT_TRUE(metrics) << metrics.error().message;
    const std::string address = metrics.value()->listening();
    EXPECT_NE(get(address, "/healthz").find("HTTP/1.1 200"), std::string::npos);
    EXPECT_NE(get(address, "/readyz").find("HTTP/1.1 503"), std::string::npos);
    health.set_ready();
    EXPECT_NE(get(address, "/readyz").find("HTTP/1.1 200"), std::string::npos);
    EXPECT_NE(get(address, "/metrics").find("driftguard_backend_info"), std::string::npos);
    EXPECT_NE(get(address, "/metricsx").find(" 404 "), std::string::npos);
    EXPECT_NE(get(address, "/").find(" 404 "), std::string::npos);
}

TEST(Metrics, TheBackendInUseAndWhyTheOthersWereNotTakenAreExported) {
    auto metrics = Metrics::serve("127.0.0.1:0", kill_chosen());
    ASSERT_TRUE(metrics) << metrics.error().message;
    const std::string text = scrape(metrics.value()->listening());
    EXPECT_NE(text.find("driftguard_backend_info{backend=\"kill\"} 1"), std::string::npos) << text;
    EXPECT_NE(text.find("driftguard_backend_considered_info{backend=\"lsm\",reason=\"bpf is not "
                        "in the active LSM list\"} 0"),
              std::string::npos)
        << text;
    // Quotes in a reason are escaped, not allowed to end the label.
    EXPECT_NE(text.find("reason=\"fmod_ret refused: \\\"EPERM\\\"\"} 0"), std::string::npos)
        << text;
    // The kernel offers fanotify, this release does not have it: 0, and the reason says so.
    EXPECT_NE(text.find("backend=\"fanotify\",reason=\"fanotify permission events work; not in "
                        "this release of driftguard\"} 0"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("driftguard_backend_considered_info{backend=\"kill\""), std::string::npos)
        << text;
}

TEST(Metrics, ABadOrTakenAddressIsRefusedWithItsReason) {
    EXPECT_FALSE(Metrics::serve("nonsense", kill_chosen()));
    auto first = Metrics::serve("127.0.0.1:0", kill_chosen());
    ASSERT_TRUE(first);
    auto second = Metrics::serve(first.value()->listening(), kill_chosen());
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message.find(first.value()->listening()), std::string::npos);
}

}  // namespace
}  // namespace driftguard::agent
