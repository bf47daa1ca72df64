// Attaches bench/syscall_floor.bpf.c's empty system-call programs until SIGINT or SIGTERM:
//   syscall_floor enter   only tp_btf/sys_enter
//   syscall_floor pair    tp_btf/sys_enter and tp_btf/sys_exit (what the kill backend attaches)
//   syscall_floor events  per-call trace events for openat (enter and exit), mmap, mprotect
//                         and execve only
#include <linux/types.h>

#include <string>

#include <csignal>
#include <cstdio>
#include <cstring>

#include "syscall_floor.skel.h"

int main(int argc, char** argv) {
    const std::string mode = argc == 2 ? argv[1] : "";
    if (mode != "enter" && mode != "pair" && mode != "events") {
        std::fprintf(stderr, "usage: syscall_floor enter|pair|events\n");
        return 2;
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    ::sigprocmask(SIG_BLOCK, &signals, nullptr);
    syscall_floor* skeleton = syscall_floor__open();
    if (skeleton == nullptr) {
        std::fprintf(stderr, "syscall_floor: cannot open the BPF object\n");
        return 1;
    }
    bpf_program* program = nullptr;
    bpf_object__for_each_program(program, skeleton->obj) {
        const std::string name = bpf_program__name(program);
        const bool events = name.rfind("floor_events_", 0) == 0;
        bpf_program__set_autoload(program, mode == "events" ? events
                                           : mode == "pair" ? !events
                                                            : name == "floor_enter");
    }
    if (syscall_floor__load(skeleton) != 0 || syscall_floor__attach(skeleton) != 0) {
        std::fprintf(stderr, "syscall_floor: cannot load or attach: %s\n", std::strerror(errno));
        syscall_floor__destroy(skeleton);
        return 1;
    }
    std::printf("attached %s\n", mode.c_str());
    std::fflush(stdout);
    int received = 0;
    ::sigwait(&signals, &received);
    syscall_floor__destroy(skeleton);
    return 0;
}
