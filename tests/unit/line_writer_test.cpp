// LineWriter: the agent's stdout never stalls its caller, however slow the reader.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <string>

#include "agent/line_writer.h"

namespace driftguard::agent {
namespace {

// A stream whose writes wait until the test opens it, as a pipe nobody reads does.
class GatedBuffer : public std::streambuf {
  public:
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        wake_.notify_all();
    }
    std::string text() {
        std::lock_guard lock(mutex_);
        return text_;
    }

  protected:
    std::streamsize xsputn(const char* data, std::streamsize size) override {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return open_; });
        text_.append(data, static_cast<std::size_t>(size));
        return size;
    }
    int_type overflow(int_type c) override {
        if (c != traits_type::eof()) {
            const char ch = traits_type::to_char_type(c);
            xsputn(&ch, 1);
        }
        return c;
    }

  private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool open_ = false;
    std::string text_;
};

TEST(LineWriter, AStalledReaderNeverBlocksTheCallerAndLossesAreCounted) {
    GatedBuffer buffer;
    std::ostream out(&buffer);
    {
        LineWriter writer(out, 64);
        const auto start = std::chrono::steady_clock::now();
        int accepted = 0;
        for (int i = 0; i < 100; ++i) {
            accepted += writer.write("line " + std::to_string(i) + "\n") ? 1 : 0;
        }
        EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
        EXPECT_GT(accepted, 0);
        EXPECT_LT(accepted, 100);
        EXPECT_EQ(writer.dropped(), static_cast<std::uint64_t>(100 - accepted));
        buffer.open();
    }
    // Whole lines only, in order, starting with the first.
    std::istringstream lines(buffer.text());
    std::string line;
    int expected = 0;
    while (std::getline(lines, line)) {
        EXPECT_EQ(line, "line " + std::to_string(expected++));
    }
    EXPECT_GT(expected, 0);
}

TEST(LineWriter, EveryLineArrivesWhenTheReaderKeepsUp) {
    std::ostringstream out;
    {
        LineWriter writer(out, 1 << 20);
        for (int i = 0; i < 1000; ++i) {
            ASSERT_TRUE(writer.write(std::to_string(i) + "\n"));
        }
    }
    std::istringstream lines(out.str());
    std::string line;
    int expected = 0;
    while (std::getline(lines, line)) {
        ASSERT_EQ(line, std::to_string(expected++));
    }
    EXPECT_EQ(expected, 1000);
}

}  // namespace
}  // namespace driftguard::agent
