/* Which tasks are "in a container", decided in the kernel with no registration step, and
 * kept for life.
 *
 * First recognition: a task whose root directory is an overlayfs mount (and not the host's
 * own root) is in the container that mount belongs to. That is what podman, CRI-O,
 * containerd and docker give a container's rootfs; it holds from the first exec of the
 * entrypoint (runc pivots into the root before it execs) and never for the runtime itself
 * (podman, conmon, runc and runc's memfd re-exec keep the host's root until runc's last
 * stage enters the container) or for host services with private mount namespaces. The
 * container is identified by the s_dev of that overlay superblock.
 *
 * Once in, always in: the key is stored in the task's local storage (dg_task_scope) before
 * the task's root can leave the container's. A task's root changes through its own chroot,
 * pivot_root or setns, through another task that shares its fs_struct, or through a
 * pivot_root in its mount namespace by another task (pivot_root moves every task whose
 * root was the old root). So entries are made at chroot, pivot_root and setns, at
 * unshare/clone of a mount namespace (dg_scope_before_root_change), and at fork for a child
 * of a recorded parent, of one that already left the root, or one that shares its
 * fs_struct with another process (clone(CLONE_FS) without CLONE_THREAD); the processes a
 * pivot_root can move in a mount namespace made inside the container all descend from its
 * recorded maker. Everything else is recognised by its root and needs no entry (the common
 * case costs no storage); threads fall back on their leader's entry. A process that
 * changes its root stays judged as that container's, and so do its descendants, whatever
 * their credentials or namespaces.
 *
 * Tasks the fork hook never saw:
 *  - threads of a process that predates the sensor, and io_uring workers (create_io_thread
 *    does not fire the fork tracepoint): their thread-group leader's entry counts;
 *  - processes that predate the sensor and left the container's root before it loaded:
 *    their parents are walked in the kernel (DG_SCOPE_ANCESTORS), and the agent seeds the
 *    rest from /proc (same cgroup as a container's first process).
 */
#ifndef DRIFTGUARD_SCOPE_BPF_H
#define DRIFTGUARD_SCOPE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "driftguard/abi.h"
#include "maps.bpf.h"
#include "kernel_defs.bpf.h"
#include "task_readers.bpf.h"

#define DG_SCOPE_ANCESTORS 16

/* Set by the agent before load. */
const volatile __u32 dg_host_root_dev = 0; /* s_dev of the host's / (in case it is overlayfs) */
const volatile __u64 dg_loaded_ns = 0; /* CLOCK_MONOTONIC at load: older tasks' forks were unseen */

/* Test scope: when non-zero, only the container with this root s_dev is judged. */
volatile __u32 dg_only_container_dev = 0;

/* The container key of the overlay `task` has as its root, or 0 (none, or the host's own
 * root is an overlay). */
static __always_inline __u32 dg_root_container_dev(struct task_struct *task)
{
	__u32 dev = dg_task_root_overlay_dev(task);
	return dev == dg_host_root_dev ? 0 : dev;
}

static __always_inline struct dg_task_scope *dg_scope_entry(struct task_struct *task, __u64 flags)
{
	return bpf_task_storage_get(&dg_task_scope, task, 0, flags);
}

