#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "driftguard/abi.h"
#include "kernel/allowed_inodes.h"
#include "kernel/container_state.h"

namespace driftguard::kernel {

// How drift in a container under enforce is stopped (bpf/sensor.bpf.c).
enum class Enforcement {
    kill,      // tracepoints, every system call: SIGKILL before the first instruction
    lsm,       // BPF-LSM hooks: the exec, mapping or open fails with EPERM
    fmod_ret,  // the same verdicts through fmod_ret on the security_* functions
};

// Settings the sensor is loaded with.
struct SensorConfig {
    Enforcement enforcement = Enforcement::kill;
    dg_mode default_mode = DG_MODE_ENFORCE;    // containers without their own mode
    std::uint32_t default_flags = 0;           // and their DG_POLICY_* flags
    dg_mode build_default_mode = DG_MODE_OFF;  // build steps the agent has not decided yet
    std::uint32_t host_root_dev = 0;           // s_dev of the host's "/" (kernel encoding)
    std::uint32_t only_container_dev = 0;      // test scope: judge only this container (0: all)
    // bpffs directory to pin programs and maps in, so enforcement outlives this process
    // (kernel/pinned_state.h). Empty: nothing pinned, everything detaches with the Sensor.
    std::string pin_root;
};

struct SensorCounters {
    std::uint64_t values[DG_COUNTER_MAX] = {};
};

// The loaded and attached kernel sensor (bpf/sensor.bpf.c): owns the programs, their
// links and maps for as long as it lives. Detaches everything on destruction.
class Sensor : public ContainerState, public ProvenanceReader {
  public:
    using EventHandler = std::function<void(const dg_event&)>;

    // open -> configure -> load (verifier) -> attach, each step's failure named.
    static Result<std::unique_ptr<Sensor>> start(const SensorConfig& config, EventHandler handler);
    ~Sensor() override;
    Sensor(const Sensor&) = delete;
    Sensor& operator=(const Sensor&) = delete;

    // Waits up to `timeout_ms` for events and hands them to the handler.
    Result<int> poll(int timeout_ms);
    // For an external epoll loop: the fd that becomes readable with events, and the
    // non-blocking handler to call then.
    int events_fd() const;
    Result<int> consume();

    // The mode and DG_POLICY_* flags of the container with this key; with an identity (its
    // upper directory's inode number), only while that container is the one with the key.
    Status set_container_mode(std::uint32_t container_dev, dg_mode mode, std::uint32_t flags = 0,
                              std::uint64_t identity = 0) override;
    Status clear_container_mode(std::uint32_t container_dev) override;
    void set_default_mode(dg_mode mode, std::uint32_t flags = 0);
    // The host's image build programs (by inode), and the mode of a container one of them
    // started until the agent has decided it (bpf/verdict.bpf.h).
    Status set_builder_programs(const std::vector<dg_inode_key>& programs);
    void set_build_default_mode(dg_mode mode);
    // writtenBy exceptions (bpf/written_by.bpf.h): an image program of a container that may
    // write, and a directory below which it may.
    Status set_writer_program(const dg_inode_key& program, const dg_writer_program& value) override;
    Status set_writer_dir(const dg_writer_dir_key& dir, std::uint64_t exceptions) override;
    // Removes the writtenBy programs and directories of every container for which
    // `gone(container_dev)` is true.
    void forget_writers(const std::function<bool(std::uint32_t)>& gone) override;
    // Records, for a process the sensor could not see enter its container (it started
    // before the sensor and has left the container's root since), that it belongs to the
    // container `container_dev`; its later children inherit it in the kernel.
    Status place_in_container(int pidfd, std::uint32_t container_dev, std::uint64_t identity);
    // The container the kernel has recorded for the process (0: checked, a host process),
    // or nothing when it has no record yet.
    std::optional<std::uint32_t> container_of_task(int pidfd) const;
    // Test scope: judge only the container with this root s_dev (0: every container).
    void set_only_container(std::uint32_t container_dev);
    // Marks an upper-layer inode as a verified copy of an image executable, valid while
    // its ctime stays as given.
    Status allow_inode(const dg_inode_key& key, const dg_allowed& value) override;
    Status forget_inode(const dg_inode_key& key) override;
    SensorCounters counters() const;
    // The keys now in dg_container_modes and dg_allowed (after adopting pinned maps, the
    // agent removes what belongs to containers that are gone).
    std::vector<std::uint32_t> container_mode_keys() const override;
    // Provenance (bpf/provenance.bpf.h): who opened the file for writing, and the recent
    // connect() calls of a process. Nothing when the sensor never saw (or forgot) them.
    std::optional<dg_file_writers> writers_of(const dg_inode_key& file) const override;
    std::optional<dg_connections> connections_of(std::uint32_t tgid) const override;
    std::vector<dg_inode_key> allowed_keys() const override;
    // True when the maps of a previous agent's pinned sensor were adopted (their container
    // modes, verified copy-ups, counters and undelivered events carry over).
    bool adopted() const;

  private:
    struct State;
    explicit Sensor(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace driftguard::kernel
