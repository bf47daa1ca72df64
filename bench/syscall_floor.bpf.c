// SPDX-License-Identifier: GPL-2.0
/* The least any tracepoint-based backend can cost: empty programs on the raw system-call
 * tracepoints driftguard's kill backend uses. Attached (by bench/syscall_floor.cpp) they
 * make every system call of every task take the kernel's traced slow path and run one
 * (or two) BPF programs that return at once: the floor under dg_sys_enter/dg_sys_exit.
 *
 * Hooks:
 *   tp_btf/sys_enter  floor_enter  returns 0
 *   tp_btf/sys_exit   floor_exit   returns 0
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_enter, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_exit, struct pt_regs *regs, long ret)
{
	return 0;
}
