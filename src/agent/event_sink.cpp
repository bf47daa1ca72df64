#include "agent/event_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

#include "events/falco_format.h"

namespace driftguard::agent {

EventSink::EventSink(Options options, std::ostream& standard_output)
    : options_(std::move(options)) {
    if (options_.path == "-") {
        options_.path.clear();
    }
    if (options_.path.empty() || options_.also_stdout) {
        stdout_ = std::make_unique<LineWriter>(standard_output, kMaxPendingStdout);
    }
    if (!options_.path.empty()) {
        open();
    }
}

void EventSink::open() {
    file_.reset(::open(options_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    if (!file_) {
        error_ = "cannot open " + options_.path + ": " + std::strerror(errno);
        if (!failing_) {
            spdlog::error("events: {}", error_);
        }
        return;
    }
    error_.clear();
    struct stat info {};
    written_ = ::fstat(file_.get(), &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
    (void)::fchmod(file_.get(), 0600);
}

bool EventSink::write_all(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t wrote = ::write(file_.get(), data.data() + done, data.size() - done);
        if (wrote < 0 && errno == EINTR) {
            continue;
        }
        if (wrote <= 0) {
            line_cut_ = done > 0 || line_cut_;
            if (!failing_) {
                spdlog::error(
                    "events: cannot write {}: {}; events are lost until it can be written again "
                    "(counted as events_lost; enforcement is unaffected)",
                    options_.path, std::strerror(wrote < 0 ? errno : ENOSPC));
            }
            return false;
        }
        done += static_cast<std::size_t>(wrote);
        written_ += static_cast<std::uint64_t>(wrote);
    }
    line_cut_ = false;
    return true;
}

void EventSink::rotate() {
    file_.reset();
    line_cut_ = false;
    for (unsigned i = options_.keep; i > 0; --i) {
        const std::string from =
            i == 1 ? options_.path : options_.path + "." + std::to_string(i - 1);
        // Missing older files (fewer rotations so far) are not an error.
        (void)std::rename(from.c_str(), (options_.path + "." + std::to_string(i)).c_str());
    }
    if (options_.keep == 0) {
        (void)std::remove(options_.path.c_str());
    }
    open();
}

void EventSink::write(const nlohmann::json& event) {
    const std::string line = (options_.format == Format::falco ? events::to_falco(event) : event)
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                             "\n";
    if (stdout_ && !stdout_->write(line) && options_.path.empty()) {
        // lost unless the file below has it; logged once per run of losses
        ++lost_;
        if (lost_since_logged_++ == 0) {
            spdlog::error(
                "events: stdout is not being read ({} bytes wait); events are lost until it is "
                "(counted as events_lost; enforcement is unaffected)",
                kMaxPendingStdout);
        }
    }
    if (options_.path.empty()) {
        return;
    }
    if (written_ > 0 && written_ + line.size() > options_.max_bytes) {
        rotate();
    } else if (!file_) {
        open();  // it could not be opened again after a rotation: try once more
    }
    const bool written = file_ && (!line_cut_ || write_all("\n")) && write_all(line);
    if (!written) {
        ++lost_;
        ++lost_since_logged_;
        failing_ = true;
        return;
    }
    if (failing_) {
        spdlog::info("events: writing {} again; {} events were lost meanwhile", options_.path,
                     lost_since_logged_);
        failing_ = false;
        lost_since_logged_ = 0;
    }
}

}  // namespace driftguard::agent
