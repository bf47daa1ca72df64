#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "agent/backend_choice.h"
#include "agent/http_endpoint.h"
#include "common/result.h"
#include "kernel/sensor.h"

namespace driftguard::agent {

// The agent's Prometheus metrics (prometheus-cpp's registry), served on /metrics beside
// any other routes the agent adds (its health probes).
//
// Per-container series (driftguard_drift_total's `container` label) are bounded: at most
// kMaxContainerSeries containers have their own, later ones count under "other"; a
// container's series are removed kRetention after it is gone, so a node that runs
// thousands of short-lived containers a day keeps a flat number of series.
class Metrics {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t kMaxContainerSeries = 512;
    static constexpr std::chrono::minutes kRetention{5};
    static constexpr const char* kOtherContainers = "other";

    // Listens on `address` ("127.0.0.1:9464"; port 0 picks a free one) and answers
    // /metrics and each of `other_routes`. `backend` is the agent's choice, with every
    // backend it weighed and why.
    static Result<std::unique_ptr<Metrics>> serve(
        const std::string& address, const BackendChoice& backend,
        std::map<std::string, HttpEndpoint::Handler> other_routes = {});
    // The address actually bound.
    std::string listening() const;

    // Every drift attempt, repeats included.
    void count_drift(const std::string& verdict, const std::string& kind,
                     const std::string& container);
    void count_policy_reload() { reloads_->Increment(); }
    void count_policy_refusal() { refusals_->Increment(); }
    void set_events_lost(std::uint64_t lost) { events_lost_->Set(static_cast<double>(lost)); }
    // Containers by mode, and the kernel's own counters (called once a second).
    void set_containers(const std::map<std::string, std::size_t>& by_mode);
    void set_kernel_counters(const kernel::SensorCounters& counters);
    // The containers running now (their `container` label values): series of containers
    // gone for longer than kRetention are removed.
    void retire_containers(const std::set<std::string>& running, Clock::time_point now);
    // Containers that have series of their own (for tests and status).
    std::size_t container_series() const { return series_.size(); }

  private:
    struct ContainerSeries {
        std::map<std::pair<std::string, std::string>, prometheus::Counter*> counters;
        std::optional<Clock::time_point> gone_since;
    };
    Metrics() = default;
    std::map<std::string, ContainerSeries> series_;
    std::string host_;
    // The endpoint is declared last: it stops (and with it every scrape) before the
    // registry and the series go.
    std::shared_ptr<prometheus::Registry> registry_;
    prometheus::Family<prometheus::Counter>* drift_ = nullptr;
    prometheus::Family<prometheus::Gauge>* containers_ = nullptr;
    prometheus::Counter* reloads_ = nullptr;
    prometheus::Counter* refusals_ = nullptr;
    prometheus::Gauge* events_lost_ = nullptr;
    // driftguard_kernel_total, one series per kernel counter (kernel/counter_names.h)
    std::array<prometheus::Gauge*, DG_COUNTER_MAX> kernel_counters_{};
    std::unique_ptr<HttpEndpoint> endpoint_;
};

}  // namespace driftguard::agent
