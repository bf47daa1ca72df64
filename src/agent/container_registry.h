#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/allowed_files.h"
#include "agent/inventory_cache.h"
#include "agent/upper_layer_verifier.h"
#include "agent/volume_exceptions.h"
#include "agent/writer_exceptions.h"
#include "kernel/sensor.h"
#include "policy/policy.h"
#include "policy/policy_match.h"
#include "runtime/container_discovery.h"
#include "runtime/container_metadata.h"
#include "runtime/metadata_resolver.h"

namespace driftguard::agent {

// Everything the agent keeps about one running container.
struct TrackedContainer {
    runtime::ContainerRoot root;
    runtime::ContainerMetadata metadata;
    std::shared_ptr<const image::Inventory> inventory;
    std::unique_ptr<AllowedFiles> allowed;
    std::unique_ptr<UpperLayerVerifier> verifier;
    std::unique_ptr<VolumeExceptions> volumes;
    std::unique_ptr<WriterExceptions> writers;
    std::vector<policy::Exception> exceptions;  // by path and digest, checked by the agent
    std::vector<policy::Exception> writer_exceptions;  // writtenBy, decided in the kernel
    policy::ModeDecision decision;
    std::chrono::system_clock::time_point seen_since;
    std::uint64_t blocked = 0;  // events seen from the kernel, by verdict
    std::uint64_t audited = 0;
};

// The running containers and what the kernel was told about each: discovered from /proc,
// described by the runtime's metadata, given a mode and exceptions by the policy.
class ContainerRegistry {
  public:
    ContainerRegistry(kernel::Sensor& sensor, runtime::MetadataResolver resolver,
                      std::uint32_t only_container);

    // Adds containers that appeared, drops those that are gone. Returns the watch fds of
    // new containers' upper layers (for the caller's epoll).
    std::vector<int> sync(const std::map<std::uint32_t, runtime::ContainerRoot>& found,
                          const policy::Policy& policy);
    // Re-decides every container's mode and exceptions.
    void apply(const policy::Policy& policy);
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
    std::size_t size() const { return containers_.size(); }

  private:
    void decide(TrackedContainer& container, const policy::Policy& policy);

    kernel::Sensor& sensor_;
    runtime::MetadataResolver resolver_;
    std::uint32_t only_container_;
    InventoryCache inventories_;
    std::map<std::uint32_t, TrackedContainer> containers_;
    AllowedFiles runtime_inits_;  // the runtimes' init programs (runtime_init_binaries.h)
};

}  // namespace driftguard::agent
