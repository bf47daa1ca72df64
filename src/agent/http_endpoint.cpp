#include "agent/http_endpoint.h"

#include <cerrno>
#include <exception>

#include <CivetServer.h>
#include <fmt/format.h>

namespace driftguard::agent {
namespace {

class RouteHandler : public CivetHandler {
  public:
    explicit RouteHandler(HttpEndpoint::Handler handler) : handler_(std::move(handler)) {}

    bool handleGet(CivetServer* /*server*/, mg_connection* connection) override {
        HttpEndpoint::Response response;
        try {
            response = handler_();
        } catch (const std::exception& error) {
            response = {.status = 500, .body = fmt::format("error: {}\n", error.what())};
        }
        mg_printf(connection,
                  "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                  "Connection: close\r\n\r\n",
                  response.status, mg_get_response_code_text(connection, response.status),
                  response.content_type.c_str(), response.body.size());
        mg_write(connection, response.body.data(), response.body.size());
        return true;
    }

  private:
    HttpEndpoint::Handler handler_;
};

}  // namespace

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::serve(
    const std::string& address, const std::map<std::string, Handler>& routes) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
        return Error{fmt::format("listen address '{}': expected HOST:PORT", address), EINVAL};
    }
    std::unique_ptr<HttpEndpoint> endpoint(new HttpEndpoint());
    // civetweb takes "HOST:PORT" for IPv4 and "[HOST]:PORT" for IPv6, as the user writes it.
    const std::vector<std::string> options = {"listening_ports", address, "num_threads", "2"};
    try {
        endpoint->server_ = std::make_unique<CivetServer>(options);
    } catch (const std::exception& error) {
        return Error{fmt::format("cannot listen on {}: {}", address, error.what()), EADDRINUSE};
    }
    for (const auto& [path, handler] : routes) {
        endpoint->handlers_.push_back(std::make_unique<RouteHandler>(handler));
        // civetweb matches a handler's URI as a prefix unless it ends with '$'.
        endpoint->server_->addHandler(path + "$", endpoint->handlers_.back().get());
    }
    return endpoint;
}

HttpEndpoint::~HttpEndpoint() {
    if (server_) {
        server_->close();  // stops the threads before the handlers go
    }
}

int HttpEndpoint::port() const {
    const auto ports = server_->getListeningPorts();
    return ports.empty() ? 0 : ports.front();
}

}  // namespace driftguard::agent
