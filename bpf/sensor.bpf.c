// SPDX-License-Identifier: GPL-2.0
/* driftguard kernel sensor: judges, in the kernel, every exec and every executable file
 * mapping of every process in a container (scope.bpf.h: recognised by its root, kept for
 * life), and stops drift before it runs in containers under enforce (verdict.bpf.h).
 *
 * Three backends, one set of judgements; the agent loads one (src/kernel/sensor.cpp):
 *
 * Every backend:
 *   tp_btf/sched_process_fork  dg_fork       the child (thread or process) inherits its
 *                                            parent's container (scope.bpf.h)
 *   tp_btf/sched_process_exec  dg_exec       kill: the new program image (bprm->file), the
 *                                            ELF interpreter the kernel mapped for it, and
 *                                            the scripts of a "#!" chain (scripts.bpf.h);
 *                                            all: who wrote what the exec runs (provenance)
 *
 * kill (tracepoint-style: loads where BPF-LSM and trampolines do not; SIGKILL):
 *   tp_btf/sys_enter           dg_sys_enter  64-bit and 32-bit (int 0x80, ia32) calls:
 *                                            chroot/pivot_root/setns, unshare/clone of a
 *                                            mount namespace: record the task's container
 *                                            before its root can change;
 *                                            truncate by path (copy_up.bpf.h);
 *                                            execve argc; open paths of processes with
 *                                            pending scripts; mmap/mmap2 and (pkey_)mprotect
 *                                            adding PROT_EXEC (mappings.bpf.h);
 *                                            process_vm_writev and ptrace POKE
 *                                            (memory_writes.bpf.h); connect (64-bit,
 *                                            for provenance only)
 *   tp_btf/sys_exit            dg_sys_exit   open*: a pending script, before the interpreter
 *                                            reads it; write-opens of /proc/<pid>/mem;
 *                                            who opened a file for writing; write-opens
 *                                            of copied-up image files, by any process
 *   tp_btf/io_uring_submit_req dg_uring_sub  io_uring opens the sensor could not see
 *     (io_uring_submit_sqe on 6.1: dg_uring_sub61)
 *   tp_btf/io_uring_complete   dg_uring_done io_uring opens of /proc/<pid>/mem
 *
 * lsm and fmod_ret (security_hooks.bpf.h; -EPERM, nothing on other system calls):
 *   lsm/bprm_check_security, mmap_file, file_mprotect, file_open   the verdicts (lsm), or
 *   fmod_ret/security_bprm_check, _mmap_file, _file_mprotect, _file_open   (fmod_ret)
 *   fentry/__x64_sys_process_vm_writev, __x64_sys_ptrace and their ia32 forms: killed,
 *     as by the kill backend (no hook can deny them)
 *   fentry/security_path_chroot, security_sb_pivotroot, __x64_sys_setns (and ia32),
 *     ksys_unshare, security_task_alloc   the container, before a root can change
 *   fentry/do_truncate, security_socket_connect   copy-ups and provenance, as above
 *
 * A SIGKILL sent from a tracepoint is delivered when the task returns to user mode, so a
 * mapping may be made but not one instruction from it runs.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "driftguard/abi.h"
#include "kernel_defs.bpf.h"
#include "maps.bpf.h"
#include "scope.bpf.h"
#include "classify.bpf.h"
#include "verdict.bpf.h"
#include "provenance.bpf.h"
#include "scripts.bpf.h"
#include "mappings.bpf.h"
#include "memory_writes.bpf.h"
#include "write_opens.bpf.h"
#include "security_hooks.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* ---- fork and exec ---------------------------------------------------------------- */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(dg_fork, struct task_struct *parent, struct task_struct *child)
{
	dg_scope_at_fork(parent, child);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(dg_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 container_dev = dg_container_of(task);
	if (!container_dev)
		return 0;
	dg_count(DG_COUNTER_EXECS);
	dg_writer_execs(bpf_get_current_pid_tgid() >> 32);
	if (dg_deny_verdicts)
		return 0; /* judged by the security hooks, which could still deny it */

	const char *filename = BPF_CORE_READ(bprm, filename);
	struct file *file = BPF_CORE_READ(bprm, file);
	struct dg_event *event = dg_new_event(DG_HOOK_EXEC, container_dev);
	if (!event || !file)
		return 0;
	bpf_probe_read_kernel_str(event->path, sizeof(event->path), filename);
	__u16 kind = dg_classify_file(file, container_dev, event);
	if (kind != DG_KIND_NONE) {
		dg_judge(event, kind); /* one event per exec, whatever else it maps */
		return 0;
	}
	if (dg_judge_entry_mapping(task, container_dev))
		return 0;
	/* binfmt_script (and binfmt_misc) point bprm->interp at the interpreter; otherwise it
	 * is the same pointer as bprm->filename. */
	if (BPF_CORE_READ(bprm, interp) != filename)
		dg_track_scripts(task, bprm, container_dev);
	return 0;
}

/* ---- system call dispatch ---------------------------------------------------------- */

/* System call numbers judged: x86_64, and ia32 (int 0x80 / sysenter, also from 64-bit
 * processes: the tracepoints report them with ia32 numbers and TS_COMPAT set). x32 calls
 * carry __X32_SYSCALL_BIT and otherwise x86_64 numbers (except execve/execveat). */
#define DG_NR_OPEN		2
#define DG_NR_MMAP		9
#define DG_NR_MPROTECT		10
#define DG_NR_CONNECT		42
#define DG_NR_EXECVE		59
#define DG_NR_CLONE		56
#define DG_NR_TRUNCATE		76
#define DG_NR_UNSHARE		272
#define DG_NR_CLONE3		435
#define DG_CLONE_NEWNS		0x00020000
#define DG_NR_PTRACE		101
#define DG_NR_PIVOT_ROOT	155
#define DG_NR_CHROOT		161
#define DG_NR_SETNS		308
#define DG_NR_OPENAT		257
#define DG_NR_PROCESS_VM_WRITEV 311
#define DG_NR_EXECVEAT		322
#define DG_NR_PKEY_MPROTECT	329
#define DG_NR_OPENAT2		437 /* the same number for ia32 */
#define DG_NR_X32_EXECVE	520
#define DG_NR_X32_EXECVEAT	545
#define DG_X32_SYSCALL_BIT	0x40000000

#define DG_NR32_OPEN		  5
#define DG_NR32_EXECVE		  11
#define DG_NR32_PTRACE		  26
#define DG_NR32_TRUNCATE	  92
#define DG_NR32_CLONE		  120
#define DG_NR32_UNSHARE		  310
#define DG_NR32_TRUNCATE64	  193
#define DG_NR32_CHROOT		  61
#define DG_NR32_PIVOT_ROOT	  217
#define DG_NR32_SETNS		  346
#define DG_NR32_OLD_MMAP	  90
#define DG_NR32_MPROTECT	  125
#define DG_NR32_MMAP2		  192
#define DG_NR32_OPENAT		  295
#define DG_NR32_PROCESS_VM_WRITEV 348
#define DG_NR32_EXECVEAT	  358
#define DG_NR32_PKEY_MPROTECT	  380

/* `task` is a BTF pointer: a plain (JIT-inlined) load, no helper call, on this hot path. */
static __always_inline bool dg_is_compat_syscall(struct task_struct *task)
{
	return task->thread_info.status & DG_TS_COMPAT;
}

/* An open's entry: opens that may write are flagged for the exit (only they can reach
 * /proc/<pid>/mem), and a process with pending scripts hashes the path. */
static __always_inline int dg_open_enter(const char *user_path, unsigned long access_mode)
{
	if (access_mode != O_RDONLY) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		__u8 yes = 1;
		bpf_map_update_elem(&dg_write_opens, &tid, &yes, BPF_ANY);
	}
	dg_script_open_enter(user_path);
	return 0;
}

