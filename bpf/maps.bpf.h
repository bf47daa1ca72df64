/* All maps of the sensor. Each: key, value, size, and what happens when it is full. */
#ifndef DRIFTGUARD_MAPS_BPF_H
#define DRIFTGUARD_MAPS_BPF_H

#include "driftguard/abi.h"

/* Container policy. key: __u32 s_dev of the container's root overlay; value: struct
 * dg_container_policy (mode and flags). Filled by the agent from policy. A container not
 * in the map gets dg_default_mode and dg_default_flags (enforce unless configured
 * otherwise), so a full map or a container the agent has not seen yet fails closed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct dg_container_policy);
} dg_container_modes SEC(".maps");

/* Allowed files. key: struct dg_inode_key (the upper layer's real inode, or a volume file's
 * inode); value: struct dg_allowed (its ctime at verification). The agent adds an entry
 * after checking that an upper-layer file has the same path and SHA-256 as an executable
 * of the image, or that a file matches a policy exception. When full, the agent cannot add
 * more and those files stay drift: fails closed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct dg_inode_key);
	__type(value, struct dg_allowed);
} dg_allowed SEC(".maps");

/* writtenBy exceptions (written_by.bpf.h), filled by the agent per container: the image
 * programs that may write (key: their overlay inode) and the directories below which they
 * may (key: path hash and container). Sized for 64 exceptions of a few programs and
 * directories in each of many containers; when full, the agent cannot add an entry and the
 * files stay drift: fails closed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct dg_inode_key);
	__type(value, struct dg_writer_program);
} dg_writer_programs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct dg_writer_dir_key);
	__type(value, __u64);
} dg_writer_dirs SEC(".maps");

/* Who began writing each file of a container's overlay (written_by.bpf.h). key: struct
 * dg_inode_key of the data inode; updated at every write-open, by any process. LRU: a file
 * whose entry was evicted (65,536 newer written files) is not vouched for by a writtenBy
 * exception: it stays drift (fails closed). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct dg_inode_key);
	__type(value, struct dg_file_program);
} dg_file_programs SEC(".maps");

/* Host programs that run image builds (podman, buildah, buildkitd, dockerd), by inode: a
 * container whose first process they started is judged with dg_build_default_mode until
 * the agent has decided its mode (verdict.bpf.h). Filled by the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct dg_inode_key);
	__type(value, __u8);
} dg_builder_programs SEC(".maps");

/* Which container each task belongs to, for life (scope.bpf.h). Task local storage: one
 * struct dg_task_scope per task the sensor has recognised (container tasks, and host tasks
 * older than the sensor whose parents were walked once), freed with the task. Never full:
 * an allocation failure is counted (DG_COUNTER_SCOPE_UNRECORDED) and the task is then
 * recognised by its root alone. Seeded by the agent (pidfd keys) for container processes
 * that predate the sensor. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct dg_task_scope);
} dg_task_scope SEC(".maps");

/* "#!" scripts a process exec'd whose files its interpreter has yet to open (scripts.bpf.h).
 * Task local storage of the thread-group leader, so the budget is per process and one
 * container cannot use up another's: when all DG_SCRIPT_NAMES slots are taken the oldest
 * is replaced (counted in DG_COUNTER_SCRIPTS_UNSEEN). Freed with the process. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct dg_pending_scripts);
} dg_task_scripts SEC(".maps");

/* A thread's system call under way, between its entry and what follows it (scripts.bpf.h):
 * the argc an execve was given (for "#!" chains, read at sched_process_exec) and, for a
 * process with pending scripts, the hash of the path an open was given (read at its
 * exit). key: __u32 thread id. LRU: an entry evicted while its call is under way (16,384
 * newer calls in between) makes a "#!" chain unchecked (fails closed) or an open
 * unmatched by path (still matched by the file's name). */
struct dg_thread_call {
	__u64 open_path_hash;
	__u32 exec_argc;
	__u32 pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct dg_thread_call);
} dg_thread_calls SEC(".maps");

