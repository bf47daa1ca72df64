#pragma once

#include <atomic>
#include <chrono>

#include "agent/http_endpoint.h"

namespace driftguard::agent {

// What the kubelet's probes ask (/healthz, /readyz). The event loop beats once a second
// (its timer); the HTTP threads only read.
//  - live: the loop beat within kStallLimit. A loop stuck longer is a hung agent: restart
//    it (enforcement stays in the kernel meanwhile: the sensor is pinned).
//  - ready: live, and the first look at the running containers is done, so `status` and
//    events name them.
class AgentHealth {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds kStallLimit{15};

    void beat(Clock::time_point now) { last_beat_.store(now.time_since_epoch().count()); }
    void set_ready() { ready_.store(true); }

    HttpEndpoint::Response liveness(Clock::time_point now) const;
    HttpEndpoint::Response readiness(Clock::time_point now) const;

  private:
    std::atomic<Clock::rep> last_beat_{Clock::now().time_since_epoch().count()};
    std::atomic<bool> ready_{false};
};

}  // namespace driftguard::agent
