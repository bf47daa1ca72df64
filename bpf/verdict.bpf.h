/* Turns a drift classification into the container's verdict, in the kernel.
 *
 * The verdict never waits for userspace: the kill (bpf_send_signal(SIGKILL), delivered
 * before the task next returns to user mode, so before one instruction of the drifted
 * code runs) happens whether or not the event reaches the ring buffer.
 */
#ifndef DRIFTGUARD_VERDICT_BPF_H
#define DRIFTGUARD_VERDICT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "driftguard/abi.h"
#include "maps.bpf.h"

#define SIGKILL 9

/* Mode for containers without an entry in dg_container_modes. Runtime-writable. */
volatile __u32 dg_default_mode = DG_MODE_ENFORCE;

static __always_inline __u32 dg_mode_of(__u32 container_dev)
{
	__u32 *mode = bpf_map_lookup_elem(&dg_container_modes, &container_dev);
	return mode ? *mode : dg_default_mode;
}

/* A zeroed event in per-CPU scratch space, with the task fields filled. */
static __always_inline struct dg_event *dg_new_event(struct task_struct *task, __u16 hook,
						     __u32 container_dev)
{
	__u32 zero = 0;
	struct dg_event *event = bpf_map_lookup_elem(&dg_scratch, &zero);
	if (!event)
		return NULL;
	__builtin_memset(event, 0, sizeof(*event));
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	event->abi = DG_ABI_VERSION;
	event->hook = hook;
	event->pid = (__u32)pid_tgid;
	event->tgid = pid_tgid >> 32;
	event->uid = (__u32)uid_gid;
	event->gid = uid_gid >> 32;
	event->ppid = BPF_CORE_READ(task, real_parent, tgid);
	event->container_dev = container_dev;
	event->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	event->ktime_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	return event;
}

/* Applies the container's mode to drift of `kind` described by `event`. */
static __always_inline void dg_judge(struct dg_event *event, __u16 kind)
{
	__u32 mode = dg_mode_of(event->container_dev);
	if (kind == DG_KIND_NONE || mode == DG_MODE_OFF)
		return;
	event->kind = kind;
	event->mode = mode;
	if (mode == DG_MODE_ENFORCE) {
		event->verdict = DG_VERDICT_KILL;
		bpf_send_signal(SIGKILL);
		dg_count(DG_COUNTER_KILLS);
	} else {
		event->verdict = DG_VERDICT_AUDIT;
		dg_count(DG_COUNTER_AUDITS);
	}
	if (bpf_ringbuf_output(&dg_events, event, sizeof(*event), 0) != 0)
		dg_count(DG_COUNTER_EVENTS_DROPPED);
}

#endif /* DRIFTGUARD_VERDICT_BPF_H */
