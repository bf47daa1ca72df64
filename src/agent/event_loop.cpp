#include "agent/event_loop.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>

namespace driftguard::agent {

EventLoop::EventLoop() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_) {
        throw std::runtime_error("epoll_create1 failed");
    }
}

void EventLoop::watch(int fd, Handler handler, std::uint32_t events) {
    if (fd < 0) {
        return;
    }
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0 && errno == EEXIST) {
        (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event);
    }
    handlers_[fd] = std::move(handler);
}

void EventLoop::run(const std::function<std::optional<std::chrono::milliseconds>()>& idle_timeout,
                    const Handler& on_idle) {
    using Clock = std::chrono::steady_clock;
    std::array<epoll_event, 32> ready{};
    std::optional<Clock::time_point> idle_at;  // when on_idle is due
    while (!stopping_) {
        if (const auto idle = idle_timeout(); !idle) {
            idle_at.reset();
        } else if (!idle_at) {
            idle_at = Clock::now() + *idle;
        }
        int timeout = -1;
        if (!deferred_.empty()) {
            timeout = 0;  // deferred work waits for nothing but what is ready now
        } else if (idle_at) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(*idle_at - Clock::now());
            timeout = static_cast<int>(std::max<std::int64_t>(0, left.count()));
        }
        const int count =
            ::epoll_wait(epoll_.get(), ready.data(), static_cast<int>(ready.size()), timeout);
        for (int i = 0; i < count && !stopping_; ++i) {
            // Looked up for each event: a handler may have replaced another's.
            if (auto handler = handlers_.find(ready[i].data.fd); handler != handlers_.end()) {
                Handler run_it = handler->second;  // may replace itself while running
                run_it();
            }
        }
        std::vector<Handler> tasks;
        tasks.swap(deferred_);
        for (auto& task : tasks) {
            if (!stopping_) {
                task();
            }
        }
        if (idle_at && Clock::now() >= *idle_at && !stopping_) {
            idle_at.reset();
            on_idle();
        }
    }
}

}  // namespace driftguard::agent
