#include "agent/agent.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <memory>
#include <optional>

#include <fmt/chrono.h>
#include <spdlog/spdlog.h>

#include "agent/agent_health.h"
#include "agent/backend_choice.h"
#include "agent/build_programs.h"
#include "agent/container_registry.h"
#include "agent/control_api.h"
#include "agent/control_protocol.h"
#include "agent/control_server.h"
#include "agent/event_enricher.h"
#include "agent/event_log.h"
#include "agent/event_loop.h"
#include "agent/event_sink.h"
#include "agent/flood_control.h"
#include "agent/instance_lock.h"
#include "agent/libbpf_log.h"
#include "agent/metrics.h"
#include "agent/mount_watch.h"
#include "agent/policy_keeper.h"
#include "agent/scope_recovery.h"
#include "agent/worker_pool.h"
#include "common/kernel_dev.h"
#include "common/unique_fd.h"
#include "common/utc_time.h"
#include "events/event_json.h"
#include "kernel/counter_names.h"
#include "kernel/kernel_requirements.h"
#include "kernel/pin_holders.h"
#include "kernel/pinned_state.h"
#include "kernel/sensor.h"
#include "runtime/container_discovery.h"

namespace driftguard::agent {
namespace {

// Events waiting for their hash; past this, events are published without one.
constexpr std::size_t kMaxQueuedEvents = 1024;

class Agent {
  public:
    Agent(const AgentOptions& options, std::ostream& events)
        : options_(options),
          sink_({.path = options.events_path,
                 .also_stdout = options.events_also_stdout,
                 .max_bytes = options.events_max_bytes,
                 .keep = options.events_keep,
                 .format = options.falco_output ? EventSink::Format::falco
                                                : EventSink::Format::driftguard},
                events),
          started_(std::chrono::system_clock::now()) {}

    int run() {
        auto lock = InstanceLock::acquire(options_.state_dir);
        if (!lock) {
            spdlog::error("{}", lock.error().message);
            return 1;
        }
        if (!load_initial_policy()) {
            return 2;
        }
        // Two agents on one pinned sensor would each replace the other's programs.
        if (!options_.pin_root.empty()) {
            if (const auto holders = kernel::pin_holders(options_.pin_root); !holders.empty()) {
                spdlog::error(
                    "another driftguard agent (pid {}) holds the sensor pinned in {}: stop it "
                    "first",
                    holders.front(), options_.pin_root);
                return 1;
            }
        }
        // The signals are read from a signalfd, never delivered. A signal ignored when the
        // agent was started (a background job of a non-interactive shell ignores SIGINT)
        // is discarded before it could reach the signalfd: back to the default first.
        sigset_t signals;
        sigemptyset(&signals);
        for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
            (void)::signal(signal, SIG_DFL);
            sigaddset(&signals, signal);
        }
        ::sigprocmask(SIG_BLOCK, &signals, nullptr);
        if (!sink_.error().empty()) {
            return 1;
        }
        if (!start_sensor()) {
            return 1;
        }
        enricher_.emplace(*sensor_, backend_.name);
        if (!options_.metrics_address.empty()) {
            auto metrics = Metrics::serve(
                options_.metrics_address, backend_,
                {{"/healthz", [this] { return health_.liveness(AgentHealth::Clock::now()); }},
                 {"/readyz", [this] { return health_.readiness(AgentHealth::Clock::now()); }}});
            if (!metrics) {
                spdlog::error("{}", metrics.error().message);
                return 1;
            }
            metrics_ = std::move(metrics.value());
            spdlog::info("metrics on http://{0}/metrics, probes on http://{0}/healthz and /readyz",
                         metrics_->listening());
        }
        runtime::RuntimePaths paths;
        paths.ask_podman = options_.ask_podman;
        registry_.emplace(
            *sensor_, runtime::MetadataResolver(paths), options_.only_container,
            [this]() -> const policy::Policy& { return policy_->current(); },
            [this](int fd) {
                loop_.watch(fd, [this, fd] {
                    if (auto* container = registry_->find_by_watch_fd(fd)) {
                        container->verifier->handle_watch_events();
                    }
                });
            },
            [this](std::function<void()> task) { loop_.defer(std::move(task)); });

