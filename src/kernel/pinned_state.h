#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace driftguard::kernel {

// Where the sensor's programs and maps are pinned in bpffs, so that enforcement outlives
// the agent that loaded it:
//   <root>/abi-<DG_ABI_VERSION>/maps/<map>    maps a new agent adopts (same ABI only)
//   <root>/abi-<DG_ABI_VERSION>/links/<prog>  the attachments that keep programs running
// Pinned state of another ABI version is never adopted; it is removed once the new
// programs are attached, so an upgrade leaves no gap either.
class PinnedState {
  public:
    explicit PinnedState(std::string root);

    std::string maps_dir() const;
    std::string links_dir() const;
    std::string map_path(const std::string& map) const;
    std::string link_path(const std::string& program) const;

    // Creates the directories. Mounts bpffs on /sys/fs/bpf when the root is under it and
    // nothing is mounted there yet (hosts without systemd do not mount it).
    Status prepare() const;
    // True when links of this ABI version are pinned: a previous agent's enforcement runs.
    bool has_links() const;
    // Subdirectories of the root left by other ABI versions.
    std::vector<std::string> other_versions() const;
    // Removes <root>/<name> and everything pinned under it (detaching pinned links).
    Status remove_version(const std::string& name) const;
    // Removes the whole root: every pinned link (detaching its program) and map.
    Status remove_all() const;

  private:
    std::string root_;
    std::string version_dir_;
};

}  // namespace driftguard::kernel
