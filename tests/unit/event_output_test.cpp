// Event output pieces without a kernel: flood aggregation, the events file's rotation,
// the Falco shape, argv splitting.
#include <gtest/gtest.h>

#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/event_enricher.h"
#include "agent/event_sink.h"
#include "agent/flood_control.h"
#include "common/utc_time.h"
#include "events/event_json.h"
#include "events/falco_format.h"

namespace driftguard::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

dg_event drift(std::uint64_t ino, const char* path) {
    dg_event event{};
    event.container_dev = 43;
    event.hook = DG_HOOK_EXEC;
    event.kind = DG_KIND_UPPER;
    event.verdict = DG_VERDICT_KILL;
    event.file_ino = ino;
    std::snprintf(event.path, sizeof(event.path), "%s", path);
    return event;
}

TEST(FloodControl, FirstReportedRepeatsCountedThenOneSummary) {
    FloodControl flood(5s, 60s);
    const auto start = FloodControl::Clock::now();
    ASSERT_TRUE(flood.admit(drift(1, "/tmp/m"), start));
    flood.remember(drift(1, "/tmp/m"), {{"file", {{"path", "/tmp/m"}}}});
    for (int i = 1; i <= 99; ++i) {
        EXPECT_FALSE(flood.admit(drift(1, "/tmp/m"), start + std::chrono::milliseconds(i)));
    }
    // Another file, or the same inode by another path, is its own event.
    EXPECT_TRUE(flood.admit(drift(2, "/tmp/m"), start));
    EXPECT_TRUE(flood.admit(drift(1, "/tmp/hardlink"), start));
    EXPECT_TRUE(flood.flush(start + 1s).empty());  // still going
    const auto summaries = flood.flush(start + 6s);
    ASSERT_EQ(summaries.size(), 1U);
    EXPECT_EQ(summaries[0]["repeat"]["count"], 99);
    EXPECT_EQ(summaries[0]["file"]["path"], "/tmp/m");
    EXPECT_EQ(flood.suppressed(), 99U);
    EXPECT_TRUE(flood.admit(drift(1, "/tmp/m"), start + 7s));  // a new burst is reported again
}

TEST(FloodControl, ANewContainerOnAReusedKeyIsNoRepeat) {
    // The kernel reuses overlay device numbers: the next container on key 43 drops the same
    // path, and its upper filesystem may hand out the freed inode number again.
    FloodControl flood(5s, 60s);
    const auto start = FloodControl::Clock::now();
    dg_event first = drift(7, "/tmp/dropped");
    first.container_identity = 1001;
    dg_event next = drift(7, "/tmp/dropped");
    next.container_identity = 1002;
    EXPECT_TRUE(flood.admit(first, start));
    EXPECT_TRUE(flood.admit(next, start + 1s)) << "another container's drift was taken as a repeat";
    EXPECT_FALSE(flood.admit(next, start + 2s));
}

TEST(FloodControl, LongBurstsAreSummarisedEveryPeriod) {
    FloodControl flood(5s, 60s);
    const auto start = FloodControl::Clock::now();
    flood.admit(drift(1, "/x"), start);
    flood.remember(drift(1, "/x"), {{"n", 1}});
    for (int second = 1; second <= 61; ++second) {
        flood.admit(drift(1, "/x"), start + std::chrono::seconds(second));
    }
    const auto summaries = flood.flush(start + 61s);
    ASSERT_EQ(summaries.size(), 1U);
    EXPECT_EQ(summaries[0]["repeat"]["count"], 61);
    flood.admit(drift(1, "/x"), start + 62s);
    EXPECT_FALSE(flood.admit(drift(1, "/x"), start + 62s)) << "the burst goes on after a summary";
}

