#include "agent/agent_health.h"

#include <fmt/format.h>

namespace driftguard::agent {

HttpEndpoint::Response AgentHealth::liveness(Clock::time_point now) const {
    const auto since_beat = now - Clock::time_point(Clock::duration(last_beat_.load()));
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_beat).count();
    if (since_beat > kStallLimit) {
        return {.status = 503,
                .body = fmt::format("stalled: the event loop has not run for {} s\n", seconds)};
    }
    return {.body = "ok\n"};
}

HttpEndpoint::Response AgentHealth::readiness(Clock::time_point now) const {
    auto live = liveness(now);
    if (live.status != 200) {
        return live;
    }
    if (!ready_.load()) {
        return {.status = 503, .body = "starting: the running containers are not known yet\n"};
    }
    return {.body = "ready\n"};
}

}  // namespace driftguard::agent
