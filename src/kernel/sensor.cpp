#include "kernel/sensor.h"

#include <bpf/btf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "common/kernel_dev.h"
#include "common/unique_fd.h"
#include "kernel/pinned_state.h"
#include "kernel/ring_buffer.h"
#include "kernel/skeletons.h"

namespace driftguard::kernel {

struct Sensor::State {
    SensorProgram program;
    std::optional<RingBuffer> events;
    EventHandler handler;
    bool adopted = false;
};

namespace {

// The maps whose contents a restarted agent must find again (provenance included: who
// wrote a file and what they connected to, learnt before the restart). The scratch and
// per-call maps hold nothing that outlives one system call.
std::vector<bpf_map*> persistent_maps(const SensorProgram& program) {
    return {program->maps.dg_container_modes,  program->maps.dg_allowed,
            program->maps.dg_task_scope,       program->maps.dg_task_scripts,
            program->maps.dg_events,           program->maps.dg_counters,
            program->maps.dg_writers,          program->maps.dg_connections,
            program->maps.dg_last_write_open,  program->maps.dg_copy_up_dirty,
            program->maps.dg_copy_up_distrust, program->maps.dg_event_shares,
            program->maps.dg_writer_programs,  program->maps.dg_writer_dirs,
            program->maps.dg_file_programs};
}

// The programs of `enforcement`: the kill backend's system-call and io_uring tracepoints,
// or the security hooks (lsm/ or fmod_ret/security_*) with the fentry programs both deny
// backends share (observations, memory writes). Fork and exec tracepoints serve every
// backend.
void choose_backend_programs(const SensorProgram& program, Enforcement enforcement) {
    const bool deny = enforcement != Enforcement::kill;
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, program->obj) {
        const std::string_view section = bpf_program__section_name(prog);
        bool wanted = true;
        if (section.starts_with("lsm/")) {
            wanted = enforcement == Enforcement::lsm;
        } else if (section.starts_with("fmod_ret/")) {
            wanted = enforcement == Enforcement::fmod_ret;
        } else if (section.starts_with("fentry/")) {
            wanted = deny;
        } else if (section.starts_with("tp_btf/sys_") || section.starts_with("tp_btf/io_uring")) {
            wanted = !deny;
        }
        bpf_program__set_autoload(prog, wanted);
    }
}

// Tracepoints that exist under another name (or not at all) on some kernels: load only the
// programs whose tracepoint the running kernel has, so the rest of the sensor still loads.
void choose_tracepoint_programs(const SensorProgram& program) {
    btf* kernel_btf = btf__load_vmlinux_btf();
    auto has = [kernel_btf](const char* tracepoint) {
        const std::string type = std::string("btf_trace_") + tracepoint;
        return kernel_btf != nullptr &&
               btf__find_by_name_kind(kernel_btf, type.c_str(), BTF_KIND_TYPEDEF) > 0;
    };
    for (auto [prog, tracepoint] : {std::pair{program->progs.dg_uring_sub, "io_uring_submit_req"},
                                    std::pair{program->progs.dg_uring_sub61, "io_uring_submit_sqe"},
                                    std::pair{program->progs.dg_uring_done, "io_uring_complete"}}) {
        if (bpf_program__autoload(prog) && !has(tracepoint)) {
            bpf_program__set_autoload(prog, false);
        }
    }
    btf__free(kernel_btf);
}

// s_dev of the kernel's internal shmem mount, where every memfd lives (0 if unknown).
std::uint32_t internal_shmem_dev() {
    UniqueFd probe(::memfd_create("driftguard-probe", MFD_CLOEXEC));
    struct stat info {};
    if (!probe || ::fstat(probe.get(), &info) != 0) {
        return 0;
    }
    return kernel_dev(info.st_dev);
}

std::uint64_t monotonic_now_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ULL +
           static_cast<std::uint64_t>(now.tv_nsec);
}

// Before load: libbpf reuses a compatible map already pinned at the path, or pins the
// new one there after creating it.
Status pin_maps(const SensorProgram& program, const PinnedState& pins) {
    for (bpf_map* map : persistent_maps(program)) {
        const std::string path = pins.map_path(bpf_map__name(map));
        if (auto set = check_libbpf(bpf_map__set_pin_path(map, path.c_str()), "pin", path); !set) {
            return set;
        }
    }
    return Ok{};
}

