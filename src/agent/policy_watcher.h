#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "common/unique_fd.h"
#include "policy/policy.h"

namespace driftguard::agent {

// Watches the policy file for changes. The directory that holds it is watched, not the
// file: editors replace files by rename, and a Kubernetes ConfigMap volume swaps a
// "..data" symlink to a new directory, neither of which an inotify watch on the file
// itself would see. Any change in the directory leads to a re-read; a policy whose text
// did not change is not applied again.
class PolicyWatcher {
  public:
    explicit PolicyWatcher(std::string path);

    int watch_fd() const { return inotify_.get(); }
    // Drains the inotify events; true when the directory changed.
    bool drain();
    // Reads and parses the file. The caller keeps its current policy on an error.
    Result<policy::Policy> load();
    // Like load(), but nothing when the file's text is the one read last time (a burst of
    // directory events, or a refused file that has not been fixed yet).
    std::optional<Result<policy::Policy>> load_if_changed();

  private:
    std::string path_;
    UniqueFd inotify_;
    std::string last_text_digest_;
};

}  // namespace driftguard::agent