TEST(EventSink, RotatesBySizeKeepingTheNewest) {
    const fs::path dir = fs::temp_directory_path() / ("dg-sink-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ostringstream unused;
    {
        EventSink sink({.path = (dir / "events.jsonl").string(), .max_bytes = 200, .keep = 2},
                       unused);
        for (int i = 0; i < 20; ++i) {
            sink.write({{"n", i}, {"padding", std::string(40, 'x')}});
        }
    }
    EXPECT_TRUE(fs::exists(dir / "events.jsonl"));
    EXPECT_TRUE(fs::exists(dir / "events.jsonl.1"));
    EXPECT_TRUE(fs::exists(dir / "events.jsonl.2"));
    EXPECT_FALSE(fs::exists(dir / "events.jsonl.3"));
    EXPECT_LE(fs::file_size(dir / "events.jsonl"), 200U);
    std::ifstream newest(dir / "events.jsonl");
    std::string last;
    for (std::string line; std::getline(newest, line);) {
        last = line;
    }
    EXPECT_EQ(nlohmann::json::parse(last)["n"], 19);
    EXPECT_TRUE(unused.str().empty());
    fs::remove_all(dir);
}

TEST(EventSink, AFullDiskLosesEventsCountedNeverTheAgent) {
    // /dev/full answers every write with ENOSPC, as a full filesystem does.
    std::ostringstream unused;
    EventSink sink({.path = "/dev/full", .max_bytes = 1 << 20, .keep = 1}, unused);
    ASSERT_TRUE(sink.error().empty()) << sink.error();
    for (int i = 0; i < 5; ++i) {
        sink.write({{"n", i}});
    }
    EXPECT_EQ(sink.lost(), 5U);
    EXPECT_TRUE(unused.str().empty()) << "lost events went to stdout instead";
}

TEST(EventSink, FileAndStdoutBothGetEachEventWhenAskedTo) {
    const fs::path dir = fs::temp_directory_path() / ("dg-tee-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ostringstream standard_output;
    {
        EventSink sink({.path = (dir / "events.jsonl").string(), .also_stdout = true},
                       standard_output);
        sink.write({{"n", 1}});
        sink.write({{"n", 2}});
    }
    std::ifstream file(dir / "events.jsonl");
    std::stringstream from_file;
    from_file << file.rdbuf();
    EXPECT_EQ(from_file.str(), "{\"n\":1}\n{\"n\":2}\n");
    EXPECT_EQ(standard_output.str(), from_file.str());
    fs::remove_all(dir);
}

TEST(FalcoFormat, CarriesTheFieldsFalcoConsumersRead) {
    const nlohmann::json event = {
        {"time", "2026-11-27T10:00:00.000001Z"},
        {"node", "node-1"},
        {"verdict", "blocked"},
        {"kind", "new-file"},
        {"hook", "exec"},
        {"container",
         {{"id", "abc"},
          {"name", "web"},
          {"image", {{"name", "docker.io/library/wordpress:6.6"}}}}},
        {"process",
         {{"pid", 7},
          {"ppid", 6},
          {"comm", "miner"},
          {"argv", {"/tmp/miner", "-o", "pool"}},
          {"ancestry", {{{"comm", "sh"}}}}}},
        {"file", {{"path", "/tmp/miner"}, {"sha256", "ab"}}},
        {"provenance",
         {{"last_writer", {{"comm", "curl"}, {"argv", {"curl", "-o", "/tmp/miner"}}}},
          {"connections", {{{"remote", "203.0.113.7"}, {"port", 8080}}}}}},
    };
    const auto falco = events::to_falco(event);
    EXPECT_EQ(falco["priority"], "Critical");
    EXPECT_EQ(falco["hostname"], "node-1");
    EXPECT_EQ(falco["source"], "driftguard");
    const auto& fields = falco["output_fields"];
    EXPECT_EQ(fields["proc.cmdline"], "/tmp/miner -o pool");
    EXPECT_EQ(fields["proc.pname"], "sh");
    EXPECT_EQ(fields["container.image.repository"], "docker.io/library/wordpress");
    EXPECT_EQ(fields["container.image.tag"], "6.6");
    EXPECT_EQ(fields["driftguard.connections"], "203.0.113.7:8080");
    EXPECT_NE(falco["output"].get<std::string>().find("written by curl after connecting to "
                                                      "203.0.113.7:8080"),
              std::string::npos);
}

TEST(SplitArgv, NulSeparatedWithACutOffTail) {
    const char text[] = {'a', 0, 'b', 'c', 0, 'd'};
    EXPECT_EQ(split_argv(text, sizeof(text)), (std::vector<std::string>{"a", "bc", "d"}));
    EXPECT_TRUE(split_argv(text, 0).empty());
}

}  // namespace
}  // namespace driftguard::agent

namespace driftguard {
namespace {

TEST(EventJson, TimeIsTheKernelsDecisionTime) {
    timespec monotonic{};
    ::clock_gettime(CLOCK_MONOTONIC, &monotonic);
    const std::uint64_t now_ns =
        static_cast<std::uint64_t>(monotonic.tv_sec) * 1'000'000'000ULL + monotonic.tv_nsec;
    dg_event event{};
    event.ktime_ns = now_ns - 90'000'000'000ULL;  // decided 90 s ago, read only now
    events::EventContext context;
    const auto json = events::event_to_json(event, context);
    const auto expected = std::chrono::system_clock::now() - std::chrono::seconds(90);
    const std::string second = json["time"].get<std::string>().substr(0, 19);
    bool within_a_second = false;
    for (int offset : {-1, 0, 1}) {
        within_a_second |=
            second == utc_seconds(expected + std::chrono::seconds(offset)).substr(0, 19);
    }
    EXPECT_TRUE(within_a_second) << json["time"] << " is not 90 s ago";
}

TEST(UtcTime, SecondsAndMicrosecondsInRfc3339) {
    const std::chrono::system_clock::time_point at{std::chrono::microseconds(1795804330123456)};
    EXPECT_EQ(utc_seconds(at), "2026-11-27T18:32:10Z");
    EXPECT_EQ(utc_microseconds(at), "2026-11-27T18:32:10.123456Z");
    EXPECT_EQ(utc_microseconds(std::chrono::system_clock::time_point{std::chrono::seconds(1)}),
              "1970-01-01T00:00:01.000000Z");
}

}  // namespace
}  // namespace driftguard
