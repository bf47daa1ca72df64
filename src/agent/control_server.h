#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/event_loop.h"
#include "common/result.h"
#include "common/unique_fd.h"

namespace driftguard::agent {

// The agent's control socket: a root-only unix stream socket speaking JSON lines.
// A client sends one request line ({"command": "status"}); the agent answers with one
// or more lines ({"ok": true, ...} or {"ok": false, "error": "..."}). A follow request
// keeps the connection open and gets every new event as a line.
//
// Everything a client sends is untrusted: the peer's uid is checked (SO_PEERCRED) before
// a byte is read, a request line is limited to 64 KiB, malformed JSON or an unknown
// command gets an error line, and a client that stops reading is dropped rather than
// buffered without bound.
class ControlServer {
  public:
    // Answers a request. `reply` may be called later for follow requests; it returns
    // false once the client is gone.
    using Reply = std::function<bool(const nlohmann::json&)>;
    using Handler =
        std::function<void(const nlohmann::json& request, const Reply& reply, bool& keep_open)>;

    static Result<std::unique_ptr<ControlServer>> listen(const std::string& path, Handler handler);
    ~ControlServer();

    // Accepts and serves clients from `loop`.
    void set_loop(EventLoop& loop);

  private:
    struct Client {
        UniqueFd fd;
        std::string pending;
        bool following = false;
        std::shared_ptr<bool> alive;
    };
    ControlServer(std::string path, UniqueFd listener, Handler handler);
    void accept_clients();
    // Reads from a ready client; false once the server closed it.
    bool handle_client(int fd);
    void close_client(int fd);
    static bool send_line(int fd, const nlohmann::json& line);

    std::string path_;
    UniqueFd listener_;
    Handler handler_;
    EventLoop* loop_ = nullptr;
    std::map<int, Client> clients_;
};

}  // namespace driftguard::agent