/* ia32's old mmap takes its arguments in a struct in user memory. */
struct dg_mmap_arg_struct32 {
	__u32 addr, len, prot, flags, fd, offset;
};

static __always_inline int dg_compat_enter(struct pt_regs *regs, long id)
{
	/* ia32 arguments: bx, cx, dx, si, di, bp (32-bit values). */
	unsigned long arg1 = regs->bx & 0xffffffff, arg2 = regs->cx & 0xffffffff,
		      arg3 = regs->dx & 0xffffffff;
	__u32 container_dev;
	switch (id) {
	case DG_NR32_OPEN:
		return dg_open_enter((const char *)arg1, arg2 & O_ACCMODE);
	case DG_NR32_OPENAT:
		return dg_open_enter((const char *)arg2, arg3 & O_ACCMODE);
	case DG_NR_OPENAT2:
		return dg_open_enter((const char *)arg2, O_RDWR);
	case DG_NR32_EXECVE:
	case DG_NR32_EXECVEAT:
		if (dg_current_container())
			dg_note_exec_argc((const void *)(id == DG_NR32_EXECVE ? arg2 : arg3), 4);
		return 0;
	case DG_NR32_MMAP2:
		arg3 = dg_effective_prot(arg3);
		if (dg_mmap_matters(arg3, regs->si) && (container_dev = dg_current_container()))
			dg_judge_mmap(container_dev, arg3, regs->si, (int)regs->di);
		return 0;
	case DG_NR32_OLD_MMAP: {
		struct dg_mmap_arg_struct32 args = {};
		if (bpf_probe_read_user(&args, sizeof(args), (void *)arg1) != 0)
			return 0;
		args.prot = dg_effective_prot(args.prot);
		if (dg_mmap_matters(args.prot, args.flags) &&
		    (container_dev = dg_current_container()))
			dg_judge_mmap(container_dev, args.prot, args.flags, (int)args.fd);
		return 0;
	}
	case DG_NR32_MPROTECT:
	case DG_NR32_PKEY_MPROTECT:
		arg3 = dg_effective_prot(arg3);
		if ((arg3 & PROT_EXEC) && (container_dev = dg_current_container()))
			dg_judge_mprotect(container_dev, arg1, arg2, arg3);
		return 0;
	case DG_NR32_PROCESS_VM_WRITEV:
		if ((container_dev = dg_current_container()))
			dg_judge_memory_write(container_dev);
		return 0;
	case DG_NR32_PTRACE:
		if (dg_is_ptrace_poke((int)arg1) && (container_dev = dg_current_container()))
			dg_judge_memory_write(container_dev);
		return 0;
	case DG_NR32_CHROOT:
	case DG_NR32_PIVOT_ROOT:
	case DG_NR32_SETNS:
		dg_scope_before_root_change(bpf_get_current_task_btf());
		return 0;
	case DG_NR32_TRUNCATE:
	case DG_NR32_TRUNCATE64:
		if ((container_dev = dg_current_container()))
			dg_distrust_copy_ups(container_dev);
		return 0;
	case DG_NR32_CLONE:
	case DG_NR32_UNSHARE:
		if (arg1 & DG_CLONE_NEWNS)
			dg_scope_before_root_change(bpf_get_current_task_btf());
		return 0;
	}
	return 0;
}

