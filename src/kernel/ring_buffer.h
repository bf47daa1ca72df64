#pragma once

#include <bpf/libbpf.h>

#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "common/result.h"
#include "kernel/libbpf_error.h"

namespace driftguard::kernel {

// Owns a libbpf ring_buffer consumer over one BPF ring-buffer map and calls `handler`
// with each record's bytes.
class RingBuffer {
  public:
    using Handler = std::function<void(std::span<const std::byte>)>;

    static Result<RingBuffer> open(int map_fd, Handler handler, std::string_view name) {
        auto state = std::make_unique<Handler>(std::move(handler));
        ring_buffer* raw = ring_buffer__new(map_fd, &RingBuffer::dispatch, state.get(), nullptr);
        if (raw == nullptr) {
            return libbpf_error("open ring buffer", name, -errno);
        }
        return RingBuffer(raw, std::move(state));
    }

    // Waits up to `timeout_ms` for records and handles them; returns how many.
    Result<int> poll(int timeout_ms) {
        int handled = ring_buffer__poll(buffer_.get(), timeout_ms);
        if (handled < 0 && handled != -EINTR) {
            return libbpf_error("poll", "ring buffer", handled);
        }
        return handled < 0 ? 0 : handled;
    }

    // For callers with their own epoll loop: readable when records are waiting.
    int epoll_fd() const { return ring_buffer__epoll_fd(buffer_.get()); }
    // Handles every waiting record without blocking.
    Result<int> consume() {
        int handled = ring_buffer__consume(buffer_.get());
        if (handled < 0) {
            return libbpf_error("consume", "ring buffer", handled);
        }
        return handled;
    }

  private:
    struct Deleter {
        void operator()(ring_buffer* buffer) const { ring_buffer__free(buffer); }
    };
    RingBuffer(ring_buffer* raw, std::unique_ptr<Handler> handler)
        : handler_(std::move(handler)), buffer_(raw) {}

    static int dispatch(void* context, void* data, size_t size) {
        (*static_cast<Handler*>(context))(std::span(static_cast<const std::byte*>(data), size));
        return 0;
    }

    std::unique_ptr<Handler> handler_;
    std::unique_ptr<ring_buffer, Deleter> buffer_;
};

}  // namespace driftguard::kernel
