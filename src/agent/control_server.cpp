#include "agent/control_server.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace driftguard::agent {
namespace {

constexpr std::size_t kMaxRequest = 64 * 1024;
constexpr int kMaxClients = 64;
constexpr int kSendTimeoutSeconds = 2;

}  // namespace

Result<std::unique_ptr<ControlServer>> ControlServer::listen(const std::string& path,
                                                             Handler handler) {
    sockaddr_un address{};
    if (path.size() >= sizeof(address.sun_path)) {
        return Error{fmt::format("control socket path too long: {}", path), ENAMETOOLONG};
    }
    UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listener) {
        return Error{fmt::format("cannot create the control socket: {}", std::strerror(errno)),
                     errno};
    }
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size());
    ::unlink(path.c_str());  // a stale socket of a previous agent; the instance lock is held
    // Created with mode 0600 (root only) before anyone could connect.
    const mode_t old_umask = ::umask(0177);
    const int bound =
        ::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::umask(old_umask);
    if (bound != 0 || ::listen(listener.get(), 16) != 0) {
        return Error{fmt::format("cannot listen on {}: {}", path, std::strerror(errno)), errno};
    }
    return std::unique_ptr<ControlServer>(
        new ControlServer(path, std::move(listener), std::move(handler)));
}

ControlServer::ControlServer(std::string path, UniqueFd listener, Handler handler)
    : path_(std::move(path)), listener_(std::move(listener)), handler_(std::move(handler)) {}

ControlServer::~ControlServer() {
    for (auto& [fd, client] : clients_) {
        *client.alive = false;
    }
    ::unlink(path_.c_str());
}

void ControlServer::set_loop(EventLoop& loop) {
    loop_ = &loop;
    loop.watch(listener_.get(), [this] { accept_clients(); });
}

void ControlServer::accept_clients() {
    for (;;) {
        // Blocking, with a send timeout: a large answer waits for a client that reads,
        // a client that stops reading for kSendTimeout is dropped.
        UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!fd) {
            return;
        }
        timeval timeout{kSendTimeoutSeconds, 0};
        ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
        ucred peer{};
        socklen_t length = sizeof(peer);
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || peer.uid != 0) {
            send_line(fd.get(), {{"ok", false}, {"error", "permission denied: root only"}});
            spdlog::warn("control socket: refused a client with uid {}", peer.uid);
            continue;
        }
        if (static_cast<int>(clients_.size()) >= kMaxClients) {
            send_line(fd.get(), {{"ok", false}, {"error", "too many clients"}});
            continue;
        }
        const int raw = fd.get();
        loop_->watch(raw, [this, raw] { (void)handle_client(raw); });
        clients_[raw] = Client{std::move(fd), {}, false, std::make_shared<bool>(true)};
    }
}

bool ControlServer::send_line(int fd, const nlohmann::json& line) {
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::size_t sent = 0;
    while (sent < text.size()) {
        const ssize_t written = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            return false;  // gone, or not reading for kSendTimeoutSeconds: dropped
        }
        sent += static_cast<std::size_t>(written);
    }
    return true;
}

void ControlServer::close_client(int fd) {
    auto found = clients_.find(fd);
    if (found == clients_.end()) {
        return;
    }
    *found->second.alive = false;
    clients_.erase(found);  // closing it takes it out of the loop's epoll
}

bool ControlServer::handle_client(int fd) {
    auto found = clients_.find(fd);
    if (found == clients_.end()) {
        return false;
    }
    Client& client = found->second;
    std::array<char, 4096> buffer{};
    // epoll said readable: this read does not block.
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
        close_client(fd);
        return false;
    }
    if (got < 0 || client.following) {
        return true;  // a follower has nothing more to ask
    }
    client.pending.append(buffer.data(), static_cast<std::size_t>(got));
    const auto newline = client.pending.find('\n');
    if (newline == std::string::npos) {
        if (client.pending.size() > kMaxRequest) {
            send_line(fd, {{"ok", false}, {"error", "request longer than 64 KiB"}});
            close_client(fd);
            return false;
        }
        return true;
    }
    const auto request = nlohmann::json::parse(client.pending.substr(0, newline), nullptr, false);
    if (request.is_discarded() || !request.is_object() || !request.contains("command") ||
        !request["command"].is_string()) {
        send_line(fd, {{"ok", false},
                       {"error",
                        "malformed request: expected a JSON object with a \"command\" "
                        "string on one line"}});
        close_client(fd);
        return false;
    }
    std::shared_ptr<bool> alive = client.alive;
    Reply reply = [this, fd, alive](const nlohmann::json& line) {
        if (!*alive) {
            return false;
        }
        if (!send_line(fd, line)) {
            close_client(fd);
            return false;
        }
        return true;
    };
    bool keep_open = false;
    try {
        handler_(request, reply, keep_open);
    } catch (const std::exception& error) {
        reply({{"ok", false}, {"error", fmt::format("request failed: {}", error.what())}});
        keep_open = false;
    }
    if (!*alive) {
        return false;
    }
    if (keep_open) {
        client.following = true;
        return true;
    }
    close_client(fd);
    return false;
}

}  // namespace driftguard::agent
