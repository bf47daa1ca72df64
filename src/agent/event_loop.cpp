#include "agent/event_loop.h"

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

void EventLoop::run(
    const std::function<std::optional<std::chrono::milliseconds>()>& idle_timeout,
    const Handler& on_idle) {
    std::array<epoll_event, 32> ready{};
    while (!stopping_) {
        const auto timeout = idle_timeout();
        const int count = ::epoll_wait(epoll_.get(), ready.data(), static_cast<int>(ready.size()),
                                       timeout ? static_cast<int>(timeout->count()) : -1);
        if (count == 0) {
            on_idle();
            continue;
        }
        for (int i = 0; i < count && !stopping_; ++i) {
            // Looked up for each event: a handler may have replaced another's.
            if (auto handler = handlers_.find(ready[i].data.fd); handler != handlers_.end()) {
                Handler run_it = handler->second;  // may replace itself while running
                run_it();
            }
        }
    }
}

}  // namespace driftguard::agent