static __always_inline int dg_native_enter(struct pt_regs *regs, long id)
{
	/* pt_regs is a BTF pointer here: plain loads, no probe reads. */
	__u32 container_dev;
	switch (id) {
	case DG_NR_OPENAT:
		return dg_open_enter((const char *)regs->si, regs->dx & O_ACCMODE);
	case DG_NR_OPENAT2:
		return dg_open_enter((const char *)regs->si, O_RDWR); /* flags are in user memory */
	case DG_NR_OPEN:
		return dg_open_enter((const char *)regs->di, regs->si & O_ACCMODE);
	case DG_NR_EXECVE:
	case DG_NR_X32_EXECVE:
		if (dg_current_container())
			dg_note_exec_argc((const void *)regs->si, id == DG_NR_EXECVE ? 8 : 4);
		return 0;
	case DG_NR_EXECVEAT:
	case DG_NR_X32_EXECVEAT:
		if (dg_current_container())
			dg_note_exec_argc((const void *)regs->dx, id == DG_NR_EXECVEAT ? 8 : 4);
		return 0;
	case DG_NR_MMAP: {
		unsigned long prot = dg_effective_prot(regs->dx);
		if (dg_mmap_matters(prot, regs->r10) && (container_dev = dg_current_container()))
			dg_judge_mmap(container_dev, prot, regs->r10, (int)regs->r8);
		return 0;
	}
	case DG_NR_MPROTECT:
	case DG_NR_PKEY_MPROTECT: {
		unsigned long prot = dg_effective_prot(regs->dx);
		if ((prot & PROT_EXEC) && (container_dev = dg_current_container()))
			dg_judge_mprotect(container_dev, regs->di, regs->si, prot);
		return 0;
	}
	case DG_NR_CONNECT:
		if (dg_current_container())
			dg_record_connect((int)regs->di, (const void *)regs->si);
		return 0;
	case DG_NR_PROCESS_VM_WRITEV:
		if ((container_dev = dg_current_container()))
			dg_judge_memory_write(container_dev);
		return 0;
	case DG_NR_PTRACE:
		if (dg_is_ptrace_poke(regs->di) && (container_dev = dg_current_container()))
			dg_judge_memory_write(container_dev);
		return 0;
	case DG_NR_CHROOT:
	case DG_NR_PIVOT_ROOT:
	case DG_NR_SETNS:
		dg_scope_before_root_change(bpf_get_current_task_btf());
		return 0;
	case DG_NR_TRUNCATE:
		if ((container_dev = dg_current_container()))
			dg_distrust_copy_ups(container_dev);
		return 0;
	case DG_NR_CLONE:
	case DG_NR_UNSHARE:
		/* A new mount namespace: a pivot_root in it may move its processes' root. */
		if (regs->di & DG_CLONE_NEWNS)
			dg_scope_before_root_change(bpf_get_current_task_btf());
		return 0;
	case DG_NR_CLONE3: {
		__u64 flags = 0; /* struct clone_args starts with the flags */
		if (bpf_probe_read_user(&flags, sizeof(flags), (void *)regs->di) == 0 &&
		    (flags & DG_CLONE_NEWNS))
			dg_scope_before_root_change(bpf_get_current_task_btf());
		return 0;
	}
	}
	return 0;
}

