#include "agent/event_log.h"

#include <algorithm>

namespace driftguard::agent {

void EventLog::append(nlohmann::json event) {
    followers_.erase(
        std::remove_if(followers_.begin(), followers_.end(),
                       [&event](const Follower& follower) { return !follower(event); }),
        followers_.end());
    events_.push_back(std::move(event));
    if (events_.size() > capacity_) {
        events_.pop_front();
    }
}

bool EventLog::concerns(const nlohmann::json& event, const std::string& container) {
    if (container.empty()) {
        return true;
    }
    const auto& about = event.value("container", nlohmann::json::object());
    const std::string id = about.value("id", "");
    return (!id.empty() && id.starts_with(container)) || about.value("name", "") == container ||
           std::to_string(about.value("key", 0U)) == container;
}

std::vector<nlohmann::json> EventLog::recent(const std::string& container,
                                             std::size_t limit) const {
    std::vector<nlohmann::json> matching;
    for (auto it = events_.rbegin(); it != events_.rend() && matching.size() < limit; ++it) {
        if (concerns(*it, container)) {
            matching.push_back(*it);
        }
    }
    std::reverse(matching.begin(), matching.end());
    return matching;
}

}  // namespace driftguard::agent
