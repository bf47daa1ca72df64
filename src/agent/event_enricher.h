#pragma once

#include <memory>
#include <string>

#include "agent/container_registry.h"
#include "common/unique_fd.h"
#include "events/event_json.h"
#include "kernel/container_state.h"

namespace driftguard::agent {

// Turns the kernel's drift record into the event a person reads: the file's path inside
// the container and its SHA-256 (computed here from the file itself), what the image has
// at that path, the process's argv, cwd and parents with their programs, and where the
// file came from: the processes that wrote it and the connections they and their parents
// made shortly before. Under enforce the drifting process is already dead, so its own
// details come from the kernel record; the rest is read from /proc while it exists.
//
// In two steps: `capture` runs on the event loop as soon as the kernel's record is read
// and takes what may be gone a moment later (the process's details from /proc, the file
// opened while a process still holds it, the provenance maps); `finish` runs on a worker
// and does what takes time and what a container controls the size of (hashing the file,
// walking its writable layer, comparing with the image).
class EventEnricher {
  public:
    // `backend`: the enforcement backend the events name (backend_choice.h).
    EventEnricher(const kernel::ProvenanceReader& provenance, std::string backend);

    struct Captured {
        dg_event event{};
        events::EventContext context;
        runtime::ContainerMetadata metadata;  // a copy: the container may be gone by `finish`
        bool in_container = false;            // the agent tracks the event's container
        std::string upperdir;
        std::shared_ptr<const image::Inventory> inventory;  // null: not read yet
        UniqueFd file;  // the file the event is about, when it could be opened
        std::string path;
    };
    std::unique_ptr<Captured> capture(const dg_event& event,
                                      const TrackedContainer* container) const;
    // `thorough` false: no hashing and no layer walk (the agent is too busy to).
    static events::EventContext finish(Captured& captured, bool thorough = true);

  private:
    void open_file(Captured& captured) const;
    void add_provenance(const dg_event& event, events::EventContext& context) const;

    const kernel::ProvenanceReader& provenance_;
    std::string node_;
    std::string backend_;
};

// Splits a NUL-separated argv buffer (as /proc/<pid>/cmdline or the kernel's copy).
std::vector<std::string> split_argv(const char* data, std::size_t length);

}  // namespace driftguard::agent