        auto control = ControlServer::listen(
            control::socket_path(options_.state_dir),
            [this](const nlohmann::json& request, const ControlServer::Reply& reply,
                   bool& keep_open) { control_api_.answer(request, reply, keep_open); });
        if (!control) {
            spdlog::error("{}", control.error().message);
            return 1;
        }
        control_ = std::move(control.value());
        control_->set_loop(loop_);
        UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC));
        UniqueFd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
        itimerspec interval{};
        interval.it_interval.tv_sec = options_.discovery_interval_ms / 1000;
        interval.it_interval.tv_nsec = (options_.discovery_interval_ms % 1000) * 1000000L;
        interval.it_value.tv_nsec = 1;
        ::timerfd_settime(timer.get(), 0, &interval, nullptr);
        loop_.watch(sensor_->events_fd(), [this] { (void)sensor_->consume(); });
        loop_.watch(signal_fd.get(), [this, fd = signal_fd.get()] {
            signalfd_siginfo info{};
            (void)::read(fd, &info, sizeof(info));
            if (info.ssi_signo == SIGHUP) {
                reload_policy("SIGHUP");
                return;
            }
            flush_repeats(true);
            stop_message();
            loop_.stop();
        });
        loop_.watch(timer.get(), [this, fd = timer.get()] {
            std::uint64_t expirations = 0;
            (void)::read(fd, &expirations, sizeof(expirations));
            health_.beat(AgentHealth::Clock::now());
            discover();
            flush_repeats(false);
            update_metrics();
        });
        loop_.watch(
            mounts_.fd(),
            [this] {
                mounts_.changed();
                discover_new();
            },
            EPOLLPRI);
        loop_.watch(policy_->watch_fd(), [this] {
            if (policy_->drain()) {
                reload_policy("file change");
            }
        });
        for (int fd : registry_->completion_fds()) {
            loop_.watch(fd, [this, fd] { registry_->run_completions(fd); });
        }
        loop_.watch(event_workers_.completion_fd(), [this] { event_workers_.run_completions(); });
        loop_.watch(discovery_workers_.completion_fd(),
                    [this] { discovery_workers_.run_completions(); });
        spdlog::info("control socket {}", control::socket_path(options_.state_dir));
        spdlog::info("agent running; stop with SIGINT or SIGTERM, reload the policy with SIGHUP");

