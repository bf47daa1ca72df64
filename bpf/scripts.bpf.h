/* "#!" scripts: judged when their interpreter opens them.
 *
 * Kernel behaviour relied on: binfmt_script (and binfmt_misc) release the script file
 * before sched_process_exec; what stays is the argv the kernel built. For a chain of L
 * scripts (a script whose interpreter is itself a script, up to the kernel's 5 levels) the
 * kernel removes argv[0] and prepends "interpreter [arg] script" at each level, so the
 * final argv is
 *     I_L [A_L] S_L-1 [A_L-1] ... S_1 [A_1] S_0  original argv[1..]
 * where S_0 is the exec'd path. The entries the kernel inserted are exactly the first
 * (final argc - argc the process passed) after argv[0]; the sensor counts the argc the
 * process passed at sys_enter of execve, and checks that S_0 is among the inserted ones
 * (a thread changing argv between the two counts is caught there: fails closed).
 *
 * Every inserted entry becomes a pending name of the process (task storage of its
 * thread-group leader), kept across further execs of the same process (`#!/usr/bin/env sh`:
 * env execs sh, which opens the script). An open whose path, as passed, hashes like a
 * pending name, or whose file's own name hashes like a pending name's last component
 * (an interpreter that resolves the path first), is judged as the script before the
 * interpreter has read a byte of it.
 */
#ifndef DRIFTGUARD_SCRIPTS_BPF_H
#define DRIFTGUARD_SCRIPTS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "driftguard/abi.h"
#include "maps.bpf.h"
#include "scope.bpf.h"
#include "classify.bpf.h"
#include "verdict.bpf.h"
#include "hash.bpf.h"

#define DG_ARGC_LIMIT	(1 << 17) /* above: argc unknown, a script chain fails closed */
#define DG_ARGC_UNKNOWN 0xffffffffU

struct dg_path_hashes {
	__u64 path; /* the whole string */
	__u64 name; /* its last component */
};

/* FNV-1a of the NUL-terminated string in `buffer` (of its last component only when
 * `last_component`); never 0, which marks a free slot. A global function: verified once. */
__noinline __u64 dg_hash_string(const struct dg_path_buffer *buffer, __u32 last_component)
{
	if (!buffer)
		return 1;
	__u64 hash = DG_FNV_OFFSET;
	for (int i = 0; i < DG_PATH_MAX; i++) {
		__u8 c = buffer->bytes[i];
		if (c == 0)
			break;
		hash = (last_component && c == '/') ? DG_FNV_OFFSET : (hash ^ c) * DG_FNV_PRIME;
	}
	return hash ? hash : 1;
}

static __always_inline struct dg_path_hashes dg_hash_path(const void *buffer)
{
	struct dg_path_hashes hashes = {
	    .path = dg_hash_string(buffer, 0),
	    .name = dg_hash_string(buffer, 1),
	};
	return hashes;
}

/* ---- argc at sys_enter of execve -------------------------------------------------- */

struct dg_argv_walk {
	const void *argv;
	__u32 pointer_size; /* 8, or 4 for 32-bit callers */
	__u32 count;
};

static long dg_count_one_arg(__u64 index, void *data)
{
	struct dg_argv_walk *walk = data;
	__u64 pointer = 0;
	const void *slot = walk->argv + index * walk->pointer_size;
	if (bpf_probe_read_user(&pointer, walk->pointer_size == 4 ? 4 : 8, slot) != 0 || !pointer)
		return 1;
	walk->count++;
	return 0;
}

/* The current thread's entry in dg_thread_calls, created when `create`. */
static __always_inline struct dg_thread_call *dg_thread_call(bool create)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct dg_thread_call *call = bpf_map_lookup_elem(&dg_thread_calls, &tid);
	if (call || !create)
		return call;
	struct dg_thread_call fresh = {};
	bpf_map_update_elem(&dg_thread_calls, &tid, &fresh, BPF_ANY);
	return bpf_map_lookup_elem(&dg_thread_calls, &tid);
}

/* Records how many arguments the current task passes to the execve under way. */
static __always_inline void dg_note_exec_argc(const void *argv, __u32 pointer_size)
{
	struct dg_argv_walk walk = {.argv = argv, .pointer_size = pointer_size};
	if (argv)
		bpf_loop(DG_ARGC_LIMIT, dg_count_one_arg, &walk, 0);
	struct dg_thread_call *call = dg_thread_call(true);
	if (call)
		call->exec_argc = walk.count >= DG_ARGC_LIMIT ? DG_ARGC_UNKNOWN : walk.count;
}

/* ---- the chain, at sched_process_exec --------------------------------------------- */

static __always_inline void dg_add_pending(struct dg_pending_scripts *pending,
					   struct dg_path_hashes hashes)
{
	__u32 slot = pending->next;
	if (slot >= DG_SCRIPT_NAMES)
		slot = 0;
	if (pending->path_hash[slot])
		dg_count(DG_COUNTER_SCRIPTS_UNSEEN);
	pending->path_hash[slot] = hashes.path;
	pending->name_hash[slot] = hashes.name;
	pending->next = slot + 1;
}

