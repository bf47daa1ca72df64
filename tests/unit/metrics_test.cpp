// The agent's metrics: per-container series are bounded and go away some minutes after
// their container, as a Prometheus scrape of /metrics sees them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "agent/metrics.h"
#include "common/unique_fd.h"

namespace driftguard::agent {
namespace {

std::string scrape(const std::string& address) {
    const auto colon = address.rfind(':');
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
    ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr);
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&peer), sizeof(peer)) != 0) {
        return "";
    }
    const std::string request = "GET /metrics HTTP/1.0\r\nHost: test\r\n\r\n";
    (void)::write(fd.get(), request.data(), request.size());
    std::string body;
    char buffer[65536];
    for (ssize_t got; (got = ::read(fd.get(), buffer, sizeof(buffer))) > 0;) {
        body.append(buffer, static_cast<std::size_t>(got));
    }
    return body;
}

TEST(Metrics, ContainerSeriesGoSomeMinutesAfterTheirContainer) {
    auto metrics = Metrics::serve("127.0.0.1:0", "kill");
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
    auto metrics = Metrics::serve("127.0.0.1:0", "kill");
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
    auto metrics = Metrics::serve("127.0.0.1:0", "kill");
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

}  // namespace
}  // namespace driftguard::agent