// After attach: each new link replaces the pinned one of the same program. The old
// link detaches when its pin goes; the new one is already attached by then, so the
// programs never stop judging (for an instant both run, with the same verdict).
Status pin_links(const SensorProgram& program, const PinnedState& pins) {
    const bpf_object_skeleton* skeleton = program->skeleton;
    std::set<std::string> attached;
    for (int i = 0; i < skeleton->prog_cnt; ++i) {
        bpf_link* link = *skeleton->progs[i].link;
        if (link == nullptr) {
            continue;
        }
        attached.insert(skeleton->progs[i].name);
        const std::string path = pins.link_path(skeleton->progs[i].name);
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
            return Error{"cannot replace pinned link " + path + ": " + std::strerror(errno), errno};
        }
        if (auto pinned = check_libbpf(bpf_link__pin(link, path.c_str()), "pin", path); !pinned) {
            return pinned;
        }
    }
    // Links of programs another backend attached (an agent restarted with another
    // --backend): the new programs judge from here on.
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(pins.links_dir(), error)) {
        if (attached.count(entry.path().filename().string()) == 0 &&
            ::unlink(entry.path().c_str()) != 0) {
            return Error{
                "cannot remove pinned link " + entry.path().string() + ": " + std::strerror(errno),
                errno};
        }
    }
    for (const auto& stale : pins.other_versions()) {
        if (auto removed = pins.remove_version(stale); !removed) {
            return removed;
        }
    }
    return Ok{};
}

}  // namespace

Sensor::Sensor(std::unique_ptr<State> state) : state_(std::move(state)) {}
Sensor::~Sensor() = default;

Result<std::unique_ptr<Sensor>> Sensor::start(const SensorConfig& config, EventHandler handler) {
    auto opened = SensorProgram::open("sensor");
    if (!opened) {
        return opened.error();
    }
    auto state =
        std::make_unique<State>(State{std::move(opened.value()), std::nullopt, std::move(handler)});
    SensorProgram& program = state->program;
    program->rodata->dg_host_root_dev = config.host_root_dev;
    program->rodata->dg_loaded_ns = monotonic_now_ns();
    program->rodata->dg_shm_internal_dev = internal_shmem_dev();
    program->data->dg_default_mode = config.default_mode;
    program->bss->dg_default_flags = config.default_flags;
    program->bss->dg_build_default_mode = config.build_default_mode;
    program->rodata->dg_deny_verdicts = config.enforcement != Enforcement::kill;
    choose_backend_programs(program, config.enforcement);
    choose_tracepoint_programs(program);
    program->bss->dg_only_container_dev = config.only_container_dev;
    std::optional<PinnedState> pins;
    if (!config.pin_root.empty()) {
        pins.emplace(config.pin_root);
        if (auto prepared = pins->prepare(); !prepared) {
            return prepared.error();
        }
        state->adopted = pins->has_links();
        if (auto pinned = pin_maps(program, *pins); !pinned) {
            return pinned.error();
        }
    }
    if (auto loaded = program.load(); !loaded) {
        return loaded.error();
    }
    if (auto attached = program.attach(); !attached) {
        return attached.error();
    }
    if (pins) {
        if (auto pinned = pin_links(program, *pins); !pinned) {
            return pinned.error();
        }
    }
    State* raw = state.get();
    auto ring = RingBuffer::open(
        bpf_map__fd(program->maps.dg_events),
        [raw](std::span<const std::byte> record) {
            if (record.size() < sizeof(dg_event)) {
                return;
            }
            dg_event event{};
            std::memcpy(&event, record.data(), sizeof(event));
            raw->handler(event);
        },
        "dg_events");
    if (!ring) {
        return ring.error();
    }
    state->events.emplace(std::move(ring.value()));
    return std::unique_ptr<Sensor>(new Sensor(std::move(state)));
}

Result<int> Sensor::poll(int timeout_ms) {
    return state_->events->poll(timeout_ms);
}
int Sensor::events_fd() const {
    return state_->events->epoll_fd();
}
Result<int> Sensor::consume() {
    return state_->events->consume();
}

namespace {

template <typename Key>
std::vector<Key> map_keys(const bpf_map* map) {
    std::vector<Key> keys;
    Key key{};
    const void* previous = nullptr;
    while (bpf_map__get_next_key(map, previous, &key, sizeof(key)) == 0) {
        keys.push_back(key);
        previous = &keys.back();
    }
    return keys;
}

}  // namespace

Status Sensor::set_container_mode(std::uint32_t container_dev, dg_mode mode, std::uint32_t flags,
                                  std::uint64_t identity) {
    const dg_container_policy value{static_cast<__u32>(mode), flags, identity};
    return check_libbpf(
        bpf_map__update_elem(state_->program->maps.dg_container_modes, &container_dev,
                             sizeof(container_dev), &value, sizeof(value), BPF_ANY),
        "update", "dg_container_modes");
}

Status Sensor::clear_container_mode(std::uint32_t container_dev) {
    int result = bpf_map__delete_elem(state_->program->maps.dg_container_modes, &container_dev,
                                      sizeof(container_dev), 0);
    return result == -ENOENT ? Status(Ok{}) : check_libbpf(result, "delete", "dg_container_modes");
}

void Sensor::set_default_mode(dg_mode mode, std::uint32_t flags) {
    state_->program->data->dg_default_mode = mode;
    state_->program->bss->dg_default_flags = flags;
}