/* Reads the argv the kernel built for the new image and records the script names in it.
 * False when the chain cannot be followed. */
static __always_inline bool dg_record_chain(struct task_struct *task, struct linux_binprm *bprm,
					    struct dg_pending_scripts *pending)
{
	struct dg_thread_call *call = dg_thread_call(false);
	if (!call)
		return false;
	__u32 passed = call->exec_argc;
	call->exec_argc = 0;
	if (passed == 0 || passed == DG_ARGC_UNKNOWN)
		return false;
	int inserted = BPF_CORE_READ(bprm, argc) - (int)passed;
	if (inserted < 1 || inserted > DG_SCRIPT_NAMES - 1)
		return false;
	struct dg_path_buffer *buffer = dg_path_buffer();
	if (!buffer)
		return false;
	bpf_probe_read_kernel_str(buffer->bytes, sizeof(buffer->bytes),
				  BPF_CORE_READ(bprm, filename));
	__u64 exec_path = dg_hash_string(buffer, 0);

	bool found = false;
	unsigned long arg = BPF_CORE_READ(task, mm, arg_start);
	for (int i = 0; i < DG_SCRIPT_NAMES; i++) {
		long length =
		    bpf_probe_read_user_str(buffer->bytes, sizeof(buffer->bytes), (void *)arg);
		if (length <= 0)
			return false;
		arg += length;
		if (i == 0)
			continue; /* the final interpreter: judged as the exec itself */
		struct dg_path_hashes hashes = dg_hash_path(buffer);
		dg_add_pending(pending, hashes);
		found |= hashes.path == exec_path;
		if (i == inserted)
			break;
	}
	return found;
}

/* A "#!" exec: remember the chain's scripts for `task`'s process, or judge the exec as
 * drift when they cannot be remembered or followed. */
static __always_inline void dg_track_scripts(struct task_struct *task, struct linux_binprm *bprm,
					     __u32 container_dev)
{
	struct dg_pending_scripts *pending =
	    bpf_task_storage_get(&dg_task_scripts, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (pending) {
		pending->container_dev = container_dev;
		if (dg_record_chain(task, bprm, pending))
			return;
	} else {
		dg_count(DG_COUNTER_PENDING_FULL);
	}
	struct dg_event *event = dg_new_event(DG_HOOK_SCRIPT, container_dev);
	if (!event)
		return;
	bpf_probe_read_kernel_str(event->path, sizeof(event->path), BPF_CORE_READ(bprm, filename));
	dg_judge(event, DG_KIND_UNCHECKED);
}

/* ---- opens by a process with pending scripts --------------------------------------- */

static __always_inline struct dg_pending_scripts *dg_pending_of(struct task_struct *task)
{
	return bpf_task_storage_get(&dg_task_scripts, task->group_leader, 0, 0);
}

/* sys_enter of an open: hash the path as passed, for the exit to compare. */
static __always_inline void dg_script_open_enter(const char *user_path)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dg_pending_scripts *pending = dg_pending_of(task);
	if (!pending)
		return;
	struct dg_thread_call *call = dg_thread_call(true);
	if (!call)
		return;
	call->open_path_hash = 0;
	if (bpf_probe_read_user_str(pending->open_path, sizeof(pending->open_path), user_path) > 0)
		call->open_path_hash = dg_hash_string((void *)pending->open_path, 0);
}

/* sys_exit of an open that returned `file`: if it is one of the pending scripts, judge
 * it (true: the task was killed). */
static __always_inline bool dg_script_open_exit(struct file *file, __u32 container_dev)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dg_pending_scripts *pending = dg_pending_of(task);
	if (!pending)
		return false;
	struct dg_thread_call *call = dg_thread_call(false);
	struct dg_path_buffer *buffer = dg_path_buffer();
	if (!buffer)
		return false;
	__u64 opened_path = 0;
	if (call) {
		opened_path = call->open_path_hash;
		call->open_path_hash = 0;
	}
	bpf_probe_read_kernel_str(buffer->bytes, sizeof(buffer->bytes),
				  BPF_CORE_READ(file, f_path.dentry, d_name.name));
	__u64 opened_name = dg_hash_string(buffer, 1);

	bool matched = false, left = false;
	for (int i = 0; i < DG_SCRIPT_NAMES; i++) {
		if (!pending->path_hash[i])
			continue;
		if (pending->path_hash[i] == opened_path || pending->name_hash[i] == opened_name) {
			pending->path_hash[i] = 0;
			pending->name_hash[i] = 0;
			matched = true;
		} else {
			left = true;
		}
	}
	if (!matched)
		return false;
	struct dg_event *event = dg_new_event(DG_HOOK_SCRIPT, container_dev);
	if (event)
		__builtin_memcpy(event->path, pending->open_path, sizeof(event->path));
	if (!left)
		bpf_task_storage_delete(&dg_task_scripts, task->group_leader);
	if (!event)
		return false;
	return dg_judge(event, dg_classify_file(file, container_dev, event));
}

#endif /* DRIFTGUARD_SCRIPTS_BPF_H */
