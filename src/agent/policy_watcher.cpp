#include "agent/policy_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <filesystem>

#include "policy/policy_loader.h"

namespace driftguard::agent {

PolicyWatcher::PolicyWatcher(std::string path)
    : path_(std::move(path)), inotify_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    std::filesystem::path directory = std::filesystem::path(path_).parent_path();
    if (directory.empty()) {
        directory = std::filesystem::current_path();
    }
    ::inotify_add_watch(inotify_.get(), directory.c_str(),
                        IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB);
}

bool PolicyWatcher::drain() {
    alignas(inotify_event) std::array<char, 8192> buffer{};
    bool changed = false;
    while (::read(inotify_.get(), buffer.data(), buffer.size()) > 0) {
        changed = true;
    }
    return changed;
}

Result<policy::Policy> PolicyWatcher::load() {
    auto loaded = policy::load_policy_file(path_);
    last_text_digest_ = loaded ? loaded.value().digest : loaded.error().message;
    return loaded;
}

std::optional<Result<policy::Policy>> PolicyWatcher::load_if_changed() {
    const std::string previous = last_text_digest_;
    auto loaded = load();
    if (last_text_digest_ == previous) {
        return std::nullopt;
    }
    return loaded;
}

}  // namespace driftguard::agent
