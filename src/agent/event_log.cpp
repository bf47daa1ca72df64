#include "agent/event_log.h"

#include <algorithm>

namespace driftguard::agent {

void EventLog::append(nlohmann::json event) {
    followers_.erase(
        std::remove_if(followers_.begin(), followers_.end(),
                       [&event](const Follower& follower) { return !follower(event); }),
        followers_.end());
    const auto& about = event.value("container", nlohmann::json::object());
    events_.push_back(Kept{about.value("id", ""), about.value("name", ""),
                           std::to_string(about.value("key", 0U)),
                           event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
    if (events_.size() > capacity_) {
        events_.pop_front();
    }
}

bool EventLog::concerns(const nlohmann::json& event, const std::string& container) {
    if (container.empty()) {
        return true;
    }
    const auto& about = event.value("container", nlohmann::json::object());
    return concerns(Kept{about.value("id", ""), about.value("name", ""),
                         std::to_string(about.value("key", 0U)), ""},
                    container);
}

bool EventLog::concerns(const Kept& event, const std::string& container) {
    return container.empty() ||
           (!event.container_id.empty() && event.container_id.starts_with(container)) ||
           event.container_name == container || event.container_key == container;
}

std::vector<nlohmann::json> EventLog::recent(const std::string& container,
                                             std::size_t limit) const {
    std::vector<nlohmann::json> matching;
    for (auto it = events_.rbegin(); it != events_.rend() && matching.size() < limit; ++it) {
        if (concerns(*it, container)) {
            matching.push_back(nlohmann::json::parse(it->text));
        }
    }
    std::reverse(matching.begin(), matching.end());
    return matching;
}

}  // namespace driftguard::agent
