#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/policy_watcher.h"
#include "common/result.h"
#include "policy/policy.h"

namespace driftguard::agent {

// The policy in force and its history: loaded at start, re-read when its file changes or
// on SIGHUP; a refused text leaves the policy in force as it was.
class PolicyKeeper {
  public:
    // With `path` empty, every container gets `mode` and nothing is watched.
    static Result<PolicyKeeper> start(const std::string& path, dg_mode mode);

    const policy::Policy& current() const { return current_; }
    // Readable when the policy file's directory changed (-1 without a file).
    int watch_fd() const { return watcher_ ? watcher_->watch_fd() : -1; }
    // Drains the directory's events; true when something changed.
    bool drain() { return watcher_ && watcher_->drain(); }

    enum class Outcome { no_file, unchanged, applied, refused };
    Outcome reload();
    const std::string& last_refusal() const { return last_refusal_; }

    // For `status`.
    nlohmann::json to_json() const;

  private:
    std::string path_;
    policy::Policy current_;
    std::optional<PolicyWatcher> watcher_;
    std::chrono::system_clock::time_point loaded_at_;
    std::uint64_t reloads_ = 0;
    std::uint64_t refusals_ = 0;
    std::string last_refusal_;
};

}  // namespace driftguard::agent
