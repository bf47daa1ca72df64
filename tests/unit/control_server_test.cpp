// The control socket as a client meets it: root-only, one JSON request line, an answer
// line, and refusals that name the problem for what a client may send wrong.
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "agent/control_server.h"
#include "common/unique_fd.h"

namespace driftguard::agent {
namespace {

namespace fs = std::filesystem;

class ControlServerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        path_ = (fs::temp_directory_path() / ("dg-control-" + std::to_string(::getpid()) + ".sock"))
                    .string();
        auto server = ControlServer::listen(
            path_, [](const nlohmann::json& request, const ControlServer::Reply& reply, bool&) {
                reply({{"ok", true}, {"command", request["command"]}});
            });
        ASSERT_TRUE(server) << server.error().message;
        server_ = std::move(server.value());
        server_->set_loop(loop_);
        stop_.reset(::eventfd(0, EFD_CLOEXEC));
        loop_.watch(stop_.get(), [this] { loop_.stop(); });
        thread_ = std::thread([this] { loop_.run([] { return std::nullopt; }, [] {}); });
    }
    void TearDown() override {
        const std::uint64_t one = 1;
        (void)::write(stop_.get(), &one, sizeof(one));
        if (thread_.joinable()) {
            thread_.join();
        }
        server_.reset();
        fs::remove(path_);
    }
    // Connects, sends `request` as is, and returns the first line of the answer.
    std::string ask(const std::string& request) const {
        UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        path_.copy(address.sun_path, sizeof(address.sun_path) - 1);
        if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
            return "connect failed";
        }
        std::size_t sent = 0;
        while (sent < request.size()) {
            const ssize_t wrote =
                ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
            if (wrote <= 0) {
                break;  // the server closed it: its answer is still there to read
            }
            sent += static_cast<std::size_t>(wrote);
        }
        std::string answer;
        char c = 0;
        while (::read(fd.get(), &c, 1) == 1 && c != '\n') {
            answer += c;
        }
        return answer;
    }

    std::string path_;
    EventLoop loop_;
    std::unique_ptr<ControlServer> server_;
    UniqueFd stop_;
    std::thread thread_;
};

TEST_F(ControlServerTest, TheSocketIsRootOnly) {
    struct stat info {};
    ASSERT_EQ(::stat(path_.c_str(), &info), 0);
    EXPECT_TRUE(S_ISSOCK(info.st_mode));
    EXPECT_EQ(info.st_mode & 0777, 0600U);
    if (::geteuid() != 0) {
        // SO_PEERCRED names a client that is not root: refused before a byte is read.
        EXPECT_NE(ask("{\"command\":\"status\"}\n").find("root only"), std::string::npos);
    }
}

TEST_F(ControlServerTest, ARequestGetsItsAnswerAndBadOnesANamedRefusal) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "the control socket answers root only; this test runs as uid "
                     << ::geteuid();
    }
    const auto answer = nlohmann::json::parse(ask("{\"command\":\"status\"}\n"));
    EXPECT_EQ(answer["ok"], true);
    EXPECT_EQ(answer["command"], "status");

    EXPECT_NE(ask("not json\n").find("malformed request"), std::string::npos);
    EXPECT_NE(ask("{\"command\": 7}\n").find("malformed request"), std::string::npos);
    EXPECT_NE(ask(std::string(70 * 1024, 'x')).find("longer than 64 KiB"), std::string::npos);
    // The server is still there for the next client.
    EXPECT_EQ(nlohmann::json::parse(ask("{\"command\":\"events\"}\n"))["command"], "events");
}

}  // namespace
}  // namespace driftguard::agent
