#include "kernel/pinned_sensor_view.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>

#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "common/unique_fd.h"
#include "kernel/pinned_state.h"

namespace driftguard::kernel {
namespace {

std::vector<std::string> entries_of(const std::string& dir) {
    std::vector<std::string> names;
    if (DIR* handle = ::opendir(dir.c_str())) {
        while (dirent* entry = ::readdir(handle)) {
            if (entry->d_name[0] != '.') {
                names.emplace_back(entry->d_name);
            }
        }
        ::closedir(handle);
    }
    return names;
}

// A global variable of the program's .data or .bss, found by name through the map's BTF
// (the skeleton's layout is not needed: the kernel keeps the section's type).
std::optional<std::uint32_t> read_global(int map_fd, const bpf_map_info& info,
                                         const char* variable) {
    if (info.btf_id == 0 || info.value_size == 0 || info.value_size > (1U << 20)) {
        return std::nullopt;
    }
    std::unique_ptr<btf, decltype(&btf__free)> types(btf__load_from_kernel_by_id(info.btf_id),
                                                     &btf__free);
    const btf_type* section =
        types ? btf__type_by_id(types.get(), info.btf_value_type_id) : nullptr;
    if (section == nullptr || !btf_is_datasec(section)) {
        return std::nullopt;
    }
    const btf_var_secinfo* vars = btf_var_secinfos(section);
    for (unsigned i = 0; i < btf_vlen(section); ++i) {
        const btf_type* var = btf__type_by_id(types.get(), vars[i].type);
        const char* name = var ? btf__name_by_offset(types.get(), var->name_off) : nullptr;
        if (name == nullptr || std::strcmp(name, variable) != 0 || vars[i].size != 4 ||
            vars[i].offset + 4 > info.value_size) {
            continue;
        }
        std::vector<unsigned char> value(info.value_size);
        const std::uint32_t key = 0;
        if (::bpf_map_lookup_elem(map_fd, &key, value.data()) != 0) {
            return std::nullopt;
        }
        std::uint32_t result = 0;
        std::memcpy(&result, value.data() + vars[i].offset, sizeof(result));
        return result;
    }
    return std::nullopt;
}

// The default modes, from the global data of the program behind one pinned link.
void read_default_modes(const std::string& link_path, PinnedSensorView& view) {
    UniqueFd link(::bpf_obj_get(link_path.c_str()));
    bpf_link_info link_info{};
    __u32 length = sizeof(link_info);
    if (!link || ::bpf_obj_get_info_by_fd(link.get(), &link_info, &length) != 0) {
        return;
    }
    UniqueFd program(::bpf_prog_get_fd_by_id(link_info.prog_id));
    std::vector<__u32> map_ids(64);
    bpf_prog_info program_info{};
    program_info.nr_map_ids = static_cast<__u32>(map_ids.size());
    program_info.map_ids = reinterpret_cast<std::uintptr_t>(map_ids.data());
    length = sizeof(program_info);
    if (!program || ::bpf_obj_get_info_by_fd(program.get(), &program_info, &length) != 0) {
        return;
    }
    for (__u32 i = 0; i < std::min<__u32>(program_info.nr_map_ids, 64); ++i) {
        UniqueFd map(::bpf_map_get_fd_by_id(map_ids[i]));
        bpf_map_info map_info{};
        length = sizeof(map_info);
        if (!map || ::bpf_obj_get_info_by_fd(map.get(), &map_info, &length) != 0) {
            continue;
        }
        const std::string name = map_info.name;  // "<object prefix>.data", truncated
        if (name.ends_with(".data")) {
            if (auto mode = read_global(map.get(), map_info, "dg_default_mode")) {
                view.default_mode = static_cast<dg_mode>(*mode);
            }
        } else if (name.ends_with(".bss")) {
            if (auto mode = read_global(map.get(), map_info, "dg_build_default_mode")) {
                view.build_default_mode = static_cast<dg_mode>(*mode);
            }
        }
    }
}

}  // namespace

Result<PinnedSensorView> read_pinned_sensor(const std::string& pin_root) {
    PinnedState pins(pin_root);
    PinnedSensorView view;
    view.version_dir = fmt::format("abi-{}", DG_ABI_VERSION);
    view.other_abi = pins.other_versions();
    std::erase(view.other_abi, view.version_dir);
    view.programs = entries_of(pins.links_dir());
    if (view.programs.empty()) {
        return Error{fmt::format("nothing of ABI {} is pinned in {}", DG_ABI_VERSION, pin_root),
                     ENOENT};
    }
    read_default_modes(pins.link_path(view.programs.front()), view);

    if (UniqueFd modes(::bpf_obj_get(pins.map_path("dg_container_modes").c_str())); modes) {
        std::uint32_t key = 0;
        const std::uint32_t* previous = nullptr;
        while (::bpf_map_get_next_key(modes.get(), previous, &key) == 0 &&
               view.containers_with_mode < 1'000'000) {
            ++view.containers_with_mode;
            previous = &key;
        }
    }
    if (UniqueFd counters(::bpf_obj_get(pins.map_path("dg_counters").c_str())); counters) {
        const int cpus = libbpf_num_possible_cpus();
        std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(cpus > 0 ? cpus : 1));
        SensorCounters totals;
        for (std::uint32_t index = 0; index < DG_COUNTER_MAX; ++index) {
            if (::bpf_map_lookup_elem(counters.get(), &index, per_cpu.data()) == 0) {
                for (std::uint64_t value : per_cpu) {
                    totals.values[index] += value;
                }
            }
        }
        view.counters = totals;
    }
    return view;
}

}  // namespace driftguard::kernel
