#pragma once

#include <cstdint>
#include <fstream>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

namespace driftguard::agent {

// Where reported events go: one JSON line each, to stdout or to a file rotated by size
// (FILE, FILE.1, … FILE.<keep>; the oldest is dropped), in driftguard's own schema or in
// Falco's shape.
class EventSink {
  public:
    enum class Format { driftguard, falco };
    struct Options {
        std::string path;  // "" or "-": stdout
        std::uint64_t max_bytes = 64ULL << 20;
        unsigned keep = 5;
        Format format = Format::driftguard;
    };

    EventSink(Options options, std::ostream& standard_output);
    void write(const nlohmann::json& event);
    const std::string& error() const { return error_; }

  private:
    void open();
    void rotate();

    Options options_;
    std::ostream& stdout_;
    std::ofstream file_;
    std::uint64_t written_ = 0;
    std::string error_;
};

}  // namespace driftguard::agent
