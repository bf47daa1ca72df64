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

#define DG_ABI_VERSION 1

/* Event emitted by the build-pipeline self-test program (bpf/selftest.bpf.c). */
struct dg_selftest_event {
	__u32 pid;	/* tgid of the task that called execve */
	__u32 abi;	/* DG_ABI_VERSION the program was built with */
	__u64 ktime_ns; /* bpf_ktime_get_ns() at the exec */
	char comm[16];	/* task comm after the exec */
};

#endif /* DRIFTGUARD_ABI_H */
