#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "common/result.h"
#include "kernel/sensor.h"

namespace driftguard::agent {

// The agent's Prometheus metrics, served on /metrics (prometheus-cpp's pull exposer).
class Metrics {
  public:
    // Listens on `address` ("127.0.0.1:9464"; port 0 picks a free one).
    static Result<std::unique_ptr<Metrics>> serve(const std::string& address,
                                                  const std::string& backend);
    // The address actually bound.
    std::string listening() const;

    // Every drift attempt, repeats included.
    void count_drift(const std::string& verdict, const std::string& kind,
                     const std::string& container);
    void count_policy_reload() { reloads_->Increment(); }
    void count_policy_refusal() { refusals_->Increment(); }
    // Containers by mode, and the kernel's own counters (called once a second).
    void set_containers(const std::map<std::string, std::size_t>& by_mode);
    void set_kernel_counters(const kernel::SensorCounters& counters);

  private:
    Metrics() = default;
    std::string host_;
    std::unique_ptr<prometheus::Exposer> exposer_;
    std::shared_ptr<prometheus::Registry> registry_;
    prometheus::Family<prometheus::Counter>* drift_ = nullptr;
    prometheus::Family<prometheus::Gauge>* containers_ = nullptr;
    prometheus::Counter* reloads_ = nullptr;
    prometheus::Counter* refusals_ = nullptr;
    prometheus::Gauge* execs_ = nullptr;
    prometheus::Gauge* mappings_ = nullptr;
    prometheus::Gauge* dropped_ = nullptr;
    prometheus::Gauge* throttled_ = nullptr;
    prometheus::Gauge* kernel_blocked_ = nullptr;
    prometheus::Gauge* kernel_audited_ = nullptr;
};

}  // namespace driftguard::agent
