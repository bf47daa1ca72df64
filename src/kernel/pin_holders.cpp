#include "kernel/pin_holders.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <string_view>
#include <system_error>

#include "common/unique_fd.h"

namespace driftguard::kernel {
namespace {

std::set<std::uint32_t> pinned_map_ids(const std::string& pin_root) {
    std::set<std::uint32_t> ids;
    std::error_code error;
    for (std::filesystem::recursive_directory_iterator it(pin_root, error), end;
         !error && it != end; it.increment(error)) {
        if (!it->is_regular_file(error)) {
            continue;  // a pin is a regular file on bpffs; directories hold them
        }
        UniqueFd fd(::bpf_obj_get(it->path().c_str()));
        bpf_map_info info{};
        __u32 length = sizeof(info);
        if (fd && ::bpf_obj_get_info_by_fd(fd.get(), &info, &length) == 0 && info.id != 0 &&
            info.type != BPF_MAP_TYPE_UNSPEC) {
            ids.insert(info.id);
        }
    }
    return ids;
}

// The map id of a descriptor's fdinfo, 0 when it is not a BPF map.
std::uint32_t map_id_of(const std::filesystem::path& fdinfo) {
    std::ifstream in(fdinfo);
    std::string line;
    constexpr std::string_view kKey = "map_id:";
    while (std::getline(in, line)) {
        if (line.starts_with(kKey)) {
            std::string_view value(line);
            value.remove_prefix(kKey.size());
            while (!value.empty() && (value.front() == '\t' || value.front() == ' ')) {
                value.remove_prefix(1);
            }
            std::uint32_t id = 0;
            std::from_chars(value.data(), value.data() + value.size(), id);
            return id;
        }
    }
    return 0;
}

}  // namespace

std::vector<pid_t> pin_holders(const std::string& pin_root, const std::string& proc) {
    const std::set<std::uint32_t> ids = pinned_map_ids(pin_root);
    std::vector<pid_t> holders;
    if (ids.empty()) {
        return holders;
    }
    const pid_t self = ::getpid();
    // Iterated with error codes throughout: a process may exit while it is read.
    std::error_code error;
    for (std::filesystem::directory_iterator process(proc, error), end; !error && process != end;
         process.increment(error)) {
        pid_t pid = 0;
        const std::string name = process->path().filename();
        if (std::from_chars(name.data(), name.data() + name.size(), pid).ec != std::errc{} ||
            pid == self) {
            continue;
        }
        // Only BPF map descriptors are worth opening the fdinfo of (one readlink each).
        std::error_code gone;
        for (std::filesystem::directory_iterator fd(process->path() / "fd", gone);
             !gone && fd != end; fd.increment(gone)) {
            std::error_code unreadable;
            if (std::filesystem::read_symlink(fd->path(), unreadable) != "anon_inode:bpf-map") {
                continue;
            }
            if (ids.count(map_id_of(process->path() / "fdinfo" / fd->path().filename())) != 0) {
                holders.push_back(pid);
                break;
            }
        }
    }
    return holders;
}

}  // namespace driftguard::kernel
