/* Turns a drift classification into the container's verdict, in the kernel.
 *
 * The verdict never waits for userspace: the kill (bpf_send_signal(SIGKILL), delivered
 * before the task next returns to user mode, so before one instruction of the drifted
 * code runs) or the denial (the security hook returns -EPERM, so the exec, mapping or open
 * never happens) is decided whether or not the event reaches the ring buffer.
 */
#ifndef DRIFTGUARD_VERDICT_BPF_H
#define DRIFTGUARD_VERDICT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "driftguard/abi.h"
#include "maps.bpf.h"
#include "scope.bpf.h"
#include "provenance.bpf.h"

#define SIGKILL 9
#define EPERM	1

/* Set by the agent before load: drift is denied by the security hook that judged it (the
 * lsm and fmod_ret backends, security_hooks.bpf.h) instead of killed, where one can. */
const volatile bool dg_deny_verdicts = false;

/* Mode and flags for containers without an entry in dg_container_modes. Runtime-writable. */
volatile __u32 dg_default_mode = DG_MODE_ENFORCE;
volatile __u32 dg_default_flags = 0;
/* Mode for a container without an entry whose first process a host build program started
 * (an image build step the agent has not decided on yet). Runtime-writable. */
volatile __u32 dg_build_default_mode = DG_MODE_OFF;

/* True when the task's exe is one of dg_builder_programs. */
static __always_inline bool dg_runs_builder(struct task_struct *task)
{
	struct inode *exe = BPF_CORE_READ(task, mm, exe_file, f_inode);
	if (!exe)
		return false;
	struct dg_inode_key key = {
	    .ino = BPF_CORE_READ(exe, i_ino),
	    .dev = BPF_CORE_READ(exe, i_sb, s_dev),
	};
	return bpf_map_lookup_elem(&dg_builder_programs, &key) != NULL;
}

/* True when the current task's container is a step of an image build: the first process
 * of its pid namespace was started by a host build program (podman build and buildah run
 * it from their own process; BuildKit through runc, one level further up). A container
 * process cannot change who started its pid namespace's first process, and one that left
 * for a pid namespace of its own has its own first process, started by a container
 * process: not a build. Runtimes that start workloads (conmon, containerd's shim) are not
 * build programs. */
static __always_inline bool dg_is_build_step(void)
{
	struct task_struct *starter = dg_task_pidns_first();
	for (int i = 0; i < 2 && starter; i++) {
		starter = BPF_CORE_READ(starter, real_parent);
		if (starter && dg_runs_builder(starter))
			return true;
	}
	return false;
}

/* The agent's entry for the container the current task is judged as, or NULL (the
 * defaults apply). An entry written for an earlier container that had the same overlay
 * device number (they are reused) names another identity and does not apply. */
static __always_inline struct dg_container_policy *dg_policy_of(__u32 container_dev)
{
	struct dg_container_policy *policy =
	    bpf_map_lookup_elem(&dg_container_modes, &container_dev);
	if (!policy || !policy->identity)
		return policy;
	__u64 identity = dg_scope_identity(bpf_get_current_task_btf());
	return identity == policy->identity ? policy : NULL;
}

/* The container's mode; `*flags` gets DG_EVENT_BUILD_STEP when it is a build step's. */
static __always_inline __u32 dg_mode_of(__u32 container_dev, __u16 *flags)
{
	struct dg_container_policy *policy = dg_policy_of(container_dev);
	*flags = 0;
	if (policy)
		return policy->mode;
	if (dg_is_build_step()) {
		*flags = DG_EVENT_BUILD_STEP;
		return dg_build_default_mode;
	}
	return dg_default_mode;
}

static __always_inline __u32 dg_flags_of(__u32 container_dev)
{
	struct dg_container_policy *policy = dg_policy_of(container_dev);
	return policy ? policy->flags : dg_default_flags;
}

/* The per-CPU scratch event for `hook`. Not cleared: the classification sets every file
 * field it reports and dg_judge() fills the task fields, so the common no-drift path pays
 * for no memset and no task reads. */
static __always_inline struct dg_event *dg_new_event(__u16 hook, __u32 container_dev)
{
	__u32 zero = 0;
	struct dg_event *event = bpf_map_lookup_elem(&dg_scratch, &zero);
	if (!event)
		return NULL;
	event->hook = hook;
	event->container_dev = container_dev;
	event->path[0] = 0;
	event->name[0] = 0;
	event->prot = 0;
	return event;
}

