#include "agent/line_writer.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>

namespace driftguard::agent {

LineWriter::LineWriter(std::ostream& out, std::size_t max_pending)
    : shared_(std::make_shared<Shared>(out, max_pending)) {
    // A new thread starts with its creator's signal mask: block every signal around it.
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous);
    thread_ = std::thread([shared = shared_] { run(shared); });
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

LineWriter::~LineWriter() {
    std::unique_lock lock(shared_->mutex);
    shared_->stopping = true;
    shared_->wake.notify_all();
    const bool done = shared_->drained.wait_for(lock, std::chrono::seconds(1), [this] {
        return shared_->lines.empty() && !shared_->writing;
    });
    lock.unlock();
    if (done) {
        thread_.join();
    } else {
        thread_.detach();  // stuck in a write nobody reads: it keeps `shared_` alive
    }
}

bool LineWriter::write(std::string line) {
    std::lock_guard lock(shared_->mutex);
    if (shared_->pending_bytes + line.size() > shared_->max_pending) {
        ++shared_->dropped;
        return false;
    }
    shared_->pending_bytes += line.size();
    shared_->lines.push_back(std::move(line));
    shared_->wake.notify_one();
    return true;
}

std::uint64_t LineWriter::dropped() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->dropped;
}

void LineWriter::run(const std::shared_ptr<Shared>& shared) {
    std::unique_lock lock(shared->mutex);
    while (true) {
        shared->wake.wait(lock, [&] { return shared->stopping || !shared->lines.empty(); });
        if (shared->lines.empty()) {
            shared->drained.notify_all();
            return;  // stopping, nothing left
        }
        std::string line = std::move(shared->lines.front());
        shared->lines.pop_front();
        shared->writing = true;
        lock.unlock();
        shared->out << line << std::flush;  // may block for as long as the reader waits
        lock.lock();
        shared->writing = false;
        shared->pending_bytes -= line.size();
        if (shared->lines.empty()) {
            shared->drained.notify_all();
        }
    }
}

}  // namespace driftguard::agent
