/* An image-side helper for the attacks that need system calls a shell cannot make.
 * It is part of the test "image" (lower layer), so running it is legitimate; what it
 * does with the drifted file is what the sensor must stop.
 *
 *   drift_helper memfd FILE         copy FILE into a memfd and execveat(AT_EMPTY_PATH) it
 *   drift_helper fexecve-deleted FILE   open FILE, unlink it, fexecve the descriptor
 *   drift_helper mprotect FILE      map FILE read-only, then mprotect(PROT_READ|PROT_EXEC)
 *   drift_helper proc-mem           open /proc/self/mem for writing
 *   drift_helper chroot-exec DIR FILE   chroot into DIR, fork, and exec FILE in the child
 *   drift_helper clone-fs-exec DIR FILE  a clone(CLONE_FS) child waits while its parent
 *                                   chroots into DIR (moving the child's root too), then
 *                                   execs FILE
 *   drift_helper thread-chroot-exec DIR FILE  one thread chroots into DIR, another execs FILE
 *   drift_helper pivot-sibling-exec DIR FILE  in a new mount namespace, a child waits while
 *                                   its parent pivot_roots into DIR (a mount point), which
 *                                   moves the child's root too; the child then execs FILE
 *   drift_helper setns-exec FD FILE  join the mount namespace open at descriptor FD (its
 *                                   root becomes that namespace's), then exec FILE
 *   drift_helper mprotect-range FILE    mprotect(PROT_EXEC) over an anonymous page and a
 *                                   mapping of FILE after it
 *   drift_helper mprotect-many FILE     the same over more mappings than the sensor walks
 *   drift_helper int80-mmap FILE    mmap2(PROT_EXEC) of FILE through int 0x80
 *   drift_helper int80-proc-mem     open /proc/self/mem for writing through int 0x80
 *   drift_helper uring-proc-mem plain|fixed|skip   the same open submitted to io_uring
 *                                   (into a descriptor, a fixed-file slot, or with its
 *                                   completion suppressed)
 *   drift_helper vm-writev          process_vm_writev into a child
 *   drift_helper ptrace-poke        PTRACE_POKEDATA into a traced child
 *   drift_helper anon-exec          mmap anonymous memory RW, then mprotect it RX
 *   drift_helper map-exec FILE      mmap FILE with PROT_EXEC (no loader involved)
 *   drift_helper rie-map FILE       personality(READ_IMPLIES_EXEC), then mmap FILE with
 *                                   PROT_READ only: the kernel makes it executable
 *   drift_helper rie-mprotect FILE  mmap FILE PROT_READ, then personality(READ_IMPLIES_EXEC)
 *                                   and mprotect(PROT_READ): executable too
 *   drift_helper exec-loop FILE N   run FILE N times (a flood of drift events)
 *   drift_helper truncate FILE      truncate(2) FILE by path to its own size
 *   drift_helper jit-shared-anon    shared anonymous memory made executable (PHP opcache)
 *   drift_helper jit-dev-zero       a shared mapping of /dev/zero made executable
 *   drift_helper jit-memfd          a memfd mapped twice, writable and executable (Erlang)
 *   drift_helper memfd-map-private FILE   FILE copied into a memfd, mapped private + exec
 *   drift_helper map-shared-exec FILE     FILE mapped shared with PROT_EXEC
 *   drift_helper unlinked-shared-exec FILE   FILE unlinked, then mapped shared + exec
 *   drift_helper overwrite-mapped FILE SRC   copy SRC over the start of FILE through a
 *                                   shared writable mapping (no write() call)
 * Exit codes: 0 the attack step returned (it should not have under enforce), 2 usage,
 * 3 setup failed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <linux/io_uring.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static int copy_into(int to, const char* path) {
    int from = open(path, O_RDONLY);
    if (from < 0)
        return -1;
    char buffer[65536];
    ssize_t got;
    while ((got = read(from, buffer, sizeof(buffer))) > 0)
        if (write(to, buffer, (size_t)got) != got)
            return -1;
    close(from);
    return got < 0 ? -1 : 0;
}

/* A 32-bit system call from this 64-bit process (ebp = 0). */
static long int80(long nr, long a, long b, long c, long d, long e) {
    long ret;
    __asm__ volatile("push %%rbp\n\txor %%ebp, %%ebp\n\tint $0x80\n\tpop %%rbp"
                     : "=a"(ret)
                     : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
                     : "memory");
    return ret;
}

/* A copy of `text` in memory below 4 GiB, where 32-bit calls can point. */
static char* low_copy(const char* text) {
    char* low =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (low == MAP_FAILED)
        return NULL;
    strcpy(low, text);
    return low;
}

