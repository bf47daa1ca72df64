#include "agent/container_registry.h"

#include <set>

#include <fmt/chrono.h>
#include <spdlog/spdlog.h>

#include "agent/runtime_init_binaries.h"
#include "common/utc_time.h"
#include "events/event_json.h"
#include "image/image_error.h"
#include "policy/policy_modes.h"

namespace driftguard::agent {
namespace {

std::string mode_word(dg_mode mode) {
    return std::string(events::mode_name(mode));
}

std::string short_id(const std::string& id) {
    return id.substr(0, 12);
}

constexpr unsigned kMetadataThreads = 2;
constexpr unsigned kInventoryThreads = 2;
constexpr unsigned kHashingThreads = 2;
constexpr std::size_t kMaxQueuedJobs = 256;
// A container can be found in the moment between its runtime starting its first process
// and writing its state (runc's state.json, dockerd's config.v2.json, BuildKit's): its
// metadata is read again at the next few discovery walks (one a second) until a runtime
// is found, and it is decided only then (or after the last read). Until then the kernel's
// defaults judge it, build steps included: a mode decided from empty metadata would take
// precedence over the kernel's build-step fallback.
constexpr unsigned kMetadataReads = 5;

}  // namespace

ContainerRegistry::ContainerRegistry(kernel::ContainerState& kernel,
                                     runtime::MetadataResolver resolver,
                                     std::uint32_t only_container, PolicySource policy,
                                     WatchFd watch, UpperLayerVerifier::Defer defer)
    : kernel_(kernel),
      resolver_(std::move(resolver)),
      only_container_(only_container),
      policy_(std::move(policy)),
      watch_(std::move(watch)),
      defer_(std::move(defer)),
      runtime_inits_(kernel),
      metadata_workers_("metadata", kMetadataThreads, kMaxQueuedJobs),
      inventory_workers_("inventory", kInventoryThreads, kMaxQueuedJobs),
      hashing_workers_("hashing", kHashingThreads, kMaxQueuedJobs) {
    for (const auto& path : allow_runtime_init_binaries(runtime_inits_)) {
        spdlog::info("runtime init binary {} allowed (bind-mounted from the host by --init)", path);
    }
}

ContainerRegistry::~ContainerRegistry() = default;

void ContainerRegistry::sync(const std::map<std::uint32_t, runtime::ContainerRoot>& found) {
    // Gone first: a container whose key a new container now has (overlay device numbers
    // are reused) is gone too, and the new one is onboarded below as a stranger.
    for (auto it = containers_.begin(); it != containers_.end();) {
        auto now = found.find(it->first);
        if (now == found.end() || now->second.identity != it->second.root.identity) {
            spdlog::info("container {}: gone", it->second.metadata.id.empty()
                                                   ? std::to_string(it->first)
                                                   : short_id(it->second.metadata.id));
            (void)kernel_.clear_container_mode(it->first);
            it = containers_.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto& [dev, root] : found) {
        if (containers_.count(dev) != 0 || (only_container_ != 0 && dev != only_container_)) {
            continue;
        }
        TrackedContainer tracked;
        tracked.root = root;
        tracked.seen_since = std::chrono::system_clock::now();
        tracked.allowed = std::make_unique<AllowedFiles>(kernel_);
        tracked.volumes = std::make_unique<VolumeExceptions>(*tracked.allowed, dev);
        tracked.writers = std::make_unique<WriterExceptions>(kernel_, dev, root.identity);
        containers_.emplace(dev, std::move(tracked));
        waiting_.push_back(root);
    }
    waiting_.insert(waiting_.end(), rereads_.begin(), rereads_.end());
    rereads_.clear();
    start_onboarding();
    inventories_.prune();
}

void ContainerRegistry::start_onboarding() {
    auto next = waiting_.begin();
    for (; next != waiting_.end(); ++next) {
        if (still_there(*next) == nullptr) {
            continue;
        }
        const runtime::ContainerRoot root = *next;
        const bool queued = metadata_workers_.submit([this, root] {
            // Whatever goes wrong, the container is decided (with what is known of it).
            runtime::ContainerMetadata metadata;
            try {
                metadata = resolver_.resolve_container(root.pid, root.upperdir, root.dev);
            } catch (const std::exception& failure) {
                spdlog::warn("container {}: cannot read its runtime metadata: {}", root.dev,
                             failure.what());
            }
            return [this, root, metadata = std::move(metadata)]() mutable {
                metadata_read(root, std::move(metadata));
            };
        });
        if (!queued) {
            break;  // the rest wait for the next sync
        }
    }
    waiting_.erase(waiting_.begin(), next);
}

TrackedContainer* ContainerRegistry::still_there(const runtime::ContainerRoot& root) {
    auto found = containers_.find(root.dev);
    return found == containers_.end() || found->second.root.identity != root.identity
               ? nullptr
               : &found->second;
}

void ContainerRegistry::metadata_read(const runtime::ContainerRoot& root,
                                      runtime::ContainerMetadata metadata) {
    TrackedContainer* container = still_there(root);
    if (container == nullptr) {
        return;
    }
    container->metadata = std::move(metadata);
    container->metadata_reads += 1;
    const bool first_read = container->metadata_reads == 1;
    const bool runtime_found = !container->metadata.runtime.empty();
    if (!runtime_found && container->metadata_reads < kMetadataReads) {
        rereads_.push_back(root);
    } else {
        container->metadata_known = true;
        // The mode and the kernel's exceptions first: reading a new image's layers for its
        // inventory can take a second, and the container is running meanwhile.
        decide(*container);
        if (!first_read && runtime_found) {
            spdlog::info("container {} ({}, {}): runtime metadata found on read {}",
                         short_id(container->metadata.id),
                         container->metadata.name.empty() ? "unnamed" : container->metadata.name,
                         container->metadata.runtime, container->metadata_reads);
        }
    }
    if (!first_read) {
        return;  // the image's inventory is read once
    }
    const bool queued = inventory_workers_.submit([this, root] {
        std::shared_ptr<const image::Inventory> inventory;
        std::string error;
        try {
            inventory = inventories_.get(root.lowerdirs);
        } catch (const std::exception& failure) {  // ImageError, or I/O and memory
            error = failure.what();
        }
        return [this, root, inventory = std::move(inventory), error] {
            inventory_read(root, inventory, error);
        };
    });
    if (!queued) {
        inventory_read(root, nullptr, "the agent's inventory queue is full");
    }
}

void ContainerRegistry::inventory_read(const runtime::ContainerRoot& root,
                                       std::shared_ptr<const image::Inventory> inventory,
                                       const std::string& error) {
    TrackedContainer* container = still_there(root);
    if (container == nullptr) {
        return;
    }
    if (!inventory) {
        spdlog::warn(
            "container {}: cannot read its image layers ({}); its copied-up files stay drift",
            root.dev, error);
        inventory = std::make_shared<const image::Inventory>();
    }
    container->inventory = std::move(inventory);
    container->verifier = std::make_unique<UpperLayerVerifier>(
        *container->allowed, *container->inventory, root.upperdir, hashing_workers_, defer_);
    container->verifier->set_exceptions(container->exceptions);  // sweeps when there are any
    if (container->exceptions.empty()) {
        container->verifier->sweep();
    }
    container->volumes->refresh(root.pid, container->exceptions);
    watch_(container->verifier->watch_fd());
    const auto& metadata = container->metadata;
    const std::string mode =
        container->metadata_known
            ? mode_word(container->decision.mode) + " from " + container->decision.reason
            : "not decided yet (the kernel's defaults judge it until its runtime is found)";
    spdlog::info("container {} ({}, {}): image {}, {} executables in {} layers, mode {}",
                 metadata.id.empty() ? std::to_string(root.dev) : short_id(metadata.id),
                 metadata.name.empty() ? "unnamed" : metadata.name,
                 metadata.runtime.empty() ? "unknown runtime" : metadata.runtime,
                 metadata.image_name.empty() ? "unknown" : metadata.image_name,
                 container->inventory->executables.size(), root.lowerdirs.size(), mode);
}

std::vector<int> ContainerRegistry::completion_fds() const {
    return {metadata_workers_.completion_fd(), inventory_workers_.completion_fd(),
            hashing_workers_.completion_fd()};
}

void ContainerRegistry::run_completions(int fd) {
    for (WorkerPool* pool : {&metadata_workers_, &inventory_workers_, &hashing_workers_}) {
        if (pool->completion_fd() == fd) {
            pool->run_completions();
        }
    }
    start_onboarding();  // the queue may have room again
}

nlohmann::json ContainerRegistry::workers_status() const {
    nlohmann::json status = nlohmann::json::object();
    for (const WorkerPool* pool : {&metadata_workers_, &inventory_workers_, &hashing_workers_}) {
        status[pool->name()] = stats_json(*pool);
    }
    status["containers_waiting"] = waiting_.size();
    return status;
}

void ContainerRegistry::decide(TrackedContainer& container) {
    const auto previous = container.decision.mode;
    container.decision = policy::decide_mode(policy_(), container.metadata);
    container.exceptions.clear();
    container.writer_exceptions.clear();
    for (auto& exception : policy::exceptions_for(policy_(), container.metadata)) {
        (exception.written_by.empty() ? container.exceptions : container.writer_exceptions)
            .push_back(std::move(exception));
    }
    if (auto status =
            kernel_.set_container_mode(container.root.dev, container.decision.mode,
                                       container.decision.sensor_flags(), container.root.identity);
        !status) {
        // The container keeps the default mode (enforce unless the policy says otherwise).
        spdlog::error("container {}: cannot set its mode: {}", container.root.dev,
                      status.error().message);
    } else if (previous != container.decision.mode && !container.metadata.id.empty()) {
        spdlog::debug("container {}: mode {}", short_id(container.metadata.id),
                      mode_word(container.decision.mode));
    }
    container.writers->apply(container.root.pid, container.writer_exceptions);
    if (container.verifier) {
        container.verifier->set_exceptions(container.exceptions);
    }
}

void ContainerRegistry::apply() {
    for (auto& [dev, container] : containers_) {
        if (!container.metadata_known) {
            continue;  // decided under the policy of the moment its metadata arrives
        }
        const auto before = container.decision;
        decide(container);
        container.volumes->refresh(container.root.pid, container.exceptions);
        if (before.mode != container.decision.mode) {
            spdlog::info("container {}: mode {} -> {} ({})",
                         container.metadata.id.empty() ? std::to_string(dev)
                                                       : short_id(container.metadata.id),
                         mode_word(before.mode), mode_word(container.decision.mode),
                         container.decision.reason);
        }
    }
}

void ContainerRegistry::refresh_verifications() {
    for (auto& [dev, container] : containers_) {
        if (!container.verifier) {
            continue;  // still onboarding
        }
        container.volumes->refresh(container.root.pid, container.exceptions);
        container.verifier->retry_files_with_writers();
    }
}

void ContainerRegistry::forget_strays() {
    std::size_t modes = 0;
    for (std::uint32_t key : kernel_.container_mode_keys()) {
        if (containers_.count(key) == 0) {
            (void)kernel_.clear_container_mode(key);
            ++modes;
        }
    }
    std::set<AllowedFiles::Key> owned;
    for (const auto& [key, version] : runtime_inits_.entries()) {
        owned.insert(key);
    }
    for (const auto& [dev, container] : containers_) {
        for (const auto& [key, version] : container.allowed->entries()) {
            owned.insert(key);
        }
    }
    kernel_.forget_writers([this](std::uint32_t dev) { return containers_.count(dev) == 0; });
    std::size_t files = 0;
    for (const auto& key : kernel_.allowed_keys()) {
        if (owned.count({key.ino, key.dev}) == 0) {
            (void)kernel_.forget_inode(key);
            ++files;
        }
    }
    if (modes + files > 0) {
        spdlog::info(
            "adopted state: removed {} modes and {} allowed files of containers that "
            "are gone",
            modes, files);
    }
}

void ContainerRegistry::keep_kernel_state() {
    runtime_inits_.keep_in_kernel();
    for (auto& [dev, container] : containers_) {
        container.allowed->keep_in_kernel();
        container.writers->keep_in_kernel();
    }
}

TrackedContainer* ContainerRegistry::find(std::uint32_t dev, std::uint64_t identity) {
    auto found = containers_.find(dev);
    if (found == containers_.end() || (identity != 0 && found->second.root.identity != 0 &&
                                       found->second.root.identity != identity)) {
        return nullptr;  // a container that had the same key before: not this one
    }
    return &found->second;
}

TrackedContainer* ContainerRegistry::find_by_watch_fd(int fd) {
    for (auto& [dev, container] : containers_) {
        if (container.verifier && container.verifier->watch_fd() == fd) {
            return &container;
        }
    }
    return nullptr;
}

std::set<std::string> ContainerRegistry::metric_labels() const {
    std::set<std::string> labels;
    for (const auto& [dev, container] : containers_) {
        labels.insert(metric_label(container));
    }
    return labels;
}

std::map<std::string, std::size_t> ContainerRegistry::count_by_mode() const {
    std::map<std::string, std::size_t> counts;
    for (const auto& [dev, container] : containers_) {
        counts[mode_word(container.decision.mode)] += 1;
    }
    return counts;
}

nlohmann::json ContainerRegistry::status() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [dev, container] : containers_) {
        nlohmann::json entry = events::metadata_to_json(container.metadata);
        entry["key"] = dev;
        entry["pid"] = container.root.pid;
        entry["mode"] = mode_word(container.decision.mode);
        entry["mode_from"] = container.decision.reason;
        entry["onboarding"] = !container.metadata_known ? "reading runtime metadata"
                              : !container.inventory    ? "reading the image"
                                                        : "done";
        entry["image_executables"] = container.inventory
                                         ? nlohmann::json(container.inventory->executables.size())
                                         : nlohmann::json(nullptr);
        entry["allowed_files"] = container.allowed->size();
        entry["files_being_verified"] = container.verifier ? container.verifier->hashing() : 0;
        entry["exceptions"] = container.exceptions.size() + container.writer_exceptions.size();
        entry["blocked"] = container.blocked;
        entry["audited"] = container.audited;
        entry["since"] = utc_seconds(container.seen_since);
        list.push_back(std::move(entry));
    }
    return list;
}

}  // namespace driftguard::agent
