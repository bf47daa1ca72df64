// SPDX-License-Identifier: GPL-2.0
/* The least any tracepoint-based backend can cost: empty programs on the raw system-call
 * tracepoints driftguard's kill backend uses. Attached (by bench/syscall_floor.cpp) they
 * make every system call of every task take the kernel's traced slow path and run one
 * (or two) BPF programs that return at once: the floor under dg_sys_enter/dg_sys_exit.
 *
 * The alternative the kill backend could take: per-system-call trace events for only the
 * calls it judges. The kernel still marks every task for the traced path while any of
 * them is enabled, and runs its per-call dispatch for each call.
 *
 * Hooks:
 *   tp_btf/sys_enter  floor_enter  returns 0
 *   tp_btf/sys_exit   floor_exit   returns 0
 *   tracepoint/syscalls/sys_enter_{openat,mmap,mprotect,execve}, sys_exit_openat
 *                     floor_events_*  return 0
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

SEC("tracepoint/syscalls/sys_enter_openat")
int floor_events_openat(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int floor_events_openat_exit(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mmap")
int floor_events_mmap(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mprotect")
int floor_events_mprotect(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int floor_events_execve(void *ctx)
{
	return 0;
}
