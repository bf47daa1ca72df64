/* The one header shared by the BPF programs and the C++ agent.
 *
 * Plain C, fixed-width types only. Every struct that crosses the kernel/user boundary
 * lives here; tests/unit/abi_layout_test.cpp pins their layout. Bump DG_ABI_VERSION on
 * any change: the agent refuses to adopt pinned programs built for another version.
 */
#ifndef DRIFTGUARD_ABI_H
#define DRIFTGUARD_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define DG_ABI_VERSION 6

/* What a container's drift leads to. */
enum dg_mode {
	DG_MODE_OFF = 0,     /* not judged */
	DG_MODE_AUDIT = 1,   /* reported, allowed to run */
	DG_MODE_ENFORCE = 2, /* reported, killed before it runs */
};

/* Per-container settings (map dg_container_policy): the mode and DG_POLICY_* flags. */
#define DG_POLICY_DENY_ANON_EXEC 0x1 /* executable anonymous memory is drift (no-JIT workloads) */
struct dg_container_policy {
	__u32 mode;	/* enum dg_mode */
	__u32 flags;	/* DG_POLICY_* */
	__u64 identity; /* the container's identity (0: any): see dg_task_scope */
};

/* Where the kernel saw the code about to run. */
enum dg_hook {
	DG_HOOK_EXEC = 1,   /* execve/execveat: the new program image (tp_btf/sched_process_exec) */
	DG_HOOK_SCRIPT = 2, /* a "#!" script: the interpreter's open of the script file */
	DG_HOOK_MMAP = 3,   /* mmap with PROT_EXEC of a file (ld.so, LD_PRELOAD, dlopen) */
	DG_HOOK_MPROTECT = 4,  /* mprotect/pkey_mprotect adding PROT_EXEC to a file mapping */
	DG_HOOK_PROC_MEM = 5,  /* open of /proc/<pid>/mem for writing */
	DG_HOOK_INTERP = 6,    /* the mapping an exec starts in: the ELF interpreter it mapped */
	DG_HOOK_MEM_WRITE = 7, /* process_vm_writev, ptrace(POKETEXT/POKEDATA/POKEUSER) */
	DG_HOOK_URING = 8,     /* an io_uring request (open of /proc/<pid>/mem, unchecked opens) */
};

/* What the kernel knows about why the file is not the image's. The agent refines
 * DG_KIND_UPPER into new file / modified image file / image file at a new path. */
enum dg_kind {
	DG_KIND_NONE = 0,
	DG_KIND_UPPER = 1, /* data in the container's writable overlay layer */
	DG_KIND_OTHER_FS =
	    2, /* a filesystem other than the container's root: volume, tmpfs, bind mount */
	DG_KIND_MEMFD = 3,   /* memfd_create: no file on any disk */
	DG_KIND_DELETED = 4, /* an unlinked upper-layer file, run through its descriptor */
	DG_KIND_PROC_MEM =
	    5, /* write access to a process's memory (/proc/<pid>/mem, ptrace, process_vm_writev) */
	DG_KIND_UNCHECKED = 6, /* a route the sensor cannot check (too many mappings in one
				* mprotect, a script chain it cannot follow, an io_uring
				* write-open it cannot see): judged as drift, so it fails closed */
	DG_KIND_ANON_EXEC =
	    7, /* executable anonymous memory, where the workload's policy denies it */
};

enum dg_verdict {
	DG_VERDICT_AUDIT = 1, /* reported only */
	DG_VERDICT_KILL = 2,  /* SIGKILL sent before the code ran */
	DG_VERDICT_DENY = 3,  /* the system call failed with EPERM (lsm, fmod_ret backends) */
};

/* Indexes of the per-CPU counter array dg_counters. */
enum dg_counter {
	DG_COUNTER_EXECS = 0,	       /* execs judged inside containers */
	DG_COUNTER_MAPS = 1,	       /* executable file mappings judged inside containers */
	DG_COUNTER_KILLS = 2,	       /* drift killed or denied */
	DG_COUNTER_AUDITS = 3,	       /* drift reported in audit mode */
	DG_COUNTER_EVENTS_DROPPED = 4, /* ring buffer full: event lost, verdict still applied */
	DG_COUNTER_PENDING_FULL = 5,   /* no room to track a script: its exec was judged drift */
	DG_COUNTER_SCRIPTS_UNSEEN =
	    6, /* a pending script replaced before its interpreter opened it */
	DG_COUNTER_SCOPE_UNRECORDED = 7, /* no memory to record a task's container (task storage) */
	DG_COUNTER_EVENTS_THROTTLED = 8, /* event left out: its container used its ring share */
	DG_COUNTER_MAX = 9,
};