/* Open calls that may write, between sys_enter and sys_exit. key: __u32 thread id; value:
 * __u8. Only these opens are checked for /proc/<pid>/mem. LRU: when full, the oldest
 * entry goes, and that one open is not checked (counted nowhere: 16384 threads would
 * have to be inside open() at once). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} dg_write_opens SEC(".maps");

/* Who wrote files in containers. key: struct dg_inode_key of the file as opened; value:
 * struct dg_file_writers (the first writer the sensor saw and the latest). Filled at every
 * successful open for writing of a regular file inside a container. LRU: when full, the
 * least recently written file is forgotten, and a drift event about it has no writer. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct dg_inode_key);
	__type(value, struct dg_file_writers);
} dg_writers SEC(".maps");

/* The file each process in a container last opened for writing. key: __u32 tgid; value:
 * struct dg_inode_key. Lets dg_exec name the program in dg_writers when a shell opens
 * the file (`tool > file`) and then execs the tool that writes it. LRU. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct dg_inode_key);
} dg_last_write_open SEC(".maps");

/* Recent connect() calls of processes in containers. key: __u32 tgid; value: struct
 * dg_connections (a ring of the latest DG_CONNECTIONS). LRU: entries outlive their process
 * (a downloader exits before its file runs) until evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct dg_connections);
} dg_connections SEC(".maps");

/* Zeroed values to insert into dg_writers / dg_connections (too big for the stack). */
struct dg_provenance_scratch {
	struct dg_file_writers writers;
	struct dg_connections connections;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dg_provenance_scratch);
} dg_provenance_zero SEC(".maps");

/* Drift events, struct dg_event. When full, the event is dropped and counted in
 * DG_COUNTER_EVENTS_DROPPED; the verdict is applied regardless. */
#define DG_EVENTS_BYTES (1 << 22)
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DG_EVENTS_BYTES);
} dg_events SEC(".maps");

/* Each container's share of the event ring while it is more than half full (verdict.bpf.h,
 * dg_event_admitted). key: __u32 container key; value: struct dg_event_share. LRU: a
 * container evicted (4,096 others wrote events since) starts a fresh share. */
struct dg_event_share {
	__u64 epoch; /* dg_ring_epoch when the ring last was at most half full */
	__u64 bytes; /* event bytes the container wrote since */
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct dg_event_share);
} dg_event_shares SEC(".maps");

/* Counters, enum dg_counter; per CPU, summed by the agent. Never full. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DG_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} dg_counters SEC(".maps");

/* Copies of image files written since they were copied up (copy_up.bpf.h). key: struct
 * dg_inode_key of the upper inode; value: __u8. Marked at every write-open of a copied-up
 * file through an overlay. When full, dg_copy_up_marks_lost is set and the kernel stops
 * vouching for copy-ups (the agent's hashing still allows them): fails closed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct dg_inode_key);
	__type(value, __u8);
} dg_copy_up_dirty SEC(".maps");

/* Containers whose copy-ups the kernel no longer vouches for (a truncate(2) by path).
 * key: __u32 container key; value: __u64 its identity. When full: as above. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} dg_copy_up_distrust SEC(".maps");

/* Scratch space for one path being hashed (scripts.bpf.h). */
struct dg_path_buffer {
	char bytes[DG_PATH_MAX];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dg_path_buffer);
} dg_path_scratch SEC(".maps");

static __always_inline struct dg_path_buffer *dg_path_buffer(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&dg_path_scratch, &zero);
}

/* Scratch space for the directories above a file (written_by.bpf.h): kept off the stack,
 * which 6.1's verifier limits to 512 bytes for a program and the functions it calls. */
#define DG_WRITER_DEPTH 16 /* directories below "/" a writtenBy file may be at */
struct dg_ancestors {
	__u64 dentries[DG_WRITER_DEPTH + 1];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dg_ancestors);
} dg_ancestor_scratch SEC(".maps");

/* Scratch space for building an event bigger than the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dg_event);
} dg_scratch SEC(".maps");

static __always_inline void dg_count(__u32 counter)
{
	__u64 *value = bpf_map_lookup_elem(&dg_counters, &counter);
	if (value)
		*value += 1;
}

#endif /* DRIFTGUARD_MAPS_BPF_H */
