#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace driftguard::testing {

// A minimal container for kernel-tier tests: an overlayfs mount whose lower layer is a
// small "image" (busybox and applets, a dynamic binary with its libraries, an image-side
// helper), and child processes chroot'ed into it, so their root is an overlay exactly as
// in a podman container, without a container runtime.
class OverlayContainer {
  public:
    struct Options {
        bool metacopy = false;  // mount with metacopy=on
        // Run each command as the first process of a new pid namespace, as a runtime
        // starts a container (the kernel vouches for copy-ups only in such containers).
        bool new_pid_namespace = false;
    };
    OverlayContainer();
    explicit OverlayContainer(Options options);
    ~OverlayContainer();
    OverlayContainer(const OverlayContainer&) = delete;
    OverlayContainer& operator=(const OverlayContainer&) = delete;

    const std::string& merged() const { return merged_; }
    const std::string& upper() const { return upper_; }
    // The container's key in the sensor: the overlay superblock's s_dev.
    std::uint32_t dev() const { return dev_; }

    struct Outcome {
        bool killed = false;  // ended by SIGKILL
        int exit_code = -1;   // when it exited
    };
    // Runs argv[0] (a path inside the container) as a child chroot'ed into it, as root or,
    // after run_as(), as that unprivileged user.
    Outcome run(const std::vector<std::string>& argv,
                const std::vector<std::string>& env = {}) const;
    void run_as(unsigned uid) { uid_ = uid; }

    // Copies a host file into the container (this writes the upper layer: drift).
    void put(const std::string& host_source, const std::string& container_path,
             unsigned mode = 0755) const;

    bool marker_present() const;
    void clear_marker() const;

  private:
    std::string root_;
    std::string lower_;
    std::string upper_;
    std::string work_;
    std::string merged_;
    std::uint32_t dev_ = 0;
    unsigned uid_ = 0;
    bool new_pid_namespace_ = false;
};

// The build directory's payloads (tests/payload).
std::string payload_path(const std::string& name);

}  // namespace driftguard::testing
