// The control socket's commands, as the CLI sends them (control_protocol.h): status, the
// event log with a container filter and a limit, follow, and untrusted requests.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/control_api.h"
#include "agent/control_protocol.h"

namespace driftguard::agent {
namespace {

struct Answers {
    std::vector<nlohmann::json> lines;
    bool keep_open = false;
};

Answers ask(ControlApi& api, const nlohmann::json& request) {
    Answers answers;
    api.answer(
        request,
        [&answers](const nlohmann::json& line) {
            answers.lines.push_back(line);
            return true;
        },
        answers.keep_open);
    return answers;
}

nlohmann::json event(const std::string& container, int n) {
    return {{"container", {{"id", container + "0123456789abcdef"}, {"name", container}}}, {"n", n}};
}

TEST(ControlApi, StatusAnswersWhatTheAgentReports) {
    EventLog log;
    ControlApi api([] { return nlohmann::json{{"ok", true}, {"agent", {{"pid", 42}}}}; }, log);
    auto answers = ask(api, control::status_request());
    ASSERT_EQ(answers.lines.size(), 1U);
    EXPECT_EQ(answers.lines[0]["agent"]["pid"], 42);
    EXPECT_FALSE(answers.keep_open);
}

TEST(ControlApi, EventsReplaysFilteredAndLimitedThenFollows) {
    EventLog log;
    ControlApi api([] { return nlohmann::json::object(); }, log);
    for (int i = 0; i < 5; ++i) {
        log.append(event(i % 2 == 0 ? "web" : "db", i));
    }
    auto answers = ask(api, control::events_request("web", 2, false));
    ASSERT_EQ(answers.lines.size(), 3U);  // header, then the last two of web's three
    EXPECT_EQ(answers.lines[0]["ok"], true);
    EXPECT_EQ(answers.lines[1]["n"], 2);
    EXPECT_EQ(answers.lines[2]["n"], 4);
    EXPECT_FALSE(answers.keep_open);

    std::vector<nlohmann::json> followed;
    bool keep_open = false;
    api.answer(
        control::events_request("db", 0, true),
        [&followed](const nlohmann::json& line) {
            followed.push_back(line);
            return true;
        },
        keep_open);
    EXPECT_TRUE(keep_open);
    log.append(event("web", 5));
    log.append(event("db", 6));
    ASSERT_EQ(followed.size(), 2U);  // header, then only db's new event
    EXPECT_EQ(followed[1]["n"], 6);
}

TEST(ControlApi, UntrustedRequestsGetAnErrorNamingTheProblem) {
    EventLog log;
    ControlApi api([] { return nlohmann::json::object(); }, log);
    auto unknown = ask(api, {{"command", "shutdown"}});
    ASSERT_EQ(unknown.lines.size(), 1U);
    EXPECT_EQ(unknown.lines[0]["ok"], false);
    EXPECT_EQ(unknown.lines[0]["error"], "unknown command 'shutdown' (expected status or events)");
    for (const nlohmann::json& bad : {nlohmann::json{{"command", "events"}, {"limit", -1}},
                                      nlohmann::json{{"command", "events"}, {"container", 7}},
                                      nlohmann::json{{"command", "events"}, {"follow", "yes"}}}) {
        auto answers = ask(api, bad);
        ASSERT_EQ(answers.lines.size(), 1U) << bad.dump();
        EXPECT_EQ(answers.lines[0]["ok"], false) << bad.dump();
        EXPECT_FALSE(answers.keep_open);
    }
}

}  // namespace
}  // namespace driftguard::agent
