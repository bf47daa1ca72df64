#include "agent/worker_pool.h"

#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <exception>
#include <stdexcept>

#include <spdlog/spdlog.h>

namespace driftguard::agent {

WorkerPool::WorkerPool(std::string name, unsigned threads, std::size_t max_queued)
    : name_(std::move(name)),
      max_queued_(max_queued),
      completions_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!completions_fd_) {
        throw std::runtime_error("eventfd for the " + name_ + " workers failed");
    }
    // Workers take no signals: a process-directed SIGTERM or SIGHUP is delivered to any
    // thread that does not block it, and must reach the agent's signalfd, not kill the
    // agent from a worker. A new thread starts with its creator's mask.
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous);
    for (unsigned i = 0; i < threads; ++i) {
        threads_.emplace_back([this] { work(); });
    }
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        jobs_.clear();
    }
    wake_.notify_all();
    for (auto& thread : threads_) {
        thread.join();
    }
}

bool WorkerPool::submit(Job job) {
    {
        std::lock_guard lock(mutex_);
        if (jobs_.size() >= max_queued_) {
            ++stats_.refused;
            return false;
        }
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

void WorkerPool::work() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) {
                return;
            }
            job = std::move(jobs_.front());
            jobs_.pop_front();
            ++stats_.running;
        }
        Completion completion;
        bool failed = false;
        try {
            completion = job();
        } catch (const std::exception& error) {
            spdlog::error("{} worker: a job failed: {}", name_, error.what());
            failed = true;
        }
        {
            std::lock_guard lock(mutex_);
            --stats_.running;
            ++(failed ? stats_.failed : stats_.done);
            if (completion) {
                finished_.push_back(std::move(completion));
            }
        }
        const std::uint64_t one = 1;
        (void)::write(completions_fd_.get(), &one, sizeof(one));
    }
}

std::size_t WorkerPool::run_completions() {
    std::uint64_t count = 0;
    (void)::read(completions_fd_.get(), &count, sizeof(count));
    std::vector<Completion> ready;
    {
        std::lock_guard lock(mutex_);
        ready.swap(finished_);
    }
    for (auto& completion : ready) {
        completion();
    }
    return ready.size();
}

WorkerPool::Stats WorkerPool::stats() const {
    std::lock_guard lock(mutex_);
    Stats copy = stats_;
    copy.queued = jobs_.size();
    return copy;
}

}  // namespace driftguard::agent