        // Know the running containers before the first event is read: events the pinned
        // sensor kept while no agent ran then carry their container's metadata.
        discover_now();
        if (sensor_->adopted()) {
            registry_->forget_strays();
        }
        health_.set_ready();
        // While a container may be starting, look for it every few milliseconds.
        loop_.run(
            [this]() -> std::optional<std::chrono::milliseconds> {
                if (mounts_.in_burst()) {
                    return MountWatch::kBurstInterval;
                }
                return std::nullopt;
            },
            [this] { discover_new(); });
        return 0;
    }

  private:
    bool load_initial_policy() {
        auto keeper = PolicyKeeper::start(options_.policy_path, options_.mode);
        if (!keeper) {
            spdlog::error("policy refused: {}", keeper.error().message);
            return false;
        }
        policy_.emplace(std::move(keeper.value()));
        if (!options_.policy_path.empty()) {
            log_policy("policy " + options_.policy_path);
        }
        return true;
    }

    void log_policy(const std::string& what) const {
        const auto& current = policy_->current();
        spdlog::info("{}: sha256 {}, default {}, {} rules, {} exceptions", what,
                     current.digest.substr(0, 12), events::mode_name(current.default_mode),
                     current.rules.size(), current.exceptions.size());
    }

    bool start_sensor() {
        route_libbpf_log();
        if (auto usable = kernel::check_kernel_requirements(kernel::running_kernel_release());
            !usable) {
            spdlog::error("{}", usable.error().message);
            return false;
        }
        auto backend = choose_backend(options_.backend);
        if (!backend) {
            spdlog::error("{}", backend.error().message);
            return false;
        }
        backend_ = std::move(backend.value());
        struct stat host_root {};
        ::stat("/", &host_root);
        kernel::SensorConfig config;
        config.default_mode = policy_->current().default_mode;
        config.build_default_mode = policy::build_default_mode(policy_->current());
        config.host_root_dev = kernel_dev(host_root.st_dev);
        config.only_container_dev = options_.only_container;
        config.pin_root = options_.pin_root;
        config.enforcement = backend_.enforcement;
        auto started =
            kernel::Sensor::start(config, [this](const dg_event& event) { report(event); });
        if (!started && backend_.enforcement != kernel::Enforcement::kill &&
            (options_.backend.empty() || options_.backend == "auto")) {
            spdlog::warn("backend {}: the sensor does not load ({}); falling back to kill",
                         backend_.name, started.error().message);
            backend_ = fall_back_to_kill(backend_, started.error().message);
            config.enforcement = kernel::Enforcement::kill;
            started =
                kernel::Sensor::start(config, [this](const dg_event& event) { report(event); });
        }
        if (!started) {
            spdlog::error("cannot start the kernel sensor: {}", started.error().message);
            return false;
        }
        sensor_ = std::move(started.value());
        for (const auto& path : register_build_programs(*sensor_)) {
            spdlog::info("build program {}: the containers it starts are image builds", path);
        }
        spdlog::info("sensor attached: backend {} ({}), default mode {}", backend_.name,
                     backend_.why, events::mode_name(policy_->current().default_mode));
        if (options_.pin_root.empty()) {
            spdlog::info("not pinned: enforcement ends when the agent stops");
        } else if (sensor_->adopted()) {
            spdlog::info("adopted the pinned sensor in {}: enforcement never stopped",
                         options_.pin_root);
        } else {
            spdlog::info("pinned in {}: enforcement stays if the agent stops", options_.pin_root);
        }
        if (!sensor_->adopted()) {
            recover_escaped_processes(*sensor_, runtime::discover_containers());
        }
        return true;
    }

    void stop_message() {
        log_counters();
        if (options_.pin_root.empty()) {
            spdlog::info("stopping: detaching the sensor (enforcement ends with the agent)");
        } else {
            registry_->keep_kernel_state();
            spdlog::info(
                "stopping: enforcement stays pinned in {} (remove it with driftguard "
                "agent --uninstall)",
                options_.pin_root);
        }
    }

    void reload_policy(const std::string& cause) {
        switch (policy_->reload()) {
            case PolicyKeeper::Outcome::no_file:
                spdlog::info("{}: no policy file to reload", cause);
                return;
            case PolicyKeeper::Outcome::unchanged:
                return;
            case PolicyKeeper::Outcome::refused:
                if (metrics_) {
                    metrics_->count_policy_refusal();
                }
                spdlog::error("policy reload ({}) refused, the previous policy stays in force: {}",
                              cause, policy_->last_refusal());
                return;
            case PolicyKeeper::Outcome::applied:
                break;
        }
        if (metrics_) {
            metrics_->count_policy_reload();
        }
        sensor_->set_default_mode(policy_->current().default_mode);
        sensor_->set_build_default_mode(policy::build_default_mode(policy_->current()));
        registry_->apply();
        log_policy("policy reloaded (" + cause + ")");
    }

    void log_counters() const {
        const auto counters = sensor_->counters();
        std::string text;
        for (const auto& [index, name] : kernel::kCounterNames) {
            text += fmt::format("{}{} {}", text.empty() ? "" : ", ", name, counters.values[index]);
        }
        spdlog::info("counters: {}", text);
    }

    void discover() {
        discover_new();
        registry_->refresh_verifications();
    }

    // Onboards containers that appeared and drops those that went. The walk of /proc (every
    // process's mount table: as long as the node has processes) runs on the discovery
    // worker; its result is applied here, on the loop. A walk asked for while one runs
    // follows it, so a container that started meanwhile is not missed.
    void discover_new() {
        if (discovering_) {
            rediscover_ = true;
            return;
        }
        discovering_ = discovery_workers_.submit([this] {
            std::map<std::uint32_t, runtime::ContainerRoot> found;
            bool complete = true;
            try {
                found = runtime::discover_containers();
            } catch (const std::exception& failure) {  // /proc unreadable, memory
                spdlog::warn("container discovery failed: {}", failure.what());
                complete = false;
            }
            return [this, complete, found = std::move(found)] {
                discovering_ = false;
                if (complete) {
                    registry_->sync(found);  // an incomplete walk would drop live containers
                }
                if (std::exchange(rediscover_, false)) {
                    discover_new();
                }
            };
        });
    }
    // The same, at once on the loop: before the first event is read.
    void discover_now() {
        registry_->sync(runtime::discover_containers());
        registry_->refresh_verifications();
    }

    void report(const dg_event& event) {
        ++received_;
        TrackedContainer* container =
            registry_ ? registry_->find(event.container_dev, event.container_identity) : nullptr;
        const std::string_view verdict = events::verdict_name(event.verdict);
        if (container != nullptr) {
            (verdict == "blocked" ? container->blocked : container->audited) += 1;
        }
        if (metrics_) {
            metrics_->count_drift(std::string(verdict), std::string(events::kind_name(event.kind)),
                                  container != nullptr ? metric_label(*container)
                                                       : std::to_string(event.container_dev));
        }
        // Every attempt was judged in the kernel; repeats are only counted here.
        if (!flood_.admit(event, FloodControl::Clock::now())) {
            return;
        }
        // What may be gone in a moment is taken now; hashing and walking the container's
        // writable layer happen on the event worker, in order.
        std::shared_ptr<EventEnricher::Captured> captured = enricher_->capture(event, container);
        const bool queued = event_workers_.submit([this, captured] {
            std::shared_ptr<nlohmann::json> json;
            try {
                json = std::make_shared<nlohmann::json>(
                    events::event_to_json(captured->event, EventEnricher::finish(*captured)));
            } catch (const std::exception& failure) {
                // Never lose the event: the kernel's record alone, and why.
                events::EventContext bare;
                bare.backend = captured->context.backend;
                bare.file_sha256_missing =
                    std::string("the agent could not describe the file: ") + failure.what();
                json =
                    std::make_shared<nlohmann::json>(events::event_to_json(captured->event, bare));
            }
            return [this, captured, json] {
                flood_.remember(captured->event, *json);
                publish(std::move(*json));
            };
        });
        if (!queued) {
            auto json = events::event_to_json(event, EventEnricher::finish(*captured, false));
            flood_.remember(event, json);
            publish(std::move(json));
        }
    }

    void publish(nlohmann::json event) {
        sink_.write(event);
        event_log_.append(std::move(event));
    }

    void flush_repeats(bool all) {
        for (auto& summary : flood_.flush(FloodControl::Clock::now(), all)) {
            publish(std::move(summary));
        }
    }

    void update_metrics() {
        if (!metrics_) {
            return;
        }
        metrics_->set_kernel_counters(sensor_->counters());
        metrics_->set_containers(registry_->count_by_mode());
        metrics_->set_events_lost(sink_.lost());
        metrics_->retire_containers(registry_->metric_labels(), Metrics::Clock::now());
    }

    nlohmann::json status() const {
        const auto counters = sensor_->counters();
        const auto& backend = backend_;
        return {
            {"ok", true},
            {"agent",
             {{"pid", ::getpid()},
              {"version", DRIFTGUARD_VERSION},
              {"started", utc_seconds(started_)},
              {"pinned", options_.pin_root},
              {"adopted_pinned_state", sensor_->adopted()},
              {"test_scope_container", options_.only_container}}},
            {"backend", backend_json(backend)},
            {"policy", policy_->to_json()},
            {"counters", counters_status(counters)},
            {"containers", registry_->status()},
            {"workers", workers_status()},
        };
    }

    nlohmann::json counters_status(const kernel::SensorCounters& counters) const {
        nlohmann::json json = kernel::counters_json(counters);
        json["events_received"] = received_;
        json["repeats_aggregated"] = flood_.suppressed();
        json["events_lost"] = sink_.lost();  // not written to the events file (disk full)
        return json;
    }

    nlohmann::json workers_status() const {
        nlohmann::json status = registry_->workers_status();
        for (const WorkerPool* pool : {&event_workers_, &discovery_workers_}) {
            status[pool->name()] = stats_json(*pool);
        }
        return status;
    }

    static nlohmann::json backend_json(const BackendChoice& backend) {
        nlohmann::json considered = nlohmann::json::array();
        for (const auto& option : backend.considered) {
            considered.push_back({{"name", option.name},
                                  {"offered_by_kernel", option.offered},
                                  {"in_this_release", option.in_release},
                                  {"reason", option.reason}});
        }
        return {{"name", backend.name},
                {"action", backend.action},
                {"why", backend.why},
                {"considered", considered}};
    }

    AgentOptions options_;
    BackendChoice backend_;
    EventSink sink_;
    FloodControl flood_;
    std::optional<EventEnricher> enricher_;
    AgentHealth health_;
    std::unique_ptr<Metrics> metrics_;
    std::uint64_t received_ = 0;  // events read from the ring buffer
    std::chrono::system_clock::time_point started_;
    std::optional<PolicyKeeper> policy_;
    std::unique_ptr<kernel::Sensor> sensor_;
    std::optional<ContainerRegistry> registry_;
    std::unique_ptr<ControlServer> control_;
    EventLog event_log_;
    ControlApi control_api_{[this] { return status(); }, event_log_};
    MountWatch mounts_;
    EventLoop loop_;
    // One thread: events are published in the order the kernel reported them.
    WorkerPool event_workers_{"events", 1, kMaxQueuedEvents};
    WorkerPool discovery_workers_{"discovery", 1, 1};  // walks /proc for containers
    bool discovering_ = false;                         // a walk is queued or under way
    bool rediscover_ = false;                          // another was asked for meanwhile
};

}  // namespace

int run_agent(const AgentOptions& options, std::ostream& events) {
    Agent agent(options, events);
    return agent.run();
}

int uninstall(const std::string& pin_root, const std::string& state_dir) {
    if (InstanceLock::held(state_dir)) {
        spdlog::error("an agent is running (lock {}/agent.lock): stop it first, then uninstall",
                      state_dir);
        return 1;
    }
    // However that agent was started (another --state-dir, another lock): it holds the
    // pinned maps open.
    if (const auto holders = kernel::pin_holders(pin_root); !holders.empty()) {
        spdlog::error(
            "process {} holds the sensor pinned in {} open (a running agent): stop it first, "
            "then uninstall",
            holders.front(), pin_root);
        return 1;
    }
    kernel::PinnedState pins(pin_root);
    if (auto removed = pins.remove_all(); !removed) {
        spdlog::error("{}", removed.error().message);
        return 1;
    }
    spdlog::info("removed the pinned sensor in {}: driftguard enforces nothing now", pin_root);
    return 0;
}

}  // namespace driftguard::agent
