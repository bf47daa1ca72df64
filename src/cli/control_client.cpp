#include "cli/control_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/unique_fd.h"

namespace driftguard::cli {

Status ask_agent(const std::string& socket_path, const nlohmann::json& request,
                 const std::function<bool(const nlohmann::json&)>& on_line) {
    sockaddr_un address{};
    if (socket_path.size() >= sizeof(address.sun_path)) {
        return Error{fmt::format("socket path too long: {}", socket_path), ENAMETOOLONG};
    }
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        return Error{fmt::format("cannot reach the agent at {}: {} (is `driftguard agent` "
                                 "running?)",
                                 socket_path, std::strerror(errno)),
                     errno};
    }
    const std::string line = request.dump() + "\n";
    if (::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(line.size())) {
        return Error{fmt::format("cannot send to the agent: {}", std::strerror(errno)), errno};
    }
    std::string pending;
    std::array<char, 65536> buffer{};
    for (;;) {
        const ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return Ok{};
        }
        pending.append(buffer.data(), static_cast<std::size_t>(got));
        for (auto newline = pending.find('\n'); newline != std::string::npos;
             newline = pending.find('\n')) {
            auto parsed = nlohmann::json::parse(pending.substr(0, newline), nullptr, false);
            pending.erase(0, newline + 1);
            if (parsed.is_discarded()) {
                return Error{"the agent sent a line that is not JSON", EPROTO};
            }
            if (!on_line(parsed)) {
                return Ok{};
            }
        }
    }
}

}  // namespace driftguard::cli