/* Key of dg_allowed: the real (upper-layer) inode of a verified copy-up. */
struct dg_inode_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

/* Value of dg_allowed: the upper inode's ctime when the agent verified its content.
 * Any later write or attribute change moves ctime and voids the entry. */
struct dg_allowed {
	__s64 ctime_sec;
	__u32 ctime_nsec;
	__u32 pad;
};

#define DG_PATH_MAX 256

/* Value of dg_writer_programs, keyed by struct dg_inode_key of an image program (its
 * overlay inode in the container): which of the container's writtenBy exceptions (bit i:
 * the i-th) name it. */
struct dg_writer_program {
	__u64 identity; /* dg_container_identity() of the container the entry is for */
	__u64 exceptions;
};

/* Key of dg_writer_dirs: a directory (FNV-1a 64 of its path in the container, e.g.
 * "/var/lib/varnish") of a container's writtenBy exceptions. Value: __u64 exception bits. */
struct dg_writer_dir_key {
	__u64 path_hash;
	__u32 container_dev;
	__u32 pad;
};

/* Value of dg_file_programs, keyed by struct dg_inode_key of a file's data inode (the upper
 * layer's): the program that last began writing it while it was empty and no one else held
 * it for writing, and whether it was opened for writing since (written_by.bpf.h). */
struct dg_file_program {
	struct dg_inode_key program; /* that opener's executable: inode and s_dev */
	__u64 opens;		     /* write-opens of the file counted so far */
	__u64 clean_at;		     /* the count before that open; ~0: no such open */
	__u64 identity;		     /* dg_container_identity() of the opener's container */
	__u32 program_is_image;	     /* the executable was the image's own file there */
	__u32 pad;
};

/* Per-task scope (task storage dg_task_scope). The agent writes container_dev for
 * container processes that predate the sensor. */
/* A container's identity from its upper directory's inode number and generation. */
static inline __u64 dg_container_identity(__u64 ino, __u32 generation)
{
	return ino ^ ((__u64)generation << 32);
}

struct dg_task_scope {
	__u32 container_dev; /* the container's key; 0: a host task whose parents were checked */
	__u32 pad;
	/* dg_container_identity() of the container's upper directory: overlay device numbers
	 * are reused by the next container, this tells two containers with the same key apart. */
	__u64 identity;
};

/* "#!" scripts of a process whose files its interpreter has yet to open (task storage
 * dg_task_scripts on the thread-group leader). Matched by the hash of the path as opened
 * or of the opened file's name; a slot is 0 when free. */
#define DG_SCRIPT_NAMES 12
struct dg_pending_scripts {
	__u64 path_hash[DG_SCRIPT_NAMES];
	__u64 name_hash[DG_SCRIPT_NAMES];
	__u32 next; /* slot to fill next */
	__u32 container_dev;
	char open_path[DG_PATH_MAX]; /* the latest open's path as passed, for the event */
};

#define DG_NAME_MAX	   64
#define DG_ARGS_MAX	   256 /* argv bytes kept (NUL-separated, as in /proc/<pid>/cmdline) */
#define DG_ANCESTORS	   8   /* parents kept, up to the container's first process */
#define DG_ACTOR_ARGS	   128 /* argv bytes kept of a file's writer */
#define DG_ACTOR_ANCESTORS 4
#define DG_CONNECTIONS	   4 /* connect() calls kept per process */

/* A parent of the process that drifted. */
struct dg_ancestor {
	__u32 tgid;
	__u32 pad;
	char comm[16];
};

/* dg_event.flags: the mode was the build steps' default (dg_build_default_mode): a host
 * build program started the container and the agent had not decided its mode yet. */
#define DG_EVENT_BUILD_STEP 1

