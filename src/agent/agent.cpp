#include "agent/agent.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <map>
#include <memory>

#include <spdlog/spdlog.h>

#include "common/kernel_dev.h"
#include "agent/copy_up_verifier.h"
#include "common/unique_fd.h"
#include "events/event_json.h"
#include "image/image_error.h"
#include "image/image_scanner.h"
#include "kernel/sensor.h"
#include "runtime/container_discovery.h"

namespace driftguard::agent {
namespace {

// Everything the agent keeps about one running container.
struct TrackedContainer {
    runtime::ContainerRoot root;
    std::shared_ptr<const image::Inventory> inventory;
    std::unique_ptr<CopyUpVerifier> verifier;
};

class Agent {
  public:
    Agent(const AgentOptions& options, std::ostream& events) : options_(options), events_(events) {}

    int run() {
        // Block the stop signals first: they are read from a signalfd, never delivered.
        sigset_t signals;
        sigemptyset(&signals);
        sigaddset(&signals, SIGINT);
        sigaddset(&signals, SIGTERM);
        ::sigprocmask(SIG_BLOCK, &signals, nullptr);
        struct stat host_root {};
        ::stat("/", &host_root);
        kernel::SensorConfig config;
        config.default_mode = options_.mode;
        config.host_root_dev = kernel_dev(host_root.st_dev);
        config.only_container_dev = options_.only_container;
        auto started =
            kernel::Sensor::start(config, [this](const dg_event& event) { report(event); });
        if (!started) {
            spdlog::error("cannot start the kernel sensor: {}", started.error().message);
            return 1;
        }
        sensor_ = std::move(started.value());
        spdlog::info("sensor attached: backend kill (bpf_send_signal), default mode {}",
                     events::mode_name(options_.mode));

        epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
        UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC));
        UniqueFd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
        itimerspec interval{};
        interval.it_interval.tv_sec = options_.discovery_interval_ms / 1000;
        interval.it_interval.tv_nsec = (options_.discovery_interval_ms % 1000) * 1000000L;
        interval.it_value.tv_nsec = 1;
        ::timerfd_settime(timer.get(), 0, &interval, nullptr);
        watch(sensor_->events_fd());
        watch(signal_fd.get());
        watch(timer.get());
        spdlog::info("agent running; stop with SIGINT or SIGTERM");

        std::array<epoll_event, 16> ready{};
        for (;;) {
            int count =
                ::epoll_wait(epoll_.get(), ready.data(), static_cast<int>(ready.size()), -1);
            if (count < 0 && errno == EINTR) {
                continue;
            }
            for (int i = 0; i < count; ++i) {
                const int fd = ready[i].data.fd;
                if (fd == signal_fd.get()) {
                    log_counters();
                    spdlog::info(
                        "stopping: detaching the sensor (enforcement ends with the agent)");
                    return 0;
                }
                if (fd == timer.get()) {
                    std::uint64_t expirations = 0;
                    (void)::read(timer.get(), &expirations, sizeof(expirations));
                    discover();
                } else if (fd == sensor_->events_fd()) {
                    (void)sensor_->consume();
                } else if (auto owner = inotify_owner_.find(fd); owner != inotify_owner_.end()) {
                    auto container = containers_.find(owner->second);
                    if (container != containers_.end()) {
                        container->second.verifier->handle_watch_events();
                    }
                }
            }
        }
    }

  private:
    void log_counters() const {
        const auto counters = sensor_->counters();
        spdlog::info(
            "counters: execs judged {}, executable mappings judged {}, killed {}, audited {}, "
            "events dropped {}, scripts judged drift for lack of room {}, scripts never opened {}",
            counters.values[DG_COUNTER_EXECS], counters.values[DG_COUNTER_MAPS],
            counters.values[DG_COUNTER_KILLS], counters.values[DG_COUNTER_AUDITS],
            counters.values[DG_COUNTER_EVENTS_DROPPED], counters.values[DG_COUNTER_PENDING_FULL],
            counters.values[DG_COUNTER_SCRIPTS_UNSEEN]);
    }

    void watch(int fd) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = fd;
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event);
    }

    std::shared_ptr<const image::Inventory> inventory_of(const runtime::ContainerRoot& root) {
        std::string key;
        for (const auto& dir : root.lowerdirs) {
            key += dir + ":";
        }
        if (auto cached = inventories_.find(key); cached != inventories_.end()) {
            return cached->second;
        }
        image::ScanLimits limits;
        image::ImageInfo info;
        info.reference = "overlay lowerdirs of container " + std::to_string(root.dev);
        auto source = image::open_layer_directories(root.lowerdirs, info);
        auto inventory =
            std::make_shared<const image::Inventory>(image::scan_image(*source, limits));
        inventories_[key] = inventory;
        return inventory;
    }

    void discover() {
        auto found = runtime::discover_containers();
        for (auto& [dev, root] : found) {
            if (containers_.count(dev) != 0 ||
                (options_.only_container != 0 && dev != options_.only_container)) {
                continue;
            }
            TrackedContainer tracked;
            tracked.root = root;
            try {
                tracked.inventory = inventory_of(root);
            } catch (const image::ImageError& error) {
                spdlog::warn("container {}: cannot read its image layers ({}); copy-ups stay drift",
                             dev, error.what());
                tracked.inventory = std::make_shared<const image::Inventory>();
            }
            tracked.verifier =
                std::make_unique<CopyUpVerifier>(*sensor_, *tracked.inventory, root.upperdir);
            tracked.verifier->sweep();
            spdlog::info("container {}: pid {}, {} image layers, {} image executables, upper {}",
                         dev, root.pid, root.lowerdirs.size(),
                         tracked.inventory->executables.size(), root.upperdir);
            inotify_owner_[tracked.verifier->watch_fd()] = dev;
            watch(tracked.verifier->watch_fd());
            containers_.emplace(dev, std::move(tracked));
        }
        for (auto it = containers_.begin(); it != containers_.end();) {
            if (found.count(it->first) == 0) {
                spdlog::info("container {}: gone", it->first);
                inotify_owner_.erase(it->second.verifier->watch_fd());
                it = containers_.erase(it);
            } else {
                ++it;
            }
        }
    }

    void report(const dg_event& event) {
        events::EventContext context;
        auto container = containers_.find(event.container_dev);
        if (container != containers_.end()) {
            context.container_upperdir = container->second.root.upperdir;
            refine(event, container->second, context);
        }
        events_ << events::event_to_json(event, context).dump() << '\n';
        events_.flush();
    }

    // Says which upper-layer drift this is: a modified image file, a copy of an image
    // executable at a new path, or a new file.
    static void refine(const dg_event& event, const TrackedContainer& container,
                       events::EventContext& context) {
        if (event.kind != DG_KIND_UPPER || event.path[0] != '/') {
            return;
        }
        const std::string path(event.path, strnlen(event.path, sizeof(event.path)));
        const bool in_image = container.verifier->image_executable(path) != nullptr;
        context.refined_kind = in_image ? "modified-image-file" : "new-file";
    }

    AgentOptions options_;
    std::ostream& events_;
    std::unique_ptr<kernel::Sensor> sensor_;
    UniqueFd epoll_;
    std::map<std::uint32_t, TrackedContainer> containers_;
    std::map<int, std::uint32_t> inotify_owner_;
    std::map<std::string, std::shared_ptr<const image::Inventory>> inventories_;
};

}  // namespace

int run_agent(const AgentOptions& options, std::ostream& events) {
    Agent agent(options, events);
    return agent.run();
}

}  // namespace driftguard::agent
