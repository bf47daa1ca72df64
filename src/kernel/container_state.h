#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "common/result.h"
#include "driftguard/abi.h"
#include "kernel/allowed_inodes.h"

namespace driftguard::kernel {

// Narrow views of the sensor's maps, one per concern, as the agent's classes use them. The
// Sensor implements them all; unit tests give maps of their own.

// dg_container_modes: each container's mode and DG_POLICY_* flags, by its overlay's device.
class ContainerModes {
  public:
    virtual ~ContainerModes() = default;
    // With an identity (its upper directory's inode number), the entry applies only while
    // that container is the one with the key (keys are reused).
    virtual Status set_container_mode(std::uint32_t container_dev, dg_mode mode,
                                      std::uint32_t flags, std::uint64_t identity) = 0;
    virtual Status clear_container_mode(std::uint32_t container_dev) = 0;
    virtual std::vector<std::uint32_t> container_mode_keys() const = 0;
};

// writtenBy exceptions (bpf/written_by.bpf.h): an image program of a container that may
// write, and the directories below which it may.
class WriterRules {
  public:
    virtual ~WriterRules() = default;
    virtual Status set_writer_program(const dg_inode_key& program,
                                      const dg_writer_program& value) = 0;
    virtual Status set_writer_dir(const dg_writer_dir_key& dir, std::uint64_t exceptions) = 0;
    // Removes the programs and directories of every container for which `gone(dev)`.
    virtual void forget_writers(const std::function<bool(std::uint32_t)>& gone) = 0;
};

// Everything the agent keeps per container in the kernel.
class ContainerState : public AllowedInodes, public ContainerModes, public WriterRules {
  public:
    // The keys now in dg_allowed.
    virtual std::vector<dg_inode_key> allowed_keys() const = 0;
};

// Provenance (bpf/provenance.bpf.h): who opened a file for writing, and the recent
// connect() calls of a process. Nothing when the sensor never saw (or forgot) them.
class ProvenanceReader {
  public:
    virtual ~ProvenanceReader() = default;
    virtual std::optional<dg_file_writers> writers_of(const dg_inode_key& file) const = 0;
    virtual std::optional<dg_connections> connections_of(std::uint32_t tgid) const = 0;
};

}  // namespace driftguard::kernel