static int mprotect_over(const char* path, int anonymous_pages) {
    long page = sysconf(_SC_PAGESIZE);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 3;
    int total = anonymous_pages + 1;
    char* region =
        mmap(NULL, (size_t)(total * page), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED)
        return 3;
    /* Alternate protections so that the anonymous pages stay separate mappings. */
    for (int i = 1; i < anonymous_pages; i += 2)
        if (mprotect(region + i * page, (size_t)page, PROT_READ | PROT_WRITE) != 0)
            return 3;
    if (mmap(region + anonymous_pages * page, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd,
             0) == MAP_FAILED)
        return 3;
    if (mprotect(region, (size_t)(total * page), PROT_READ | PROT_EXEC) != 0)
        return 3;
    return 0;
}

static int uring_proc_mem(const char* how) {
    struct io_uring_params params;
    memset(&params, 0, sizeof(params));
    int ring = (int)syscall(__NR_io_uring_setup, 4, &params);
    if (ring < 0)
        return 3;
    int fixed = strcmp(how, "fixed") == 0, skip = strcmp(how, "skip") == 0;
    if (fixed) {
        int slots[1] = {-1};
        if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_FILES, slots, 1) != 0)
            return 3;
    }
    size_t sq_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    size_t cq_size = params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe);
    char* sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
                    IORING_OFF_SQ_RING);
    char* cq = mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
                    IORING_OFF_CQ_RING);
    struct io_uring_sqe* sqes =
        mmap(NULL, params.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
        return 3;
    struct io_uring_sqe* sqe = &sqes[0];
    memset(sqe, 0, sizeof(*sqe));
    sqe->opcode = IORING_OP_OPENAT;
    sqe->fd = AT_FDCWD;
    sqe->addr = (uint64_t)(uintptr_t) "/proc/self/mem";
    sqe->open_flags = O_RDWR;
    if (fixed)
        sqe->file_index = 1;
    if (skip)
        sqe->flags = IOSQE_CQE_SKIP_SUCCESS;
    unsigned* tail = (unsigned*)(sq + params.sq_off.tail);
    unsigned* array = (unsigned*)(sq + params.sq_off.array);
    array[0] = 0;
    __atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
    if (syscall(__NR_io_uring_enter, ring, 1, skip ? 0 : 1, skip ? 0 : IORING_ENTER_GETEVENTS, NULL,
                0) != 1)
        return 3;
    if (skip)
        return 0;
    struct io_uring_cqe* cqe = (struct io_uring_cqe*)(cq + params.cq_off.cqes);
    return cqe[0].res >= 0 ? 0 : 3;
}

static volatile long target_word = 1;

struct clone_fs_child {
    int go[2];
    const char* file;
};

static int clone_fs_child_main(void* data) {
    struct clone_fs_child* child = data;
    char byte;
    if (read(child->go[0], &byte, 1) != 1)
        return 3;
    char* const args[] = {(char*)child->file, NULL};
    execve(child->file, args, environ);
    return 3;
}

static int wait_and_report(pid_t child) {
    int status;
    if (waitpid(child, &status, __WALL) < 0)
        return 3;
    if (WIFSIGNALED(status))
        raise(WTERMSIG(status)); /* report the child's fate as ours */
    return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

static const char* thread_dir;
static void* chroot_thread(void* unused) {
    (void)unused;
    return (void*)(long)(chroot(thread_dir) == 0 && chdir("/") == 0);
}
static void* exec_thread(void* file) {
    char* const args[] = {file, NULL};
    execve(file, args, environ);
    return NULL;
}

/* A child that waits to be written into; returns its pid. */
static pid_t sleeping_child(int traced) {
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* the parent is killed mid-attack */
        if (traced)
            ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        raise(SIGSTOP);
        _exit(target_word == 42 ? 0 : 1);
    }
    int status;
    waitpid(child, &status, WUNTRACED);
    return child;
}

