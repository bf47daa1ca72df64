#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/unique_fd.h"

namespace driftguard::agent {

// Runs the agent's slow work (image inventories, runtime metadata, hashing, walking a
// writable layer) on a few threads, so the event loop only dispatches. A job runs on a
// worker and returns what is then to be done on the loop (a completion); the loop learns
// of finished jobs through `completion_fd()` (an eventfd) and runs their completions in
// `run_completions()`, in the order the jobs finished. Nothing but the job touches the
// job's inputs while it runs: a job takes copies (or shared, immutable data), and its
// completion checks that what it is about still exists.
//
// The queue is bounded: `submit` refuses a job when `max_queued` wait already, and the
// caller decides what to do without it. A job that throws is logged and its completion
// skipped.
class WorkerPool {
  public:
    using Completion = std::function<void()>;
    using Job = std::function<Completion()>;

    WorkerPool(std::string name, unsigned threads, std::size_t max_queued);
    // Waits for running jobs; jobs still queued are dropped with their completions.
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    bool submit(Job job);
    int completion_fd() const { return completions_fd_.get(); }
    // Runs the completions of the jobs finished so far. Returns how many ran.
    std::size_t run_completions();

    struct Stats {
        std::size_t queued = 0;
        std::size_t running = 0;
        std::uint64_t done = 0;
        std::uint64_t refused = 0;  // submitted while the queue was full
        std::uint64_t failed = 0;   // threw
    };
    Stats stats() const;
    const std::string& name() const { return name_; }

  private:
    void work();

    std::string name_;
    std::size_t max_queued_;
    UniqueFd completions_fd_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    std::vector<Completion> finished_;
    Stats stats_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

// A pool's counts as `driftguard status` shows them under "workers".
inline nlohmann::json stats_json(const WorkerPool& pool) {
    const auto stats = pool.stats();
    return {{"queued", stats.queued},
            {"running", stats.running},
            {"done", stats.done},
            {"refused", stats.refused},
            {"failed", stats.failed}};
}

}  // namespace driftguard::agent
