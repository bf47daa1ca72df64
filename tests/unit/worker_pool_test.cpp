// The agent's worker pool: jobs run off the calling thread, their completions run on it
// (through the eventfd), a full queue refuses, a failing job is counted and skipped.
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "agent/worker_pool.h"

namespace driftguard::agent {
namespace {

// Waits (at most 5 s) until the pool's eventfd says a job finished, then runs completions.
std::size_t wait_and_complete(WorkerPool& pool) {
    pollfd ready{pool.completion_fd(), POLLIN, 0};
    if (::poll(&ready, 1, 5000) != 1) {
        return 0;
    }
    return pool.run_completions();
}

TEST(WorkerPool, JobsRunOnWorkersAndCompletionsOnTheLoop) {
    WorkerPool pool("test", 2, 8);
    const auto loop_thread = std::this_thread::get_id();
    std::thread::id job_thread;
    std::thread::id completion_thread;
    int result = 0;
    ASSERT_TRUE(pool.submit([&] {
        job_thread = std::this_thread::get_id();
        const int computed = 6 * 7;
        return WorkerPool::Completion([&, computed] {
            completion_thread = std::this_thread::get_id();
            result = computed;
        });
    }));
    EXPECT_EQ(result, 0) << "a completion ran before the loop asked for it";
    std::size_t ran = 0;
    for (int i = 0; i < 10 && ran == 0; ++i) {
        ran = wait_and_complete(pool);
    }
    EXPECT_EQ(ran, 1u);
    EXPECT_EQ(result, 42);
    EXPECT_NE(job_thread, loop_thread);
    EXPECT_EQ(completion_thread, loop_thread);
    EXPECT_EQ(pool.stats().done, 1u);
}

TEST(WorkerPool, AFullQueueRefusesAndCounts) {
    WorkerPool pool("test", 1, 2);
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<bool> started = false;
    ASSERT_TRUE(pool.submit([&, released] {
        started = true;
        released.wait();
        return WorkerPool::Completion();
    }));
    while (!started) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // The one worker is busy: two jobs may wait, the third is refused.
    EXPECT_TRUE(pool.submit([] { return WorkerPool::Completion(); }));
    EXPECT_TRUE(pool.submit([] { return WorkerPool::Completion(); }));
    EXPECT_FALSE(pool.submit([] { return WorkerPool::Completion(); }));
    auto stats = pool.stats();
    EXPECT_EQ(stats.queued, 2u);
    EXPECT_EQ(stats.running, 1u);
    EXPECT_EQ(stats.refused, 1u);
    release.set_value();
}

TEST(WorkerPool, AFailingJobIsCountedAndItsCompletionSkipped) {
    WorkerPool pool("test", 1, 4);
    ASSERT_TRUE(pool.submit(
        []() -> WorkerPool::Completion { throw std::runtime_error("unreadable layer"); }));
    bool second = false;
    ASSERT_TRUE(pool.submit([&] { return WorkerPool::Completion([&] { second = true; }); }));
    for (int i = 0; i < 10 && !second; ++i) {
        wait_and_complete(pool);
    }
    EXPECT_TRUE(second) << "the job after a failing one did not complete";
    EXPECT_EQ(pool.stats().failed, 1u);
}

TEST(WorkerPool, StoppingDropsQueuedJobsAndWaitsForRunningOnes) {
    std::atomic<int> ran = 0;
    {
        WorkerPool pool("test", 1, 16);
        for (int i = 0; i < 10; ++i) {
            pool.submit([&] {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                ++ran;
                return WorkerPool::Completion();
            });
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    EXPECT_GE(ran.load(), 1);
    EXPECT_LT(ran.load(), 10) << "the pool ran every queued job before stopping";
}

TEST(WorkerPool, WorkersBlockEverySignal) {
    // A process-directed signal goes to any thread that does not block it: the agent's
    // SIGHUP and SIGTERM must stay pending for its signalfd, whatever thread made the pool.
    WorkerPool pool("test", 1, 4);
    std::promise<sigset_t> mask;
    ASSERT_TRUE(pool.submit([&] {
        sigset_t current;
        ::pthread_sigmask(SIG_SETMASK, nullptr, &current);
        mask.set_value(current);
        return WorkerPool::Completion();
    }));
    sigset_t seen = mask.get_future().get();
    for (int signal : {SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGCHLD}) {
        EXPECT_EQ(sigismember(&seen, signal), 1) << "a worker takes signal " << signal;
    }
    sigset_t ours;
    ::pthread_sigmask(SIG_SETMASK, nullptr, &ours);
    EXPECT_EQ(sigismember(&ours, SIGHUP), 0) << "making the pool changed the caller's mask";
}

}  // namespace
}  // namespace driftguard::agent
