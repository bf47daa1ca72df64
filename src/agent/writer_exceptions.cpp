#include "agent/writer_exceptions.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <map>

#include <spdlog/spdlog.h>

#include "common/kernel_dev.h"
#include "common/open_in_root.h"
#include "common/unique_fd.h"
#include "kernel/path_hash.h"

namespace driftguard::agent {
namespace {

constexpr std::size_t kMaxExceptions = 64;

std::string exception_name(const policy::Exception& exception) {
    return exception.name.empty() ? "at line " + std::to_string(exception.line)
                                  : "'" + exception.name + "'";
}

}  // namespace

WriterExceptions::~WriterExceptions() {
    if (!kept_) {
        forget();
    }
}

void WriterExceptions::forget() {
    const std::uint32_t mine = container_dev_;
    rules_.forget_writers([mine](std::uint32_t dev) { return dev == mine; });
}

void WriterExceptions::apply(pid_t pid, const std::vector<policy::Exception>& exceptions) {
    UniqueFd root;
    if (!exceptions.empty()) {
        root = UniqueFd(::open(("/proc/" + std::to_string(pid) + "/root").c_str(),
                               O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!root) {
            spdlog::warn("container {}: cannot open its root for writtenBy exceptions",
                         container_dev_);
        }
    }
    std::set<std::string> found;
    std::map<std::pair<std::uint64_t, std::uint32_t>, std::uint64_t> programs;
    std::map<std::uint64_t, std::uint64_t> directories;
    for (std::size_t index = 0; root && index < exceptions.size(); ++index) {
        const policy::Exception& exception = exceptions[index];
        if (index >= kMaxExceptions) {
            spdlog::warn("container {}: writtenBy exception {} left out (at most {} apply)",
                         container_dev_, exception_name(exception), kMaxExceptions);
            continue;
        }
        const std::uint64_t bit = 1ULL << index;
        for (const auto& path : exception.written_by) {
            UniqueFd fd(open_in_root(root.get(), path.substr(1), O_PATH | O_CLOEXEC));
            struct stat info {};
            if (!fd || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode) ||
                kernel_dev(info.st_dev) != container_dev_) {
                spdlog::warn(
                    "container {}: writtenBy exception {}: {} is not a program of its "
                    "image; files it writes stay drift",
                    container_dev_, exception_name(exception), path);
                continue;
            }
            programs[{info.st_ino, container_dev_}] |= bit;
            found.insert(path);
        }
        for (const auto& pattern : exception.paths) {
            // "/dir/**", checked by the policy loader.
            directories[kernel::path_hash(pattern.substr(0, pattern.size() - 3))] |= bit;
        }
    }
    programs_ = std::move(found);
    if (programs == told_programs_ && directories == told_directories_) {
        return;  // unchanged
    }
    forget();
    told_programs_ = programs;
    told_directories_ = directories;
    for (const auto& [key, bits] : programs) {
        const dg_inode_key program{key.first, key.second, 0};
        if (auto status = rules_.set_writer_program(program, {identity_, bits}); !status) {
            spdlog::error("container {}: writtenBy program not in the kernel: {}", container_dev_,
                          status.error().message);
        }
    }
    for (const auto& [hash, bits] : directories) {
        if (auto status = rules_.set_writer_dir({hash, container_dev_, 0}, bits); !status) {
            spdlog::error("container {}: writtenBy directory not in the kernel: {}", container_dev_,
                          status.error().message);
        }
    }
}

}  // namespace driftguard::agent