/* One drift event (ring buffer dg_events). */
struct dg_event {
	__u32 abi;
	__u16 hook;   /* enum dg_hook */
	__u16 kind;   /* enum dg_kind */
	__u8 verdict; /* enum dg_verdict */
	__u8 mode;    /* enum dg_mode in force */
	__u16 flags;  /* DG_EVENT_* */
	__u32 pid;    /* thread id */
	__u32 tgid;   /* process id */
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 container_dev; /* s_dev of the container's root overlay: the container's key */
	__u32 mnt_ns;	     /* mount namespace inode number */
	__u32 pad1;
	__u64 ktime_ns;
	__u64 file_ino; /* the inode the container sees */
	__u32 file_dev;
	__u32 file_mode;
	__u32 file_nlink;
	__u32 fs_magic;
	__u64 file_size;
	__u64 upper_ino; /* the upper layer's real inode, when the data is there */
	__u32 upper_dev;
	__u32 prot; /* mmap/mprotect protection */
	char comm[16];
	char name[DG_NAME_MAX]; /* the file's name (last path component) */
	char path[DG_PATH_MAX]; /* the path given to execve, or the script's path */
	__u32 args_len;		/* bytes of args used */
	__u32 ancestor_count;
	char args[DG_ARGS_MAX]; /* the process's argv, NUL-separated (after the exec for exec) */
	struct dg_ancestor ancestors[DG_ANCESTORS]; /* parent first, while in the container */
	__u64 container_identity; /* upper directory inode of the container (dg_task_scope) */
};

/* A process that opened a file for writing (map dg_writers). */
struct dg_actor {
	__u64 ktime_ns; /* bpf_ktime_get_ns() of the open */
	__u32 tgid;
	__u32 ppid;
	__u32 uid;
	__u32 ancestor_count;
	__u32 ancestors[DG_ACTOR_ANCESTORS]; /* tgids, parent first */
	__u32 args_len;
	__u32 pad;
	char comm[16];
	char args[DG_ACTOR_ARGS];
};

/* Value of dg_writers, keyed by struct dg_inode_key of the file as opened (the overlay
 * inode for files of the container's root): the first and the latest writer seen. */
struct dg_file_writers {
	struct dg_actor first;
	struct dg_actor last;
};

/* One connect() of a process in a container (map dg_connections). */
struct dg_connection {
	__u64 ktime_ns;
	__u16 family; /* AF_INET 2, AF_INET6 10 */
	__u16 port;   /* host byte order */
	__u16 type;   /* SOCK_STREAM 1, SOCK_DGRAM 2 */
	__u16 pad;
	__u8 addr[16]; /* IPv4 in the first 4 bytes */
};

/* Value of dg_connections, keyed by tgid: the latest DG_CONNECTIONS connects, a ring. */
struct dg_connections {
	__u32 next;
	__u32 pad;
	struct dg_connection recent[DG_CONNECTIONS];
};

/* Event emitted by the build-pipeline self-test program (bpf/selftest.bpf.c). */
struct dg_selftest_event {
	__u32 pid;	/* tgid of the task that called execve */
	__u32 abi;	/* DG_ABI_VERSION the program was built with */
	__u64 ktime_ns; /* bpf_ktime_get_ns() at the exec */
	char comm[16];	/* task comm after the exec */
};

/* The layout of every struct above, checked by each compiler that includes this header:
 * clang for the BPF programs and the C++ build of the agent must agree byte for byte. */
