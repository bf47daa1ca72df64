#pragma once

#include <string>

#include "agent/container_registry.h"
#include "events/event_json.h"
#include "kernel/sensor.h"

namespace driftguard::agent {

// Turns the kernel's drift record into the event a person reads: the file's path inside
// the container and its SHA-256 (computed here from the file itself), what the image has
// at that path, the process's argv, cwd and parents with their programs, and where the
// file came from: the processes that wrote it and the connections they and their parents
// made shortly before. Under enforce the drifting process is already dead, so its own
// details come from the kernel record; the rest is read from /proc while it exists.
class EventEnricher {
  public:
    explicit EventEnricher(const kernel::Sensor& sensor);

    events::EventContext enrich(const dg_event& event, TrackedContainer* container) const;

  private:
    void resolve_file(const dg_event& event, const TrackedContainer* container,
                      events::EventContext& context) const;
    void add_provenance(const dg_event& event, events::EventContext& context) const;

    const kernel::Sensor& sensor_;
    std::string node_;
};

// Splits a NUL-separated argv buffer (as /proc/<pid>/cmdline or the kernel's copy).
std::vector<std::string> split_argv(const char* data, std::size_t length);

}  // namespace driftguard::agent
