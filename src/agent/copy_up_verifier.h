#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "common/unique_fd.h"
#include "image/inventory.h"
#include "kernel/sensor.h"

namespace driftguard::agent {

// Tells the kernel which files of a container's upper layer are unchanged copies of
// image executables (copied up by chmod, chown or touch without metacopy).
//
// A file is allowed when its path is an executable of the image, its SHA-256 equals the
// image's, and it is not executable where the image's was not. The kernel entry carries
// the upper inode's ctime read before hashing and checked again after: a write during or
// after verification moves ctime and voids it. Until verification completes the file is
// drift (the window is documented in docs/kernel-sensor.md).
class CopyUpVerifier {
  public:
    CopyUpVerifier(kernel::Sensor& sensor, const image::Inventory& inventory, std::string upperdir);

    enum class Outcome {
        allowed,
        not_in_image,
        content_differs,
        made_executable,
        unreadable,
        changed_while_hashing
    };
    // Verifies the upper-layer file at `path` (absolute inside the container).
    Outcome verify(const std::string& path);
    // Verifies every regular file of the upper layer that shadows an image executable.
    void sweep();

    // inotify on the upper layer (recursive; new directories are added as they appear).
    int watch_fd() const { return inotify_.get(); }
    void handle_watch_events();

    std::uint64_t allowed_count() const { return allowed_; }

    // The image's executable at `path` (absolute inside the container), or nullptr.
    const image::Executable* image_executable(const std::string& path) const {
        auto found = executables_.find(path);
        return found == executables_.end() ? nullptr : found->second;
    }

  private:
    void watch_directory(const std::string& relative);
    void scan_subtree(const std::string& relative);

    kernel::Sensor& sensor_;
    std::unordered_map<std::string, const image::Executable*> executables_;
    std::string upperdir_;
    UniqueFd inotify_;
    std::map<int, std::string> watches_;  // watch descriptor -> path relative to upperdir
    std::uint64_t allowed_ = 0;
};

std::string_view to_string(CopyUpVerifier::Outcome outcome);

}  // namespace driftguard::agent