static __always_inline bool dg_native_judged(long id)
{
	switch (id) {
	case DG_NR_OPEN:
	case DG_NR_MMAP:
	case DG_NR_MPROTECT:
	case DG_NR_CONNECT:
	case DG_NR_EXECVE:
	case DG_NR_PTRACE:
	case DG_NR_OPENAT:
	case DG_NR_PROCESS_VM_WRITEV:
	case DG_NR_EXECVEAT:
	case DG_NR_PKEY_MPROTECT:
	case DG_NR_OPENAT2:
	case DG_NR_X32_EXECVE:
	case DG_NR_X32_EXECVEAT:
	case DG_NR_CHROOT:
	case DG_NR_PIVOT_ROOT:
	case DG_NR_SETNS:
	case DG_NR_TRUNCATE:
	case DG_NR_CLONE:
	case DG_NR_UNSHARE:
	case DG_NR_CLONE3:
		return true;
	}
	return false;
}

static __always_inline bool dg_compat_judged(long id)
{
	switch (id) {
	case DG_NR32_OPEN:
	case DG_NR32_EXECVE:
	case DG_NR32_PTRACE:
	case DG_NR32_OLD_MMAP:
	case DG_NR32_MPROTECT:
	case DG_NR32_MMAP2:
	case DG_NR32_OPENAT:
	case DG_NR32_PROCESS_VM_WRITEV:
	case DG_NR32_EXECVEAT:
	case DG_NR32_PKEY_MPROTECT:
	case DG_NR_OPENAT2:
	case DG_NR32_CHROOT:
	case DG_NR32_PIVOT_ROOT:
	case DG_NR32_SETNS:
	case DG_NR32_TRUNCATE:
	case DG_NR32_TRUNCATE64:
	case DG_NR32_CLONE:
	case DG_NR32_UNSHARE:
		return true;
	}
	return false;
}

/* One raw tracepoint for every system call instead of one perf trace event per call:
 * calls the sensor does not judge return after the number test (and, for numbers that
 * mean something else in ia32, one load of the task's TS_COMPAT), and the judged ones skip
 * the trace-event record that per-syscall tracepoints build before running BPF. */
SEC("tp_btf/sys_enter")
int BPF_PROG(dg_sys_enter, struct pt_regs *regs, long id)
{
	id &= ~DG_X32_SYSCALL_BIT;
	if (!dg_native_judged(id) && !dg_compat_judged(id))
		return 0;
	if (dg_is_compat_syscall(bpf_get_current_task_btf()))
		return dg_compat_judged(id) ? dg_compat_enter(regs, id) : 0;
	return dg_native_judged(id) ? dg_native_enter(regs, id) : 0;
}

