#include "agent/flood_control.h"

#include <cstring>

#include "common/utc_time.h"

namespace driftguard::agent {
namespace {

constexpr std::size_t kMaxBursts = 4096;

}  // namespace

FloodControl::Key FloodControl::key_of(const dg_event& event) {
    return {event.container_dev, event.container_identity,
            event.hook,          event.kind,
            event.verdict,       event.file_dev,
            event.file_ino,      std::string(event.path, strnlen(event.path, sizeof(event.path)))};
}

bool FloodControl::admit(const dg_event& event, Clock::time_point now) {
    auto found = bursts_.find(key_of(event));
    if (found == bursts_.end()) {
        if (bursts_.size() >= kMaxBursts) {
            return true;  // too many distinct files at once: report each in full
        }
        Burst burst;
        burst.first_seen = burst.last_seen = now;
        burst.first_seen_wall = burst.last_seen_wall = std::chrono::system_clock::now();
        bursts_.emplace(key_of(event), std::move(burst));
        return true;
    }
    Burst& burst = found->second;
    burst.last_seen = now;
    burst.last_seen_wall = std::chrono::system_clock::now();
    ++burst.repeats;
    ++suppressed_;
    return false;
}

void FloodControl::remember(const dg_event& event, const nlohmann::json& reported) {
    auto found = bursts_.find(key_of(event));
    if (found != bursts_.end()) {
        found->second.reported = reported;
    }
}

std::vector<nlohmann::json> FloodControl::flush(Clock::time_point now, bool all) {
    std::vector<nlohmann::json> summaries;
    for (auto it = bursts_.begin(); it != bursts_.end();) {
        Burst& burst = it->second;
        const bool quiet = now - burst.last_seen >= quiet_;
        const bool long_running = now - burst.first_seen >= period_;
        if (!all && !quiet && !long_running) {
            ++it;
            continue;
        }
        if (burst.repeats > 0 && !burst.reported.is_null()) {
            nlohmann::json summary = burst.reported;
            summary["repeat"] = {{"count", burst.repeats},
                                 {"first_seen", utc_microseconds(burst.first_seen_wall)},
                                 {"last_seen", utc_microseconds(burst.last_seen_wall)}};
            summaries.push_back(std::move(summary));
        }
        if (quiet || all) {
            it = bursts_.erase(it);
        } else {
            burst.repeats = 0;  // still going: a new period starts
            burst.first_seen = now;
            burst.first_seen_wall = burst.last_seen_wall;
            ++it;
        }
    }
    return summaries;
}

}  // namespace driftguard::agent
