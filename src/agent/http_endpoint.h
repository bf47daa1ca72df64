#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

class CivetServer;
class CivetHandler;

namespace driftguard::agent {

// A small HTTP server (civetweb) for the agent's pull endpoints: /metrics for Prometheus,
// /healthz and /readyz for the kubelet's probes. Each path answers GET from a function
// that runs on one of the server's threads, so it must only read what is safe to read
// from another thread.
class HttpEndpoint {
  public:
    struct Response {
        int status = 200;
        std::string content_type = "text/plain; charset=utf-8";
        std::string body;
    };
    using Handler = std::function<Response()>;

    // Listens on `address` ("127.0.0.1:9464"; port 0 picks a free one) and answers each
    // path of `routes`; any other path is 404.
    static Result<std::unique_ptr<HttpEndpoint>> serve(
        const std::string& address, const std::map<std::string, Handler>& routes);
    ~HttpEndpoint();
    HttpEndpoint(const HttpEndpoint&) = delete;
    HttpEndpoint& operator=(const HttpEndpoint&) = delete;

    // The port actually bound.
    int port() const;

  private:
    HttpEndpoint() = default;
    std::vector<std::unique_ptr<CivetHandler>> handlers_;
    std::unique_ptr<CivetServer> server_;
};

}  // namespace driftguard::agent