/* An open's exit with descriptor `fd`. */
static __always_inline int dg_open_exit(long fd)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bool may_write = bpf_map_lookup_elem(&dg_write_opens, &tid) != NULL;
	if (may_write)
		bpf_map_delete_elem(&dg_write_opens, &tid);
	if (fd < 0)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	if (!may_write && !dg_pending_of(task))
		return 0;
	struct file *file = dg_task_fd_file(task, fd);
	if (!file)
		return 0;
	bool opened_for_writing = may_write && (BPF_CORE_READ(file, f_mode) & FMODE_WRITE);
	__u32 container_dev = dg_container_of(task);
	if (opened_for_writing)
		dg_opened_for_writing(BPF_CORE_READ(file, f_inode), task, container_dev);
	if (!container_dev)
		return 0;
	if (dg_script_open_exit(file, container_dev))
		return 0;
	if (may_write)
		dg_judge_proc_mem_open(file, container_dev, DG_HOOK_PROC_MEM);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(dg_sys_exit, struct pt_regs *regs, long ret)
{
	long id = regs->orig_ax & ~DG_X32_SYSCALL_BIT;
	if (id != DG_NR_OPEN && id != DG_NR_OPENAT && id != DG_NR_OPENAT2 && id != DG_NR32_OPEN &&
	    id != DG_NR32_OPENAT)
		return 0;
	/* ia32's open (5) and openat (295) are x86_64's fstat and preadv. */
	bool compat = dg_is_compat_syscall(bpf_get_current_task_btf());
	bool open = compat ? id == DG_NR32_OPEN || id == DG_NR32_OPENAT || id == DG_NR_OPENAT2
			   : id == DG_NR_OPEN || id == DG_NR_OPENAT || id == DG_NR_OPENAT2;
	if (!open)
		return 0;
	return dg_open_exit(ret);
}

/* ---- io_uring ------------------------------------------------------------------------ */

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(dg_uring_sub, struct io_kiocb *req)
{
	dg_uring_submitted(req);
	return 0;
}

/* 6.1 .. 6.3 name the same tracepoint io_uring_submit_sqe(req, force_nonblock). */
SEC("tp_btf/io_uring_submit_sqe")
int BPF_PROG(dg_uring_sub61, struct io_kiocb *req)
{
	dg_uring_submitted(req);
	return 0;
}

/* Only the first two arguments (ctx, req) are read: the rest changed in 6.4. */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(dg_uring_done, void *ring, void *req)
{
	dg_uring_completed(req);
	return 0;
}

/* ---- security hooks: the lsm and fmod_ret backends (security_hooks.bpf.h) ------------- */

/* Each verdict twice: a BPF-LSM program, and fmod_ret on the security_* function for
 * kernels without "bpf" in their LSM list. `ret` is what the hook returns so far: a
 * denial by another LSM stands. */

SEC("lsm/bprm_check_security")
int BPF_PROG(dg_lsm_exec, struct linux_binprm *bprm, int ret)
{
	return ret ? ret : dg_errno_if(dg_check_exec(bprm));
}

SEC("fmod_ret/security_bprm_check")
int BPF_PROG(dg_fmod_exec, struct linux_binprm *bprm, int ret)
{
	return ret ? ret : dg_errno_if(dg_check_exec(bprm));
}

/* The hook gets the protection READ_IMPLIES_EXEC gives; security_mmap_file the one asked
 * for (dg_check_mmap adds it). */
SEC("lsm/mmap_file")
int BPF_PROG(dg_lsm_mmap, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	return ret ? ret : dg_errno_if(dg_check_mmap(file, prot, flags));
}

SEC("fmod_ret/security_mmap_file")
int BPF_PROG(dg_fmod_mmap, struct file *file, unsigned long prot, unsigned long flags, int ret)
{
	return ret ? ret : dg_errno_if(dg_check_mmap(file, prot, flags));
}

SEC("lsm/file_mprotect")
int BPF_PROG(dg_lsm_mprotect, struct vm_area_struct *vma, unsigned long reqprot, unsigned long prot,
	     int ret)
{
	return ret ? ret : dg_errno_if(dg_check_mprotect(vma, prot));
}

SEC("fmod_ret/security_file_mprotect")
int BPF_PROG(dg_fmod_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	return ret ? ret : dg_errno_if(dg_check_mprotect(vma, prot));
}