Status Sensor::set_builder_programs(const std::vector<dg_inode_key>& programs) {
    bpf_map* map = state_->program->maps.dg_builder_programs;
    for (const auto& key : map_keys<dg_inode_key>(map)) {
        (void)bpf_map__delete_elem(map, &key, sizeof(key), 0);
    }
    const std::uint8_t yes = 1;
    for (const auto& key : programs) {
        if (auto status = check_libbpf(
                bpf_map__update_elem(map, &key, sizeof(key), &yes, sizeof(yes), BPF_ANY), "update",
                "dg_builder_programs");
            !status) {
            return status;
        }
    }
    return Ok{};
}

void Sensor::set_build_default_mode(dg_mode mode) {
    state_->program->bss->dg_build_default_mode = mode;
}

Status Sensor::set_writer_program(const dg_inode_key& program, const dg_writer_program& value) {
    return check_libbpf(bpf_map__update_elem(state_->program->maps.dg_writer_programs, &program,
                                             sizeof(program), &value, sizeof(value), BPF_ANY),
                        "update", "dg_writer_programs");
}

Status Sensor::set_writer_dir(const dg_writer_dir_key& dir, std::uint64_t exceptions) {
    return check_libbpf(bpf_map__update_elem(state_->program->maps.dg_writer_dirs, &dir,
                                             sizeof(dir), &exceptions, sizeof(exceptions), BPF_ANY),
                        "update", "dg_writer_dirs");
}

void Sensor::forget_writers(const std::function<bool(std::uint32_t)>& gone) {
    bpf_map* programs = state_->program->maps.dg_writer_programs;
    for (const auto& key : map_keys<dg_inode_key>(programs)) {
        if (gone(key.dev)) {
            (void)bpf_map__delete_elem(programs, &key, sizeof(key), 0);
        }
    }
    bpf_map* dirs = state_->program->maps.dg_writer_dirs;
    for (const auto& key : map_keys<dg_writer_dir_key>(dirs)) {
        if (gone(key.container_dev)) {
            (void)bpf_map__delete_elem(dirs, &key, sizeof(key), 0);
        }
    }
}

Status Sensor::place_in_container(int pidfd, std::uint32_t container_dev, std::uint64_t identity) {
    const dg_task_scope scope{container_dev, 0, identity};
    return check_libbpf(bpf_map__update_elem(state_->program->maps.dg_task_scope, &pidfd,
                                             sizeof(pidfd), &scope, sizeof(scope), BPF_ANY),
                        "update", "dg_task_scope");
}

std::optional<std::uint32_t> Sensor::container_of_task(int pidfd) const {
    dg_task_scope scope{};
    if (bpf_map__lookup_elem(state_->program->maps.dg_task_scope, &pidfd, sizeof(pidfd), &scope,
                             sizeof(scope), 0) != 0) {
        return std::nullopt;
    }
    return scope.container_dev;
}

void Sensor::set_only_container(std::uint32_t container_dev) {
    state_->program->bss->dg_only_container_dev = container_dev;
}

Status Sensor::allow_inode(const dg_inode_key& key, const dg_allowed& value) {
    return check_libbpf(bpf_map__update_elem(state_->program->maps.dg_allowed, &key, sizeof(key),
                                             &value, sizeof(value), BPF_ANY),
                        "update", "dg_allowed");
}

Status Sensor::forget_inode(const dg_inode_key& key) {
    int result = bpf_map__delete_elem(state_->program->maps.dg_allowed, &key, sizeof(key), 0);
    return result == -ENOENT ? Status(Ok{}) : check_libbpf(result, "delete", "dg_allowed");
}

std::optional<dg_file_writers> Sensor::writers_of(const dg_inode_key& file) const {
    dg_file_writers writers{};
    if (bpf_map__lookup_elem(state_->program->maps.dg_writers, &file, sizeof(file), &writers,
                             sizeof(writers), 0) != 0) {
        return std::nullopt;
    }
    return writers;
}

std::optional<dg_connections> Sensor::connections_of(std::uint32_t tgid) const {
    dg_connections connections{};
    if (bpf_map__lookup_elem(state_->program->maps.dg_connections, &tgid, sizeof(tgid),
                             &connections, sizeof(connections), 0) != 0) {
        return std::nullopt;
    }
    return connections;
}

std::vector<std::uint32_t> Sensor::container_mode_keys() const {
    return map_keys<std::uint32_t>(state_->program->maps.dg_container_modes);
}

std::vector<dg_inode_key> Sensor::allowed_keys() const {
    return map_keys<dg_inode_key>(state_->program->maps.dg_allowed);
}

bool Sensor::adopted() const {
    return state_->adopted;
}

SensorCounters Sensor::counters() const {
    SensorCounters totals;
    const int cpus = libbpf_num_possible_cpus();
    std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(cpus > 0 ? cpus : 1));
    for (std::uint32_t index = 0; index < DG_COUNTER_MAX; ++index) {
        if (bpf_map__lookup_elem(state_->program->maps.dg_counters, &index, sizeof(index),
                                 per_cpu.data(), per_cpu.size() * sizeof(std::uint64_t), 0) == 0) {
            for (std::uint64_t value : per_cpu) {
                totals.values[index] += value;
            }
        }
    }
    return totals;
}

}  // namespace driftguard::kernel
