#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/unique_fd.h"

namespace driftguard::agent {

// The agent's one loop: each file descriptor registers the handler that reads it, and the
// loop only dispatches. Slow work belongs on a WorkerPool, whose completion eventfd is
// registered here like any other descriptor.
class EventLoop {
  public:
    using Handler = std::function<void()>;
    EventLoop();

    // Calls `handler` whenever `fd` is ready for `events` (EPOLLIN, or EPOLLPRI for the
    // mount table). A descriptor registered again gets the new handler: descriptor
    // numbers are reused after a close, which also removes them from epoll.
    void watch(int fd, Handler handler, std::uint32_t events = EPOLLIN);
    // Runs `task` once after the descriptors ready now have been handled: long work done
    // in slices (a slice that defers the next) lets every other descriptor in between.
    void defer(Handler task) { deferred_.push_back(std::move(task)); }
    // Dispatches until stop(). `idle_timeout` is asked before each wait: in how long
    // `on_idle` is due (nullopt: never); it runs once that time has passed, however busy
    // the descriptors are.
    void run(const std::function<std::optional<std::chrono::milliseconds>()>& idle_timeout,
             const Handler& on_idle);
    void stop() { stopping_ = true; }

  private:
    UniqueFd epoll_;
    std::unordered_map<int, Handler> handlers_;
    std::vector<Handler> deferred_;
    bool stopping_ = false;
};

}  // namespace driftguard::agent
