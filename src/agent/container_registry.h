#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/allowed_files.h"
#include "agent/inventory_cache.h"
#include "agent/upper_layer_verifier.h"
#include "agent/volume_exceptions.h"
#include "agent/worker_pool.h"
#include "agent/writer_exceptions.h"
#include "kernel/container_state.h"
#include "policy/policy.h"
#include "policy/policy_match.h"
#include "runtime/container_discovery.h"
#include "runtime/container_metadata.h"
#include "runtime/metadata_resolver.h"

namespace driftguard::agent {

// Everything the agent keeps about one running container. A container is onboarded in
// two steps off the event loop: its runtime metadata (then its mode and exceptions are
// decided), then its image's inventory (then its copied-up files are verified). Until the
// first, the kernel's defaults judge it; until the second, `inventory` and `verifier`
// are null.
struct TrackedContainer {
    runtime::ContainerRoot root;
    runtime::ContainerMetadata metadata;
    bool metadata_known = false;
    // Reads so far: a container found before its runtime wrote its state is read again.
    unsigned metadata_reads = 0;
    std::shared_ptr<const image::Inventory> inventory;
    std::unique_ptr<AllowedFiles> allowed;
    std::unique_ptr<UpperLayerVerifier> verifier;
    std::unique_ptr<VolumeExceptions> volumes;
    std::unique_ptr<WriterExceptions> writers;
    std::vector<policy::Exception> exceptions;         // by path and digest, checked by the agent
    std::vector<policy::Exception> writer_exceptions;  // writtenBy, decided in the kernel
    policy::ModeDecision decision;
    std::chrono::system_clock::time_point seen_since;
    std::uint64_t blocked = 0;  // events seen from the kernel, by verdict
    std::uint64_t audited = 0;
};

// How metrics name a container: its runtime name, else its kernel key.
inline std::string metric_label(const TrackedContainer& container) {
    return container.metadata.name.empty() ? std::to_string(container.root.dev)
                                           : container.metadata.name;
}

// The running containers and what the kernel was told about each: discovered from /proc,
// described by the runtime's metadata, given a mode and exceptions by the policy. The
// slow part of onboarding (runtime metadata calls, reading an image's layers) runs on the
// registry's workers; the loop runs their completions (`completion_fds`).
class ContainerRegistry {
  public:
    using PolicySource = std::function<const policy::Policy&()>;
    // Called with the inotify fd of a container's upper layer once it is watched.
    using WatchFd = std::function<void(int)>;
    ContainerRegistry(kernel::ContainerState& kernel, runtime::MetadataResolver resolver,
                      std::uint32_t only_container, PolicySource policy, WatchFd watch,
                      UpperLayerVerifier::Defer defer);
    ~ContainerRegistry();

    // Adds containers that appeared (their onboarding starts on the workers), drops those
    // that are gone.
    void sync(const std::map<std::uint32_t, runtime::ContainerRoot>& found);
    // Re-decides every container's mode and exceptions under the current policy.
    void apply();
    // The workers' eventfds, and what the loop runs when one is readable.
    std::vector<int> completion_fds() const;
    void run_completions(int fd);
    // Onboarding work queued or under way (for status).
    nlohmann::json workers_status() const;
    // Looks again for excepted files in volumes (they may have been copied in since) and
    // verifies again upper-layer files that had a writer when last looked at.
    void refresh_verifications();
    // After adopting a previous agent's maps: removes mode and allowed entries that no
    // tracked container owns.
    void forget_strays();
    // The agent stops but the pinned sensor stays: keep every allowed file in the kernel.
    void keep_kernel_state();

    // The container with this key; with an identity (a kernel event's), only if it is the
    // same container (keys are reused by later containers).
    TrackedContainer* find(std::uint32_t dev, std::uint64_t identity = 0);
    TrackedContainer* find_by_watch_fd(int fd);
    nlohmann::json status() const;
    // How many containers are in each mode ("enforce", "audit", "off").
    std::map<std::string, std::size_t> count_by_mode() const;
    // The metric label of every tracked container (metric_label()).
    std::set<std::string> metric_labels() const;
    std::size_t size() const { return containers_.size(); }

  private:
    void decide(TrackedContainer& container);
    // Queues the metadata lookup of containers discovered but not yet asked about.
    void start_onboarding();
    void metadata_read(const runtime::ContainerRoot& root, runtime::ContainerMetadata metadata);
    void inventory_read(const runtime::ContainerRoot& root,
                        std::shared_ptr<const image::Inventory> inventory,
                        const std::string& error);
    // The tracked container `root` describes, if it is still the same one.
    TrackedContainer* still_there(const runtime::ContainerRoot& root);

    kernel::ContainerState& kernel_;  // the sensor's per-container maps
    runtime::MetadataResolver resolver_;
    std::uint32_t only_container_;
    PolicySource policy_;
    WatchFd watch_;
    UpperLayerVerifier::Defer defer_;  // the loop's: upper-layer walks go in slices
    InventoryCache inventories_;
    std::map<std::uint32_t, TrackedContainer> containers_;
    std::vector<runtime::ContainerRoot> waiting_;  // discovered, metadata not yet queued
    // No runtime found yet: its metadata is read again at the next sync.
    std::vector<runtime::ContainerRoot> rereads_;
    AllowedFiles runtime_inits_;  // the runtimes' init programs (runtime_init_binaries.h)
    // Last: destroyed first, so no job outlives what it uses. Metadata calls have their
    // own workers: a new container is never stuck behind another image's layers.
    WorkerPool metadata_workers_;
    WorkerPool inventory_workers_;
    WorkerPool hashing_workers_;  // upper-layer files (UpperLayerVerifier)
};

}  // namespace driftguard::agent
