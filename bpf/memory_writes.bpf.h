/* Writes into a process's memory that bypass exec and mmap: write-opens of /proc/<pid>/mem
 * (DDexec), process_vm_writev, ptrace POKE requests, and the same opens made through
 * io_uring, which never pass the system-call tracepoints.
 *
 * Kernel behaviour relied on: a SIGKILL sent here is pending before the kernel goes on; the
 * page walk that writes another process's memory (get_user_pages_remote) stops with EINTR
 * when the caller has a fatal signal pending, so io_uring requests linked after the open
 * cannot write either. io_uring requests run in the submitting task, its io-wq workers or
 * its SQPOLL thread: all threads of the submitting process, sharing its file table.
 */
#ifndef DRIFTGUARD_MEMORY_WRITES_BPF_H
#define DRIFTGUARD_MEMORY_WRITES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "driftguard/abi.h"
#include "kernel_defs.bpf.h"
#include "task_readers.bpf.h"
#include "maps.bpf.h"
#include "scope.bpf.h"
#include "classify.bpf.h"
#include "verdict.bpf.h"

static __always_inline bool dg_is_proc_mem_write(struct file *file)
{
	if (!(BPF_CORE_READ(file, f_mode) & FMODE_WRITE))
		return false;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (BPF_CORE_READ(inode, i_sb, s_magic) != PROC_SUPER_MAGIC)
		return false;
	char name[4] = {};
	const unsigned char *dname = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	bpf_probe_read_kernel_str(name, sizeof(name), dname);
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 0;
}

/* A file a task of `container_dev` just opened, by a system call or io_uring. */
static __always_inline bool dg_judge_proc_mem_open(struct file *file, __u32 container_dev,
						   __u16 hook)
{
	if (!dg_is_proc_mem_write(file))
		return false;
	struct dg_event *event = dg_new_event(hook, container_dev);
	if (!event)
		return false;
	dg_classify_file(file, container_dev, event); /* fills the file fields */
	return dg_judge(event, DG_KIND_PROC_MEM);
}

/* process_vm_writev, or a ptrace request that writes the tracee's memory or registers. */
static __always_inline void dg_judge_memory_write(__u32 container_dev)
{
	dg_judge_fileless(DG_HOOK_MEM_WRITE, DG_KIND_PROC_MEM, container_dev, 0);
}

static __always_inline bool dg_is_ptrace_poke(long request)
{
	return request == PTRACE_POKETEXT || request == PTRACE_POKEDATA ||
	       request == PTRACE_POKEUSR;
}

/* ---- io_uring ---------------------------------------------------------------------- */

static __always_inline bool dg_is_uring_open(struct io_kiocb *req)
{
	__u8 opcode = BPF_CORE_READ(req, opcode);
	return opcode == DG_IORING_OP_OPENAT || opcode == DG_IORING_OP_OPENAT2;
}

/* At submission: a write-open whose result the sensor would not see (into a fixed-file
 * slot, or with its completion suppressed) fails closed. */
static __always_inline void dg_uring_submitted(struct io_kiocb *req)
{
	if (!dg_is_uring_open(req))
		return;
	__u32 container_dev = dg_container_of(bpf_get_current_task_btf());
	if (!container_dev)
		return;
	struct io_open *open = (void *)req; /* the request's command data, after prep */
	__u64 flags = BPF_CORE_READ(open, how.flags);
	if ((flags & O_ACCMODE) == 0)
		return;
	__u32 slot = BPF_CORE_READ(open, file_slot);
	__u64 req_flags = BPF_CORE_READ(req, flags);
	if (slot != 0 || (req_flags & DG_REQ_F_CQE_SKIP))
		dg_judge_fileless(DG_HOOK_URING, DG_KIND_UNCHECKED, container_dev, 0);
}

/* At completion: the descriptor the open produced, judged like a system call's. */
static __always_inline void dg_uring_completed(struct io_kiocb *req)
{
	if (!dg_is_uring_open(req))
		return;
	struct task_struct *task = bpf_get_current_task_btf();
	int fd = BPF_CORE_READ(req, cqe.res);
	struct io_open *open = (void *)req;
	if (fd < 0 || BPF_CORE_READ(open, file_slot) != 0)
		return;
	struct file *file = dg_task_fd_file(task, fd);
	if (!file)
		return;
	bool opened_for_writing = BPF_CORE_READ(file, f_mode) & FMODE_WRITE;
	__u32 container_dev = dg_container_of(task);
	if (opened_for_writing) {
		struct inode *inode = BPF_CORE_READ(file, f_inode);
		dg_note_write_open(inode);
		dg_note_writer(inode, task, container_dev);
	}
	if (!container_dev)
		return;
	if (opened_for_writing)
		dg_revoke_allowed(file, container_dev);
	dg_judge_proc_mem_open(file, container_dev, DG_HOOK_URING);
}

#endif /* DRIFTGUARD_MEMORY_WRITES_BPF_H */