SEC("lsm/file_open")
int BPF_PROG(dg_lsm_open, struct file *file, int ret)
{
	return ret ? ret : dg_errno_if(dg_check_open(file));
}

SEC("fmod_ret/security_file_open")
int BPF_PROG(dg_fmod_open, struct file *file, int ret)
{
	return ret ? ret : dg_errno_if(dg_check_open(file));
}

/* Writes into another process's memory have no security hook of their own (the ptrace
 * access check is the same for reads), and the kernel lets fmod_ret change the return
 * value of security_* functions and of those on its error-injection list only (system
 * calls are not on Debian's). So these are killed, as by the kill backend, from an fentry
 * on the system call: the write's page walk stops once SIGKILL is pending. */
SEC("fentry/__x64_sys_process_vm_writev")
int BPF_PROG(dg_see_vm_writev, struct pt_regs *regs)
{
	dg_check_memory_write(true);
	return 0;
}

SEC("fentry/__ia32_compat_sys_process_vm_writev")
int BPF_PROG(dg_see_vm_writev32, struct pt_regs *regs)
{
	dg_check_memory_write(true);
	return 0;
}

SEC("fentry/__x64_sys_ptrace")
int BPF_PROG(dg_see_ptrace, struct pt_regs *regs)
{
	dg_check_memory_write(dg_is_ptrace_poke(BPF_CORE_READ(regs, di)));
	return 0;
}

SEC("fentry/__ia32_compat_sys_ptrace")
int BPF_PROG(dg_see_ptrace32, struct pt_regs *regs)
{
	dg_check_memory_write(dg_is_ptrace_poke(BPF_CORE_READ(regs, bx) & 0xffffffff));
	return 0;
}

/* Observations (fentry): what the kill backend's sys_enter learns from these calls. */

SEC("fentry/security_path_chroot")
int BPF_PROG(dg_see_chroot, const struct path *path)
{
	dg_scope_before_root_change(bpf_get_current_task_btf());
	return 0;
}

SEC("fentry/security_sb_pivotroot")
int BPF_PROG(dg_see_pivot_root, const struct path *old_path, const struct path *new_path)
{
	dg_scope_before_root_change(bpf_get_current_task_btf());
	return 0;
}

SEC("fentry/__x64_sys_setns")
int BPF_PROG(dg_see_setns, struct pt_regs *regs)
{
	dg_scope_before_root_change(bpf_get_current_task_btf());
	return 0;
}

SEC("fentry/__ia32_sys_setns")
int BPF_PROG(dg_see_setns32, struct pt_regs *regs)
{
	dg_scope_before_root_change(bpf_get_current_task_btf());
	return 0;
}

/* unshare(2) of both ABIs; clone of a new mount namespace below. */
SEC("fentry/ksys_unshare")
int BPF_PROG(dg_see_unshare, unsigned long flags)
{
	if (flags & DG_CLONE_NEWNS)
		dg_scope_before_root_change(bpf_get_current_task_btf());
	return 0;
}

/* Every clone, fork and clone3, in the parent, before the child exists. */
SEC("fentry/security_task_alloc")
int BPF_PROG(dg_see_task_alloc, struct task_struct *child, unsigned long clone_flags)
{
	if (clone_flags & DG_CLONE_NEWNS)
		dg_scope_before_root_change(bpf_get_current_task_btf());
	return 0;
}

/* do_truncate(idmap, dentry, length, attributes, filp): filp is NULL for truncate by
 * path; an ftruncate's descriptor was opened for writing and accounted then. */
SEC("fentry/do_truncate")
int BPF_PROG(dg_see_truncate, void *idmap, struct dentry *dentry, loff_t length,
	     unsigned int attributes, struct file *filp)
{
	__u32 container_dev;
	if (!filp && (container_dev = dg_current_container()))
		dg_distrust_copy_ups(container_dev);
	return 0;
}

SEC("fentry/security_socket_connect")
int BPF_PROG(dg_see_connect, struct socket *sock, struct sockaddr *address, int addrlen)
{
	if (!dg_current_container())
		return 0;
	struct dg_connection *entry = dg_remember_connection(address, false);
	if (entry)
		entry->type = BPF_CORE_READ(sock, type);
	return 0;
}