static __always_inline void dg_remember_scope(struct task_struct *task, __u32 dev, __u64 identity)
{
	struct dg_task_scope *scope = dg_scope_entry(task, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (scope) {
		scope->container_dev = dev;
		scope->identity = identity;
	} else {
		dg_count(DG_COUNTER_SCOPE_UNRECORDED);
	}
}

/* For a task older than the sensor: the nearest parent whose root was, or is, a container's. */
static __always_inline struct task_struct *dg_ancestor_in_container(struct task_struct *task)
{
	struct task_struct *parent = task;
	for (int i = 0; i < DG_SCOPE_ANCESTORS; i++) {
		parent = parent->real_parent;
		if (!parent || parent->pid <= 1)
			return NULL;
		if (dg_root_container_dev(parent))
			return parent;
	}
	return NULL;
}

/* The container key of `task` (0: a host task). A task in its container's root is
 * recognised by it and needs no entry; one found through its leader or its parents gets
 * one, so that it stays in after its root or its leader changes. */
static __always_inline __u32 dg_scope_of(struct task_struct *task)
{
	struct dg_task_scope *scope = dg_scope_entry(task, 0);
	if (scope && scope->container_dev)
		return scope->container_dev;
	__u32 dev = dg_root_container_dev(task);
	if (dev)
		return dev;
	struct dg_task_scope *leader = dg_scope_entry(task->group_leader, 0);
	if (leader && leader->container_dev) {
		dg_remember_scope(task, leader->container_dev, leader->identity);
		return leader->container_dev;
	}
	if (scope || BPF_CORE_READ(task, start_time) >= dg_loaded_ns)
		return 0;
	struct task_struct *ancestor = dg_ancestor_in_container(task);
	if (!ancestor) {
		/* A host task older than the sensor: walk its parents once only. */
		dg_scope_entry(task, BPF_LOCAL_STORAGE_GET_F_CREATE);
		return 0;
	}
	dev = dg_root_container_dev(ancestor);
	dg_remember_scope(task, dev, dg_task_root_identity(ancestor));
	return dev;
}

/* The identity (upper directory inode) of the container `task` is judged as. */
static __always_inline __u64 dg_scope_identity(struct task_struct *task)
{
	struct dg_task_scope *scope = dg_scope_entry(task, 0);
	if (scope && scope->container_dev)
		return scope->identity;
	if (dg_root_container_dev(task))
		return dg_task_root_identity(task);
	struct dg_task_scope *leader = dg_scope_entry(task->group_leader, 0);
	return leader ? leader->identity : 0;
}

/* The container `task` is known to be in, without recording anything (for reports). */
static __always_inline __u32 dg_recorded_scope(struct task_struct *task)
{
	struct dg_task_scope *scope = dg_scope_entry(task, 0);
	if (scope && scope->container_dev)
		return scope->container_dev;
	return dg_root_container_dev(task);
}

/* Entry of chroot, pivot_root or setns by `task`: record its container (and its leader's,
 * for the threads that share its fs_struct) while its root still says which it is. */
static __always_inline void dg_scope_before_root_change(struct task_struct *task)
{
	__u32 dev = dg_scope_of(task);
	if (!dev)
		return;
	__u64 identity = dg_scope_identity(task);
	struct dg_task_scope *own = dg_scope_entry(task, 0);
	if (!own || !own->container_dev)
		dg_remember_scope(task, dev, identity);
	struct dg_task_scope *leader = dg_scope_entry(task->group_leader, 0);
	if (!leader || !leader->container_dev)
		dg_remember_scope(task->group_leader, dev, identity);
}

/* Fork of `child` by `parent`: see the top of this file for when the child needs its own
 * entry. */
static __always_inline void dg_scope_at_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 dev = dg_scope_of(parent);
	if (!dev)
		return;
	struct dg_task_scope *recorded = dg_scope_entry(parent, 0);
	bool parent_recorded = recorded && recorded->container_dev;
	bool parent_left_root = dg_root_container_dev(parent) != dev;
	bool shares_fs_with_another_process =
	    BPF_CORE_READ(child, fs) == BPF_CORE_READ(parent, fs) &&
	    BPF_CORE_READ(child, tgid) != BPF_CORE_READ(parent, tgid);
	if (parent_recorded || parent_left_root || shares_fs_with_another_process)
		dg_remember_scope(child, dev, dg_scope_identity(parent));
}

/* The container whose rules judge `task` now, or 0 (a host task, or outside the test scope). */
static __always_inline __u32 dg_container_of(struct task_struct *task)
{
	__u32 dev = dg_scope_of(task);
	if (dg_only_container_dev != 0 && dev != dg_only_container_dev)
		return 0;
	return dev;
}

/* The container of the current task, looked up only once a call's arguments show that it
 * may matter: a host task's calls cost no scope lookup. */
static __always_inline __u32 dg_current_container(void)
{
	return dg_container_of(bpf_get_current_task_btf());
}

#endif /* DRIFTGUARD_SCOPE_BPF_H */
