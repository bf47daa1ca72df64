#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace driftguard::agent {

// The most recent events, kept in memory for `driftguard events`, and the followers that
// want each new one as it happens. Kept as their JSON text (a few KiB each; a parsed
// nlohmann::json costs about five times that), with what the container filter needs.
class EventLog {
  public:
    using Follower = std::function<bool(const nlohmann::json&)>;  // false: unsubscribe

    explicit EventLog(std::size_t capacity = 1024) : capacity_(capacity) {}

    void append(nlohmann::json event);
    // Events whose container ID, name or key matches `container` ("" for all), oldest
    // first, at most `limit`.
    std::vector<nlohmann::json> recent(const std::string& container, std::size_t limit) const;
    void follow(Follower follower) { followers_.push_back(std::move(follower)); }

    static bool concerns(const nlohmann::json& event, const std::string& container);

  private:
    struct Kept {
        std::string container_id;
        std::string container_name;
        std::string container_key;
        std::string text;
    };
    static bool concerns(const Kept& event, const std::string& container);

    std::size_t capacity_;
    std::deque<Kept> events_;
    std::vector<Follower> followers_;
};

}  // namespace driftguard::agent
