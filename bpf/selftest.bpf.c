// SPDX-License-Identifier: GPL-2.0
/* Build-pipeline self-test: proves that the vendored vmlinux.h, clang -target bpf,
 * bpftool's skeleton and the libbpf loader work together on this kernel.
 *
 * Hooks:
 *   tp_btf/sched_process_exec  dg_selftest_exec  reports execs of the one tgid the
 *                                                loader names in target_tgid, and nobody else's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "driftguard/abi.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load; 0 matches no task. */
const volatile __u32 target_tgid = 0;

/* Ring buffer of struct dg_selftest_event; when full, the event is dropped and counted. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} selftest_events SEC(".maps");

__u64 dropped_events = 0;

SEC("tp_btf/sched_process_exec")
int BPF_PROG(dg_selftest_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (target_tgid == 0 || tgid != target_tgid)
		return 0;

	struct dg_selftest_event *event = bpf_ringbuf_reserve(&selftest_events, sizeof(*event), 0);
	if (!event) {
		__sync_fetch_and_add(&dropped_events, 1);
		return 0;
	}
	event->pid = tgid;
	event->abi = DG_ABI_VERSION;
	event->ktime_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	bpf_ringbuf_submit(event, 0);
	return 0;
}
