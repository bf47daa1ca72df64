#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "agent/control_server.h"
#include "agent/event_log.h"

namespace driftguard::agent {

// What the control socket's commands do (control_protocol.h): `status` answers with what
// `status_of` builds; `events` replays the event log and, with follow, streams new events.
// Requests are untrusted: fields of the wrong type get an error line naming them.
class ControlApi {
  public:
    ControlApi(std::function<nlohmann::json()> status_of, EventLog& events)
        : status_of_(std::move(status_of)), events_(events) {}

    void answer(const nlohmann::json& request, const ControlServer::Reply& reply, bool& keep_open);

  private:
    void answer_events(const nlohmann::json& request, const ControlServer::Reply& reply,
                       bool& keep_open);

    std::function<nlohmann::json()> status_of_;
    EventLog& events_;
};

}  // namespace driftguard::agent
