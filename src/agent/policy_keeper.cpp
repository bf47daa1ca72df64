#include "agent/policy_keeper.h"

#include "common/utc_time.h"

#include "events/event_json.h"

namespace driftguard::agent {

Result<PolicyKeeper> PolicyKeeper::start(const std::string& path, dg_mode mode) {
    PolicyKeeper keeper;
    keeper.path_ = path;
    keeper.loaded_at_ = std::chrono::system_clock::now();
    if (path.empty()) {
        keeper.current_.default_mode = mode;
        return keeper;
    }
    keeper.watcher_.emplace(path);
    auto loaded = keeper.watcher_->load();
    if (!loaded) {
        return loaded.error();
    }
    keeper.current_ = std::move(loaded.value());
    return keeper;
}

PolicyKeeper::Outcome PolicyKeeper::reload() {
    if (!watcher_) {
        return Outcome::no_file;
    }
    auto changed = watcher_->load_if_changed();
    if (!changed) {
        return Outcome::unchanged;  // the same text as last time
    }
    auto& loaded = *changed;
    if (!loaded) {
        ++refusals_;
        last_refusal_ = loaded.error().message;
        return Outcome::refused;
    }
    if (loaded.value().digest == current_.digest) {
        return Outcome::unchanged;
    }
    current_ = std::move(loaded.value());
    loaded_at_ = std::chrono::system_clock::now();
    ++reloads_;
    return Outcome::applied;
}

nlohmann::json PolicyKeeper::to_json() const {
    nlohmann::json json = {
        {"file", path_},
        {"sha256", current_.digest},
        {"default_mode", events::mode_name(current_.default_mode)},
        {"rules", current_.rules.size()},
        {"exceptions", current_.exceptions.size()},
        {"loaded_at", utc_seconds(loaded_at_)},
        {"reloads", reloads_},
        {"refusals", refusals_},
    };
    if (!last_refusal_.empty()) {
        json["last_refusal"] = last_refusal_;
    }
    return json;
}

}  // namespace driftguard::agent
