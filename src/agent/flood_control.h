#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "driftguard/abi.h"

namespace driftguard::agent {

// Keeps an attacker who loops a blocked exec from flooding the event log. The kernel
// still judges (and kills) every attempt; only the reporting is aggregated: the first
// event of a kind (same container, hook, kind, verdict, file and path) is reported in full, the
// repeats that follow are counted, and when they stop for `quiet` (or every `period`
// while they go on) one summary event carries the count and the first and last time.
class FloodControl {
  public:
    using Clock = std::chrono::steady_clock;

    FloodControl(std::chrono::seconds quiet = std::chrono::seconds(5),
                 std::chrono::seconds period = std::chrono::seconds(60))
        : quiet_(quiet), period_(period) {}

    // True when `event` is to be reported in full; false when it is a counted repeat.
    bool admit(const dg_event& event, Clock::time_point now);
    // Remembers the full report of an admitted event, to repeat it in the summary.
    void remember(const dg_event& event, const nlohmann::json& reported);
    // Summaries of repeats that went quiet or lasted a period; `all` at shutdown.
    std::vector<nlohmann::json> flush(Clock::time_point now, bool all = false);
    std::uint64_t suppressed() const { return suppressed_; }

  private:
    // The container is its key and its identity: the kernel reuses overlay device numbers,
    // and the next container's first drift is no repeat of the last one's.
    using Key = std::tuple<std::uint32_t, std::uint64_t, std::uint16_t, std::uint16_t, std::uint8_t,
                           std::uint32_t, std::uint64_t, std::string>;
    struct Burst {
        Clock::time_point first_seen;
        Clock::time_point last_seen;
        std::chrono::system_clock::time_point first_seen_wall;
        std::chrono::system_clock::time_point last_seen_wall;
        std::uint64_t repeats = 0;
        nlohmann::json reported;
    };
    static Key key_of(const dg_event& event);

    std::chrono::seconds quiet_;
    std::chrono::seconds period_;
    std::map<Key, Burst> bursts_;
    std::uint64_t suppressed_ = 0;
};

}  // namespace driftguard::agent