#ifdef __cplusplus
#define DG_LAYOUT(condition) static_assert(condition, #condition)
#else
#define DG_LAYOUT(condition) _Static_assert(condition, #condition)
#endif
DG_LAYOUT(sizeof(struct dg_selftest_event) == 32);
DG_LAYOUT(__builtin_offsetof(struct dg_selftest_event, pid) == 0);
DG_LAYOUT(__builtin_offsetof(struct dg_selftest_event, abi) == 4);
DG_LAYOUT(__builtin_offsetof(struct dg_selftest_event, ktime_ns) == 8);
DG_LAYOUT(__builtin_offsetof(struct dg_selftest_event, comm) == 16);
DG_LAYOUT(__builtin_offsetof(struct dg_event, abi) == 0);
DG_LAYOUT(__builtin_offsetof(struct dg_event, hook) == 4);
DG_LAYOUT(__builtin_offsetof(struct dg_event, kind) == 6);
DG_LAYOUT(__builtin_offsetof(struct dg_event, verdict) == 8);
DG_LAYOUT(__builtin_offsetof(struct dg_event, mode) == 9);
DG_LAYOUT(__builtin_offsetof(struct dg_event, pid) == 12);
DG_LAYOUT(__builtin_offsetof(struct dg_event, container_dev) == 32);
DG_LAYOUT(__builtin_offsetof(struct dg_event, ktime_ns) == 48);
DG_LAYOUT(__builtin_offsetof(struct dg_event, file_ino) == 56);
DG_LAYOUT(__builtin_offsetof(struct dg_event, file_size) == 80);
DG_LAYOUT(__builtin_offsetof(struct dg_event, upper_ino) == 88);
DG_LAYOUT(__builtin_offsetof(struct dg_event, comm) == 104);
DG_LAYOUT(__builtin_offsetof(struct dg_event, name) == 120);
DG_LAYOUT(__builtin_offsetof(struct dg_event, path) == 120 + DG_NAME_MAX);
DG_LAYOUT(__builtin_offsetof(struct dg_event, args_len) == 120 + DG_NAME_MAX + DG_PATH_MAX);
DG_LAYOUT(__builtin_offsetof(struct dg_event, args) == 128 + DG_NAME_MAX + DG_PATH_MAX);
DG_LAYOUT(__builtin_offsetof(struct dg_event, ancestors) ==
	  128 + DG_NAME_MAX + DG_PATH_MAX + DG_ARGS_MAX);
DG_LAYOUT(sizeof(struct dg_ancestor) == 24);
DG_LAYOUT(__builtin_offsetof(struct dg_event, container_identity) ==
	  128 + DG_NAME_MAX + DG_PATH_MAX + DG_ARGS_MAX + 24 * DG_ANCESTORS);
DG_LAYOUT(sizeof(struct dg_event) ==
	  136 + DG_NAME_MAX + DG_PATH_MAX + DG_ARGS_MAX + 24 * DG_ANCESTORS);
DG_LAYOUT(__builtin_offsetof(struct dg_actor, ancestors) == 24);
DG_LAYOUT(__builtin_offsetof(struct dg_actor, comm) == 48);
DG_LAYOUT(sizeof(struct dg_actor) == 64 + DG_ACTOR_ARGS);
DG_LAYOUT(sizeof(struct dg_file_writers) == 2 * sizeof(struct dg_actor));
DG_LAYOUT(sizeof(struct dg_connection) == 32);
DG_LAYOUT(sizeof(struct dg_connections) == 8 + 32 * DG_CONNECTIONS);
DG_LAYOUT(sizeof(struct dg_inode_key) == 16);
DG_LAYOUT(__builtin_offsetof(struct dg_inode_key, dev) == 8);
DG_LAYOUT(sizeof(struct dg_allowed) == 16);
DG_LAYOUT(__builtin_offsetof(struct dg_allowed, ctime_nsec) == 8);
DG_LAYOUT(sizeof(struct dg_container_policy) == 16);
DG_LAYOUT(__builtin_offsetof(struct dg_container_policy, flags) == 4);
DG_LAYOUT(__builtin_offsetof(struct dg_container_policy, identity) == 8);
DG_LAYOUT(sizeof(struct dg_task_scope) == 16);
DG_LAYOUT(__builtin_offsetof(struct dg_task_scope, identity) == 8);
DG_LAYOUT(__builtin_offsetof(struct dg_pending_scripts, name_hash) == 8 * DG_SCRIPT_NAMES);
DG_LAYOUT(__builtin_offsetof(struct dg_pending_scripts, next) == 16 * DG_SCRIPT_NAMES);
DG_LAYOUT(__builtin_offsetof(struct dg_pending_scripts, open_path) == 16 * DG_SCRIPT_NAMES + 8);
DG_LAYOUT(sizeof(struct dg_pending_scripts) == 16 * DG_SCRIPT_NAMES + 8 + DG_PATH_MAX);
#undef DG_LAYOUT

#endif /* DRIFTGUARD_ABI_H */
