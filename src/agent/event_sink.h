#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/line_writer.h"
#include "common/unique_fd.h"

namespace driftguard::agent {

// Where reported events go: one JSON line each, to stdout or to a file rotated by size
// (FILE, FILE.1, … FILE.<keep>; the oldest is dropped), or both, in driftguard's own schema
// or in Falco's shape. Stdout is written from a thread of its own (LineWriter), so a
// reader that stops reading never stalls the agent: past kMaxPendingStdout bytes waiting,
// events are lost to stdout, counted.
//
// A write that fails (the filesystem is full, an I/O error) loses that event, never
// blocks or stops the agent, and is counted in lost(); the failure is logged once, and
// once more when writes succeed again. A line cut short by a full disk is ended before
// the next one, so a reader never sees two events run together. Enforcement never
// depends on this file: the kernel has already judged every event written here.
class EventSink {
  public:
    enum class Format { driftguard, falco };
    struct Options {
        std::string path;          // "" or "-": stdout
        bool also_stdout = false;  // with a path: each line to stdout as well
        std::uint64_t max_bytes = 64ULL << 20;
        unsigned keep = 5;
        Format format = Format::driftguard;
    };

    static constexpr std::size_t kMaxPendingStdout = 8U << 20;

    EventSink(Options options, std::ostream& standard_output);
    void write(const nlohmann::json& event);
    const std::string& error() const { return error_; }
    std::uint64_t lost() const { return lost_; }

  private:
    void open();
    void rotate();
    bool write_all(const std::string& data);

    Options options_;
    std::unique_ptr<LineWriter> stdout_;
    UniqueFd file_;
    std::uint64_t written_ = 0;
    std::uint64_t lost_ = 0;
    std::uint64_t lost_since_logged_ = 0;
    bool failing_ = false;
    bool line_cut_ = false;  // the last write ended inside a line
    std::string error_;
};

}  // namespace driftguard::agent
