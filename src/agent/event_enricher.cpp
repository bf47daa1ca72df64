#include "agent/event_enricher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fts.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <ctime>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "agent/stable_file_digest.h"
#include "common/kernel_dev.h"
#include "common/open_in_root.h"
#include "common/unique_fd.h"
#include "common/utc_time.h"

namespace driftguard::agent {
namespace {

// How long before a write a connection counts as leading to it.
constexpr std::uint64_t kConnectionWindowNs = 600ULL * 1000 * 1000 * 1000;

std::string read_link(const std::string& path) {
    std::array<char, 4096> buffer{};
    const ssize_t length = ::readlink(path.c_str(), buffer.data(), buffer.size() - 1);
    return length > 0 ? std::string(buffer.data(), static_cast<std::size_t>(length)) : "";
}

std::string proc(std::uint32_t pid, const char* entry) {
    return fmt::format("/proc/{}/{}", pid, entry);
}

std::vector<std::string> read_cmdline(std::uint32_t pid) {
    std::ifstream file(proc(pid, "cmdline"), std::ios::binary);
    std::string text(4096, '\0');
    file.read(text.data(), static_cast<std::streamsize>(text.size()));
    return split_argv(text.data(), static_cast<std::size_t>(file.gcount()));
}

// Kernel monotonic nanoseconds (bpf_ktime_get_ns) as UTC RFC 3339.
std::string wall_time(std::uint64_t ktime_ns) {
    return utc_microseconds(from_kernel_monotonic(ktime_ns));
}

std::string address_text(const dg_connection& connection) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    const int family = connection.family == 10 ? AF_INET6 : AF_INET;
    return ::inet_ntop(family, connection.addr, text.data(), text.size()) != nullptr
               ? std::string(text.data())
               : std::string();
}

events::WriterInfo writer_info(const dg_actor& actor) {
    events::WriterInfo writer;
    writer.process.pid = actor.tgid;
    writer.process.comm = std::string(actor.comm, strnlen(actor.comm, sizeof(actor.comm)));
    writer.process.argv =
        split_argv(actor.args, std::min<std::size_t>(actor.args_len, sizeof(actor.args)));
    writer.ppid = actor.ppid;
    writer.uid = actor.uid;
    writer.time = wall_time(actor.ktime_ns);
    return writer;
}

// The file the event is about, opened and checked to be that inode.
UniqueFd open_matching(const std::string& path_or_proc, int root_fd, const std::string& relative,
                       const dg_event& event) {
    UniqueFd fd(root_fd >= 0 ? open_in_root(root_fd, relative, O_RDONLY | O_NONBLOCK)
                             : ::open(path_or_proc.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    struct stat info {};
    if (!fd || ::fstat(fd.get(), &info) != 0 || info.st_ino != event.file_ino ||
        kernel_dev(info.st_dev) != event.file_dev) {
        return UniqueFd();
    }
    return fd;
}

// The path (relative to `upperdir`) of the upper-layer inode `ino`, by walking the layer.
// At most this many entries of a writable layer are walked per event: a container that
// fills its layer with millions of files must not stall the agent (the event then names
// the path the process used).
constexpr std::size_t kMaxUpperEntriesWalked = 200000;

std::string find_upper_inode(const std::string& upperdir, std::uint64_t ino) {
    std::string root = upperdir;
    char* paths[] = {root.data(), nullptr};
    FTS* tree = ::fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, nullptr);
    std::string found;
    for (std::size_t walked = 0;
         tree != nullptr && found.empty() && walked < kMaxUpperEntriesWalked; ++walked) {
        FTSENT* node = ::fts_read(tree);
        if (node == nullptr) {
            break;
        }
        if (node->fts_info == FTS_F && node->fts_statp->st_ino == ino) {
            found = std::string(node->fts_path).substr(upperdir.size());
        }
    }
    if (tree != nullptr) {
        ::fts_close(tree);
    }
    return found;
}

std::string join_path(const std::string& directory, const std::string& path) {
    if (path.starts_with("/") || directory.empty()) {
        return path;
    }
    return directory.ends_with("/") ? directory + path : directory + "/" + path;
}

}  // namespace

// The name the kernel gives code that has no path in the container: a memfd
// ("memfd:NAME"), shared memory standing in for anonymous memory ("/dev/zero", SysV's
// "SYSV<key>"), an unlinked file (its last name, "NAME (deleted)": an unlinked dentry
// keeps its name, and a tracepoint cannot rebuild its directory's path).
std::string kernel_name(const dg_event& event) {
    std::string name(event.name, strnlen(event.name, sizeof(event.name)));
    if (name.empty()) {
        return "";
    }
    if (name.starts_with("memfd:") || name.starts_with("SYSV")) {
        return name;
    }
    if (name == "dev/zero") {
        return "/dev/zero";
    }
    if (event.kind == DG_KIND_DELETED || (event.file_nlink == 0 && event.file_ino != 0)) {
        return name + " (deleted)";
    }
    return "";
}

std::vector<std::string> split_argv(const char* data, std::size_t length) {
    std::vector<std::string> argv;
    std::size_t start = 0;
    for (std::size_t i = 0; i < length; ++i) {
        if (data[i] == '\0') {
            argv.emplace_back(data + start, i - start);
            start = i + 1;
        }
    }
    if (start < length) {
        argv.emplace_back(data + start, length - start);  // cut off by the kernel's bound
    }
    return argv;
}

EventEnricher::EventEnricher(const kernel::ProvenanceReader& provenance, std::string backend)
    : provenance_(provenance), backend_(std::move(backend)) {
    std::array<char, 256> name{};
    ::gethostname(name.data(), name.size() - 1);
    node_ = name.data();
}

std::unique_ptr<EventEnricher::Captured> EventEnricher::capture(
    const dg_event& event, const TrackedContainer* container) const {
    auto captured = std::make_unique<Captured>();
    captured->event = event;
    events::EventContext& context = captured->context;
    context.node = node_;
    context.backend = backend_;
    if (container != nullptr) {
        captured->in_container = true;
        captured->metadata = container->metadata;
        captured->upperdir = container->root.upperdir;
        captured->inventory = container->inventory;
        context.container_upperdir = container->root.upperdir;
        context.mode_reason = container->decision.reason;
    }
    if (event.flags & DG_EVENT_BUILD_STEP) {
        // The kernel judged before the agent had decided: the container's first process
        // was started by a host build program.
        context.mode_reason =
            "image build (started by a build program, before the agent's "
            "decision)";
    }
    context.process.pid = event.tgid;
    context.process.comm = std::string(event.comm, strnlen(event.comm, sizeof(event.comm)));
    context.process.argv =
        split_argv(event.args, std::min<std::size_t>(event.args_len, sizeof(event.args)));
    context.process.exe = read_link(proc(event.tgid, "exe"));
    context.cwd = read_link(proc(event.tgid, "cwd"));
    for (std::uint32_t i = 0; i < std::min<std::uint32_t>(event.ancestor_count, DG_ANCESTORS);
         ++i) {
        events::ProcessInfo ancestor;
        ancestor.pid = event.ancestors[i].tgid;
        ancestor.comm =
            std::string(event.ancestors[i].comm,
                        strnlen(event.ancestors[i].comm, sizeof(event.ancestors[i].comm)));
        ancestor.exe = read_link(proc(ancestor.pid, "exe"));
        ancestor.argv = read_cmdline(ancestor.pid);
        context.ancestry.push_back(std::move(ancestor));
    }
    if (context.cwd.empty() && !context.ancestry.empty()) {
        context.cwd = read_link(proc(context.ancestry.front().pid, "cwd"));  // inherited
    }
    open_file(*captured);
    add_provenance(event, context);
    return captured;
}

void EventEnricher::open_file(Captured& captured) const {
    const dg_event& event = captured.event;
    if (event.kind == DG_KIND_ANON_EXEC || event.kind == DG_KIND_UNCHECKED ||
        event.hook == DG_HOOK_MEM_WRITE) {
        return;  // no file: anonymous memory, an unchecked route, another process's memory
    }
    const std::string exec_path(event.path, strnlen(event.path, sizeof(event.path)));
    captured.path = exec_path.empty() ? "" : join_path(captured.context.cwd, exec_path);
    // The running (or dying) program itself: works for any file, memfd and deleted ones too.
    if (event.hook == DG_HOOK_EXEC) {
        captured.file = open_matching(proc(event.tgid, "exe"), -1, "", event);
    }
    // The path inside the container, resolved in its root (the process's, or a parent's).
    std::vector<std::uint32_t> holders = {event.tgid, event.ppid};
    for (const auto& ancestor : captured.context.ancestry) {
        holders.push_back(ancestor.pid);
    }
    if (captured.path.starts_with("/")) {
        for (std::size_t i = 0; i < holders.size() && !captured.file; ++i) {
            UniqueFd root(
                ::open(proc(holders[i], "root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
            if (root) {
                captured.file = open_matching("", root.get(), captured.path.substr(1), event);
            }
        }
    }
}

events::EventContext EventEnricher::finish(Captured& captured, bool thorough) {
    const dg_event& event = captured.event;
    events::EventContext context = std::move(captured.context);
    if (captured.in_container) {
        context.container = &captured.metadata;
    }
    if (event.kind == DG_KIND_ANON_EXEC) {
        context.file_path = kernel_name(event);  // empty for plain anonymous memory
    }
    if (event.kind == DG_KIND_ANON_EXEC || event.kind == DG_KIND_UNCHECKED ||
        event.hook == DG_HOOK_MEM_WRITE) {
        return context;
    }
    std::string path = captured.path;
    UniqueFd& fd = captured.file;
    // The writable layer, searched by inode: finds the file even after a rename.
    if (thorough && captured.in_container && event.upper_ino != 0) {
        const std::string relative = find_upper_inode(captured.upperdir, event.upper_ino);
        if (!relative.empty()) {
            path = relative;
            if (!fd) {
                fd.reset(::open((captured.upperdir + relative).c_str(),
                                O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW));
            }
        }
    }
    if (path.starts_with("/")) {
        context.file_path = path;
    } else {
        context.file_path = kernel_name(event);
    }
    std::optional<Sha256Digest> file_digest;
    if (fd && thorough) {
        if (auto digest = stable_file_digest(fd.get())) {
            file_digest = digest->sha256;
            context.file_sha256 = to_hex(digest->sha256);
        } else {
            context.file_sha256_missing = digest.error().message;
        }
    } else if (fd) {
        context.file_sha256_missing = "the agent had too much work queued to hash it";
    } else {
        context.file_sha256_missing =
            event.kind == DG_KIND_MEMFD
                ? "a memfd exists only while a process holds it; the process had exited (or was "
                  "killed) before the agent could read it"
                : "the file was gone before the agent could read it";
    }
    if (!captured.in_container || !path.starts_with("/")) {
        return context;  // no path in the container to compare with the image
    }
    if (!captured.inventory) {
        context.image_known = false;  // the agent has not read the container's image yet
        return context;
    }
    const image::Executable* in_image = image::find_executable(*captured.inventory, path);
    if (in_image != nullptr) {
        context.image_has_path = true;
        context.image_sha256 = to_hex(in_image->content->sha256);
    }
    if (event.kind == DG_KIND_UPPER) {
        if (context.image_has_path) {
            context.refined_kind = "modified-image-file";
        } else if (file_digest &&
                   !image::find_by_digest(*captured.inventory, *file_digest).empty()) {
            context.refined_kind = "image-file-at-new-path";
        } else {
            context.refined_kind = "new-file";
        }
    }
    return context;
}

void EventEnricher::add_provenance(const dg_event& event, events::EventContext& context) const {
    const auto writers = provenance_.writers_of(dg_inode_key{event.file_ino, event.file_dev, 0});
    if (!writers) {
        return;
    }
    context.first_writer = writer_info(writers->first);
    context.last_writer = writer_info(writers->last);
    for (auto* writer : {&*context.first_writer, &*context.last_writer}) {
        const std::string exe = read_link(proc(writer->process.pid, "exe"));
        writer->process.exe = exe;
    }
    // Connections of the writers and their parents in the window before the last write.
    std::set<std::uint32_t> processes;
    for (const dg_actor* actor : {&writers->first, &writers->last}) {
        processes.insert(actor->tgid);
        for (std::uint32_t i = 0;
             i < std::min<std::uint32_t>(actor->ancestor_count, DG_ACTOR_ANCESTORS); ++i) {
            processes.insert(actor->ancestors[i]);
        }
    }
    const std::uint64_t until = writers->last.ktime_ns + 1000ULL * 1000 * 1000;
    const std::uint64_t since = writers->first.ktime_ns > kConnectionWindowNs
                                    ? writers->first.ktime_ns - kConnectionWindowNs
                                    : 0;
    for (std::uint32_t pid : processes) {
        const auto recent = provenance_.connections_of(pid);
        if (!recent) {
            continue;
        }
        for (const auto& connection : recent->recent) {
            if (connection.ktime_ns == 0 || connection.ktime_ns < since ||
                connection.ktime_ns > until) {
                continue;
            }
            events::ConnectionInfo info;
            info.pid = pid;
            info.remote = address_text(connection);
            info.port = connection.port;
            info.protocol = connection.type == 1 ? "tcp" : connection.type == 2 ? "udp" : "other";
            info.time = wall_time(connection.ktime_ns);
            context.connections.push_back(std::move(info));
        }
    }
    std::sort(context.connections.begin(), context.connections.end(),
              [](const auto& a, const auto& b) { return a.time < b.time; });
}

}  // namespace driftguard::agent
