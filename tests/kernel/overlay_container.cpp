#include "overlay_container.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <filesystem>
#include <stdexcept>

#include "common/kernel_dev.h"
#include "kernel/sensor.h"

namespace driftguard::testing {
namespace fs = std::filesystem;

namespace {

void copy_file(const std::string& from, const std::string& to, unsigned mode) {
    fs::create_directories(fs::path(to).parent_path());
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    fs::permissions(to, static_cast<fs::perms>(mode));
}

// Copies a host binary and the shared objects it needs (from ldd) into `root`.
void copy_with_libraries(const std::string& binary, const std::string& root) {
    copy_file(binary, root + binary, 0755);
    std::string command = "ldd " + binary + " | grep -o '/[^ ]*' ";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        throw std::runtime_error("ldd failed");
    }
    char line[4096];
    while (std::fgets(line, sizeof(line), pipe) != nullptr) {
        std::string library(line);
        library.erase(library.find_last_not_of("\n") + 1);
        copy_file(fs::canonical(library).string(), root + library, 0755);
    }
    ::pclose(pipe);
}

}  // namespace

std::string payload_path(const std::string& name) {
    return std::string(DRIFTGUARD_PAYLOAD_DIR) + "/" + name;
}

OverlayContainer::OverlayContainer() : OverlayContainer(Options{}) {}

OverlayContainer::OverlayContainer(Options options)
    : new_pid_namespace_(options.new_pid_namespace) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                          "/driftguard-kernel-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed in " + pattern);
    }
    root_ = pattern;
    lower_ = root_ + "/lower";
    upper_ = root_ + "/upper";
    work_ = root_ + "/work";
    merged_ = root_ + "/merged";
    for (const auto& dir : {lower_, upper_, work_, merged_}) {
        fs::create_directories(dir);
    }
    // The image.
    for (const char* dir : {"/bin", "/tmp", "/etc", "/proc", "/mnt", "/dev"}) {
        fs::create_directories(lower_ + dir);
    }
    fs::permissions(lower_ + "/tmp", static_cast<fs::perms>(01777));
    copy_file("/bin/busybox", lower_ + "/bin/busybox", 0755);
    // Copies of a dynamic binary that ignores its arguments and exits 0.
    copy_file("/usr/bin/true", lower_ + "/bin/target", 0755);
    copy_file("/usr/bin/true", lower_ + "/bin/not-executable", 0644);
    for (const char* applet : {"sh", "true", "cat", "cp", "mv", "ln", "rm", "chmod", "touch",
                               "echo", "sleep", "env", "chroot", "unshare"}) {
        fs::create_symlink("busybox", lower_ + "/bin/" + applet);
    }
    copy_file(payload_path("drift_helper"), lower_ + "/bin/drift_helper", 0755);
    copy_with_libraries("/usr/bin/true", lower_);
    copy_file("/usr/bin/true", lower_ + "/usr/bin/true-copy-source", 0755);
    fs::create_directories(lower_ + "/usr/lib/image");
    copy_file(fs::canonical("/lib/x86_64-linux-gnu/libz.so.1").string(),
              lower_ + "/usr/lib/image/libz.so.1", 0644);
    std::ofstream(lower_ + "/bin/image-script.sh") << "#!/bin/sh\nexit 0\n";
    fs::permissions(lower_ + "/bin/image-script.sh", static_cast<fs::perms>(0755));
    // An image script used as another script's interpreter: it execs a shell on its argument.
    std::ofstream(lower_ + "/bin/image-interpreter") << "#!/bin/sh\nexec /bin/sh \"$1\"\n";
    fs::permissions(lower_ + "/bin/image-interpreter", static_cast<fs::perms>(0755));

    std::string data = "lowerdir=" + lower_ + ",upperdir=" + upper_ + ",workdir=" + work_;
    if (options.metacopy) {
        data += ",metacopy=on";
    }
    if (::mount("overlay", merged_.c_str(), "overlay", 0, data.c_str()) != 0) {
        throw std::runtime_error("mount overlay: " + std::string(std::strerror(errno)));
    }
    if (::mount("proc", (merged_ + "/proc").c_str(), "proc", 0, nullptr) != 0) {
        throw std::runtime_error("mount proc: " + std::string(std::strerror(errno)));
    }
    struct stat info {};
    ::stat(merged_.c_str(), &info);
    dev_ = kernel_dev(info.st_dev);
}

OverlayContainer::~OverlayContainer() {
    ::umount2((merged_ + "/mnt").c_str(), MNT_DETACH);
    ::umount2((merged_ + "/proc").c_str(), MNT_DETACH);
    ::umount2(merged_.c_str(), MNT_DETACH);
    std::error_code ignored;
    fs::remove_all(root_, ignored);
}

OverlayContainer::Outcome OverlayContainer::run(const std::vector<std::string>& argv,
                                                const std::vector<std::string>& env) const {
    pid_t child = ::fork();
    if (child < 0) {
        throw std::runtime_error("fork failed");
    }
    if (child == 0) {
        if (new_pid_namespace_) {
            // This process stays outside, waits for the namespace's first process and
            // ends the way it ended.
            if (::unshare(CLONE_NEWPID) != 0) {
                _exit(123);
            }
            pid_t first = ::fork();
            if (first < 0) {
                _exit(123);
            }
            if (first > 0) {
                int status = 0;
                ::waitpid(first, &status, 0);
                if (WIFSIGNALED(status)) {
                    ::kill(::getpid(), WTERMSIG(status));
                }
                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 124);
            }
        }
        if (::chroot(merged_.c_str()) != 0 || ::chdir("/") != 0) {
            _exit(120);
        }
        if (uid_ != 0 && (::setgid(uid_) != 0 || ::setuid(uid_) != 0)) {
            _exit(122);
        }
        std::vector<char*> args;
        for (const auto& arg : argv) {
            args.push_back(const_cast<char*>(arg.c_str()));
        }
        args.push_back(nullptr);
        std::vector<std::string> environment = env;
        environment.push_back("PATH=/bin:/usr/bin");
        std::vector<char*> envp;
        for (auto& entry : environment) {
            envp.push_back(entry.data());
        }
        envp.push_back(nullptr);
        ::execve(args[0], args.data(), envp.data());
        _exit(121);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    Outcome outcome;
    outcome.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return outcome;
}

void OverlayContainer::put(const std::string& host_source, const std::string& container_path,
                           unsigned mode) const {
    copy_file(host_source, merged_ + container_path, mode);
}

bool OverlayContainer::marker_present() const {
    return fs::exists(merged_ + "/drift-marker");
}

void OverlayContainer::clear_marker() const {
    std::error_code ignored;
    fs::remove(merged_ + "/drift-marker", ignored);
}

}  // namespace driftguard::testing