int main(int argc, char** argv) {
    if (argc < 2)
        return 2;
    char* const child_argv[] = {"payload", NULL};
    if (strcmp(argv[1], "memfd") == 0 && argc == 3) {
        int fd = memfd_create("payload", MFD_CLOEXEC);
        if (fd < 0 || copy_into(fd, argv[2]) != 0)
            return 3;
        syscall(SYS_execveat, fd, "", child_argv, environ, AT_EMPTY_PATH);
        return 3;
    }
    if (strcmp(argv[1], "fexecve-deleted") == 0 && argc == 3) {
        int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
        if (fd < 0 || unlink(argv[2]) != 0)
            return 3;
        fexecve(fd, child_argv, environ);
        return 3;
    }
    if ((strcmp(argv[1], "rie-map") == 0 || strcmp(argv[1], "rie-mprotect") == 0) && argc == 3) {
        bool map_after = strcmp(argv[1], "rie-map") == 0;
        int fd = open(argv[2], O_RDONLY);
        if (fd < 0 || (map_after && personality(READ_IMPLIES_EXEC) == -1))
            return 3;
        void* map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
            return 3;
        if (!map_after &&
            (personality(READ_IMPLIES_EXEC) == -1 || mprotect(map, 4096, PROT_READ) != 0))
            return 3;
        return 0;
    }
    if (strcmp(argv[1], "mprotect") == 0 && argc == 3) {
        int fd = open(argv[2], O_RDONLY);
        struct stat info;
        if (fd < 0 || fstat(fd, &info) != 0)
            return 3;
        void* map = mmap(NULL, (size_t)info.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
            return 3;
        if (mprotect(map, (size_t)info.st_size, PROT_READ | PROT_EXEC) != 0)
            return 3;
        return 0;
    }
    if (strcmp(argv[1], "proc-mem") == 0) {
        int fd = open("/proc/self/mem", O_RDWR);
        return fd < 0 ? 3 : 0;
    }
    if (strcmp(argv[1], "chroot-exec") == 0 && argc == 4) {
        if (chroot(argv[2]) != 0 || chdir("/") != 0)
            return 3;
        pid_t child = fork();
        if (child == 0) {
            char* const args[] = {argv[3], NULL};
            execve(argv[3], args, environ);
            _exit(3);
        }
        int status;
        waitpid(child, &status, 0);
        if (WIFSIGNALED(status))
            raise(WTERMSIG(status)); /* report the child's fate as ours */
        return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
    }
    if (strcmp(argv[1], "clone-fs-exec") == 0 && argc == 4) {
        static char stack[65536];
        struct clone_fs_child child = {.file = argv[3]};
        if (pipe(child.go) != 0)
            return 3;
        pid_t pid = clone(clone_fs_child_main, stack + sizeof(stack), CLONE_FS | SIGCHLD, &child);
        if (pid < 0 || chroot(argv[2]) != 0 || write(child.go[1], "x", 1) != 1)
            return 3;
        return wait_and_report(pid);
    }
    if (strcmp(argv[1], "thread-chroot-exec") == 0 && argc == 4) {
        pthread_t chrooter, execer;
        void* chrooted = NULL;
        thread_dir = argv[2];
        if (pthread_create(&chrooter, NULL, chroot_thread, NULL) != 0 ||
            pthread_join(chrooter, &chrooted) != 0 || !chrooted)
            return 3;
        if (pthread_create(&execer, NULL, exec_thread, argv[3]) != 0)
            return 3;
        pthread_join(execer, NULL);
        return 3;
    }
    if (strcmp(argv[1], "pivot-sibling-exec") == 0 && argc == 4) {
        int go[2];
        char old_root[4096];
        snprintf(old_root, sizeof(old_root), "%s/old", argv[2]);
        if (pipe(go) != 0 || unshare(CLONE_NEWNS) != 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
            return 3;
        pid_t child = fork();
        if (child == 0) {
            char byte;
            if (read(go[0], &byte, 1) != 1)
                _exit(3);
            char* const args[] = {argv[3], NULL};
            execve(argv[3], args, environ);
            _exit(3);
        }
        if (mkdir(old_root, 0755) != 0 || syscall(SYS_pivot_root, argv[2], old_root) != 0 ||
            write(go[1], "x", 1) != 1)
            return 3;
        return wait_and_report(child);
    }
    if (strcmp(argv[1], "setns-exec") == 0 && argc == 4) {
        if (setns(atoi(argv[2]), CLONE_NEWNS) != 0)
            return 3;
        char* const args[] = {argv[3], NULL};
        execve(argv[3], args, environ);
        return 3;
    }
    if (strcmp(argv[1], "mprotect-range") == 0 && argc == 3)
        return mprotect_over(argv[2], 1);
    if (strcmp(argv[1], "mprotect-many") == 0 && argc == 3)
        return mprotect_over(argv[2], 80);
    if (strcmp(argv[1], "int80-mmap") == 0 && argc == 3) {
        int fd = open(argv[2], O_RDONLY);
        if (fd < 0)
            return 3;
        long address = int80(192 /* mmap2 */, 0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd);
        return (unsigned long)address > -4096UL ? 3 : 0;
    }
    if (strcmp(argv[1], "int80-proc-mem") == 0) {
        char* path = low_copy("/proc/self/mem");
        if (!path)
            return 3;
        long fd = int80(5 /* open */, (long)(uintptr_t)path, O_RDWR, 0, 0, 0);
        return fd < 0 ? 3 : 0;
    }
    if (strcmp(argv[1], "uring-proc-mem") == 0 && argc == 3)
        return uring_proc_mem(argv[2]);
    if (strcmp(argv[1], "vm-writev") == 0) {
        pid_t child = sleeping_child(0);
        long value = 42;
        struct iovec local = {&value, sizeof(value)};
        struct iovec remote = {(void*)&target_word, sizeof(value)};
        ssize_t written = process_vm_writev(child, &local, 1, &remote, 1, 0);
        kill(child, SIGKILL);
        return written == sizeof(value) ? 0 : 3;
    }
    if (strcmp(argv[1], "ptrace-poke") == 0) {
        pid_t child = sleeping_child(1);
        long poked = ptrace(PTRACE_POKEDATA, child, (void*)&target_word, (void*)42L);
        kill(child, SIGKILL);
        return poked == 0 ? 0 : 3;
    }
    if (strcmp(argv[1], "anon-exec") == 0) {
        void* code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (code == MAP_FAILED)
            return 3;
        return mprotect(code, 4096, PROT_READ | PROT_EXEC) == 0 ? 0 : 3;
    }
    if (strcmp(argv[1], "jit-shared-anon") == 0) {
        void* code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        return code != MAP_FAILED && mprotect(code, 4096, PROT_READ | PROT_EXEC) == 0 ? 0 : 3;
    }
    if (strcmp(argv[1], "jit-dev-zero") == 0) {
        int fd = open("/dev/zero", O_RDWR);
        void* code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        return code != MAP_FAILED && mprotect(code, 4096, PROT_READ | PROT_EXEC) == 0 ? 0 : 3;
    }
    if (strcmp(argv[1], "jit-memfd") == 0) {
        int fd = memfd_create("jit", MFD_CLOEXEC);
        if (fd < 0 || ftruncate(fd, 4096) != 0)
            return 3;
        void* rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        void* rx = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
        return rw != MAP_FAILED && rx != MAP_FAILED ? 0 : 3;
    }
    if (strcmp(argv[1], "memfd-map-private") == 0 && argc == 3) {
        int fd = memfd_create("payload", MFD_CLOEXEC);
        if (fd < 0 || copy_into(fd, argv[2]) != 0)
            return 3;
        return mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) == MAP_FAILED ? 3 : 0;
    }
    if ((strcmp(argv[1], "map-shared-exec") == 0 || strcmp(argv[1], "unlinked-shared-exec") == 0) &&
        argc == 3) {
        int fd = open(argv[2], O_RDONLY);
        if (fd < 0 || (argv[1][0] == 'u' && unlink(argv[2]) != 0))
            return 3;
        return mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0) == MAP_FAILED ? 3 : 0;
    }
    if (strcmp(argv[1], "truncate") == 0 && argc == 3) {
        struct stat info;
        return stat(argv[2], &info) == 0 && truncate(argv[2], info.st_size) == 0 ? 0 : 3;
    }
    if (strcmp(argv[1], "exec-loop") == 0 && argc == 4) {
        char* const args[] = {argv[2], NULL};
        for (long i = atol(argv[3]); i > 0; i--) {
            pid_t child;
            if (posix_spawn(&child, argv[2], NULL, NULL, args, environ) != 0)
                return 3;
            waitpid(child, NULL, 0);
        }
        return 0;
    }
    if (strcmp(argv[1], "overwrite-mapped") == 0 && argc == 4) {
        int fd = open(argv[2], O_RDWR);
        int from = open(argv[3], O_RDONLY);
        struct stat target, source;
        if (fd < 0 || from < 0 || fstat(fd, &target) != 0 || fstat(from, &source) != 0 ||
            source.st_size > target.st_size)
            return 3;
        char* map = mmap(NULL, (size_t)target.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED || read(from, map, (size_t)source.st_size) != source.st_size)
            return 3;
        return munmap(map, (size_t)target.st_size) == 0 && close(fd) == 0 ? 0 : 3;
    }
    if (strcmp(argv[1], "map-exec") == 0 && argc == 3) {
        int fd = open(argv[2], O_RDONLY);
        if (fd < 0)
            return 3;
        return mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) == MAP_FAILED ? 3 : 0;
    }
    return 2;
}
