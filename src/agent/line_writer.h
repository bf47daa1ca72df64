#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

namespace driftguard::agent {

// Writes lines to a stream that may block (stdout into a pipe whose reader has stopped)
// from a thread of its own, so the caller (the agent's event loop) never waits for the
// reader. At most `max_pending` bytes wait; a line that does not fit is dropped, counted,
// and never cut. The thread blocks every signal (a signal meant for the agent is never
// taken by it).
class LineWriter {
  public:
    LineWriter(std::ostream& out, std::size_t max_pending);
    // Waits up to a second for the pending lines to be written; a writer still stuck in
    // the stream after that is left behind (it owns what it needs).
    ~LineWriter();
    LineWriter(const LineWriter&) = delete;
    LineWriter& operator=(const LineWriter&) = delete;

    // Queues `line` (with its newline); false when it was dropped for lack of room.
    bool write(std::string line);
    std::uint64_t dropped() const;

  private:
    struct Shared {
        Shared(std::ostream& stream, std::size_t limit) : out(stream), max_pending(limit) {}
        std::ostream& out;
        std::size_t max_pending;
        std::mutex mutex;
        std::condition_variable wake;
        std::condition_variable drained;
        std::deque<std::string> lines;
        std::size_t pending_bytes = 0;
        std::uint64_t dropped = 0;
        bool writing = false;
        bool stopping = false;
    };
    static void run(const std::shared_ptr<Shared>& shared);

    std::shared_ptr<Shared> shared_;
    std::thread thread_;
};

}  // namespace driftguard::agent
