#include "agent/event_sink.h"

#include <sys/stat.h>

#include <cstdio>

#include <spdlog/spdlog.h>

#include "events/falco_format.h"

namespace driftguard::agent {

EventSink::EventSink(Options options, std::ostream& standard_output)
    : options_(std::move(options)), stdout_(standard_output) {
    if (options_.path == "-") {
        options_.path.clear();
    }
    if (!options_.path.empty()) {
        open();
    }
}

void EventSink::open() {
    file_.open(options_.path, std::ios::out | std::ios::app);
    if (!file_) {
        error_ = "cannot open " + options_.path;
        spdlog::error("events: {}", error_);
        return;
    }
    struct stat info {};
    written_ =
        ::stat(options_.path.c_str(), &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
    ::chmod(options_.path.c_str(), 0600);
}

void EventSink::rotate() {
    file_.close();
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
    if (options_.path.empty()) {
        stdout_ << line << std::flush;
        return;
    }
    if (written_ > 0 && written_ + line.size() > options_.max_bytes) {
        rotate();
    }
    file_ << line << std::flush;
    written_ += line.size();
}

}  // namespace driftguard::agent