/* Fills the fields that describe the current task; only drift pays for this. */
static __always_inline void dg_fill_task(struct dg_event *event)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	event->abi = DG_ABI_VERSION;
	event->pid = (__u32)pid_tgid;
	event->tgid = pid_tgid >> 32;
	event->uid = (__u32)uid_gid;
	event->gid = uid_gid >> 32;
	event->ppid = BPF_CORE_READ(task, real_parent, tgid);
	event->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	event->ktime_ns = bpf_ktime_get_ns();
	event->container_identity = dg_scope_identity(bpf_get_current_task_btf());
	event->pad1 = 0;
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	dg_fill_lineage(event);
}

/* Counts the events written while the event ring was at most half full: a container's
 * share is measured from the last such event (dg_event_admitted). */
__u64 dg_ring_epoch = 0;

/* One container cannot crowd the others out of the event ring: once the ring is more than
 * half full (the agent is behind, or stopped), each container may add at most a sixteenth
 * of the ring until it has drained below half again; past that its events are left out
 * (counted in DG_COUNTER_EVENTS_THROTTLED), so at least half the ring stays for the other
 * containers. Verdicts are never affected. */
static __always_inline bool dg_event_admitted(__u32 container_dev)
{
	if (bpf_ringbuf_query(&dg_events, BPF_RB_AVAIL_DATA) <= DG_EVENTS_BYTES / 2) {
		__sync_fetch_and_add(&dg_ring_epoch, 1);
		return true;
	}
	__u64 epoch = dg_ring_epoch;
	struct dg_event_share *share = bpf_map_lookup_elem(&dg_event_shares, &container_dev);
	if (!share || share->epoch != epoch) {
		struct dg_event_share fresh = {.epoch = epoch};
		bpf_map_update_elem(&dg_event_shares, &container_dev, &fresh, BPF_ANY);
		share = bpf_map_lookup_elem(&dg_event_shares, &container_dev);
		if (!share)
			return true;
	}
	if (share->bytes > DG_EVENTS_BYTES / 16) {
		dg_count(DG_COUNTER_EVENTS_THROTTLED);
		return false;
	}
	share->bytes += sizeof(struct dg_event);
	return true;
}

/* Applies the container's mode to drift of `kind` described by `event`. Returns 1 when the
 * task was killed or the operation is to be denied (nothing more of it needs judging). A global
 * function: the verifier checks it once, not at each of its many call sites. */
__noinline int dg_judge(struct dg_event *event, __u32 kind)
{
	if (!event)
		return 0;
	__u16 flags = 0;
	__u32 mode = dg_mode_of(event->container_dev, &flags);
	if (kind == DG_KIND_NONE || mode == DG_MODE_OFF)
		return 0;
	dg_fill_task(event);
	event->kind = kind;
	event->mode = mode;
	event->flags = flags;
	/* Memory writes into another process have no hook that can deny: killed everywhere. */
	bool deny = dg_deny_verdicts && event->hook != DG_HOOK_MEM_WRITE;
	if (mode == DG_MODE_ENFORCE) {
		event->verdict = deny ? DG_VERDICT_DENY : DG_VERDICT_KILL;
		if (!deny)
			bpf_send_signal(SIGKILL);
		dg_count(DG_COUNTER_KILLS);
	} else {
		event->verdict = DG_VERDICT_AUDIT;
		dg_count(DG_COUNTER_AUDITS);
	}
	if (dg_event_admitted(event->container_dev) &&
	    bpf_ringbuf_output(&dg_events, event, sizeof(*event), 0) != 0)
		dg_count(DG_COUNTER_EVENTS_DROPPED);
	return mode == DG_MODE_ENFORCE ? 1 : 0;
}

/* An event about code that has no file to describe (an unchecked route, executable
 * anonymous memory), file fields cleared. */
static __always_inline struct dg_event *dg_fileless_event(__u16 hook, __u32 container_dev,
							  __u32 prot)
{
	struct dg_event *event = dg_new_event(hook, container_dev);
	if (!event)
		return NULL;
	event->prot = prot;
	event->file_ino = 0;
	event->file_dev = 0;
	event->file_mode = 0;
	event->file_nlink = 0;
	event->file_size = 0;
	event->fs_magic = 0;
	event->upper_ino = 0;
	event->upper_dev = 0;
	return event;
}

static __always_inline bool dg_judge_fileless(__u16 hook, __u16 kind, __u32 container_dev,
					      __u32 prot)
{
	return dg_judge(dg_fileless_event(hook, container_dev, prot), kind);
}

#endif /* DRIFTGUARD_VERDICT_BPF_H */
