#pragma once

#include <string>
#include <vector>

#include "image/inventory.h"
#include "runtime/container_discovery.h"

namespace driftguard::runtime {

// How an executable of a running container differs from its image.
struct ExecutableChange {
    enum class Kind { added, modified, removed };
    Kind kind = Kind::added;
    std::string path;
    std::string sha256;            // in the container now ("" when removed)
    std::string image_sha256;      // in the image ("" when added)
    std::uint32_t mode = 0;        // in the container now
    std::uint32_t image_mode = 0;  // in the image
    std::string image_layer;       // the image layer that supplied it (modified, removed)
};

std::string_view to_string(ExecutableChange::Kind kind);

// The executables of the container as it is now (its image layers plus its writable layer,
// whiteouts and opaque directories applied) compared with its image's: added, modified
// (content or mode) and removed, sorted by path. `image` is the inventory of the lower
// layers alone (computed here when null). Paths at or beneath `hidden` (the container's
// mount points: runtime-provided files like /etc/hosts, volumes) are what the container
// does not see of its layers, and are left out.
std::vector<ExecutableChange> diff_container(const ContainerRoot& root,
                                             const std::vector<std::string>& hidden = {},
                                             const image::Inventory* image = nullptr);

}  // namespace driftguard::runtime
