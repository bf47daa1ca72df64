// Attaches bench/syscall_floor.bpf.c's empty system-call programs until SIGINT or SIGTERM:
//   syscall_floor enter   only tp_btf/sys_enter
//   syscall_floor pair    tp_btf/sys_enter and tp_btf/sys_exit (what the kill backend attaches)
#include <linux/types.h>

#include <csignal>
#include <cstdio>
#include <cstring>

#include "syscall_floor.skel.h"

int main(int argc, char** argv) {
    const bool pair = argc > 1 && std::strcmp(argv[1], "pair") == 0;
    if (argc != 2 || (!pair && std::strcmp(argv[1], "enter") != 0)) {
        std::fprintf(stderr, "usage: syscall_floor enter|pair\n");
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
    bpf_program__set_autoload(skeleton->progs.floor_exit, pair);
    if (syscall_floor__load(skeleton) != 0 || syscall_floor__attach(skeleton) != 0) {
        std::fprintf(stderr, "syscall_floor: cannot load or attach: %s\n", std::strerror(errno));
        syscall_floor__destroy(skeleton);
        return 1;
    }
    std::printf("attached %s\n", pair ? "sys_enter and sys_exit" : "sys_enter");
    std::fflush(stdout);
    int received = 0;
    ::sigwait(&signals, &received);
    syscall_floor__destroy(skeleton);
    return 0;
}
