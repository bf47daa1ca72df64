/* The lsm and fmod_ret backends: the same judgements as the kill backend, made in the
 * kernel's security hooks, where a verdict is a return value. Drift in a container under
 * enforce gets -EPERM: the exec, the mapping or the open fails and the caller goes on
 * (dg_deny_verdicts, verdict.bpf.h). Nothing runs on system calls that are not an exec, a
 * mapping, an mprotect or an open (and a few rare ones: connect, chroot, setns, ...).
 *
 * Kernel behaviour relied on:
 *  - security_bprm_check runs once per binfmt round: first with bprm->file the file
 *    execve named (a "#!" script, its first bytes in bprm->buf), then with each
 *    interpreter binfmt_script opens, so every file of a "#!" chain is judged as a file.
 *  - The ELF interpreter, and the program's own segments, are mapped by load_elf_binary
 *    through vm_mmap, so security_mmap_file sees them with current->in_execve set, after
 *    begin_new_exec made bprm->file the mm's exe_file. A denial there comes after the
 *    point of no return: the exec ends with SIGSEGV, before the interpreter's first
 *    instruction.
 *  - security_file_mprotect runs for every mapping of an mprotect range, one at a time.
 *  - security_file_open runs for io_uring's opens too (they share do_filp_open).
 *  - An overlayfs open runs security_file_open twice: for the overlay file, before its
 *    copy-up, then for overlayfs's own open of the real (upper or lower) file, after it.
 *    The real file carries the overlay path in f_path (6.1) or is a backing_file whose
 *    user_path is the overlay's (6.6+). Writes are accounted at the second: only then
 *    does the upper inode exist and count this writer in i_writecount.
 */
#ifndef DRIFTGUARD_SECURITY_HOOKS_BPF_H
#define DRIFTGUARD_SECURITY_HOOKS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "driftguard/abi.h"
#include "kernel_defs.bpf.h"
#include "maps.bpf.h"
#include "scope.bpf.h"
#include "classify.bpf.h"
#include "verdict.bpf.h"
#include "mappings.bpf.h"
#include "memory_writes.bpf.h"
#include "write_opens.bpf.h"

static __always_inline int dg_errno_if(bool denied)
{
	return denied ? -EPERM : 0;
}

/* security_bprm_check: the file this round of the exec would run. */
static __always_inline bool dg_check_exec(struct linux_binprm *bprm)
{
	__u32 container_dev = dg_current_container();
	struct file *file = BPF_CORE_READ(bprm, file);
	if (!container_dev || !file)
		return false;
	char magic[2] = {};
	bpf_probe_read_kernel(magic, sizeof(magic), &bprm->buf);
	bool script = magic[0] == '#' && magic[1] == '!';
	struct dg_event *event =
	    dg_new_event(script ? DG_HOOK_SCRIPT : DG_HOOK_EXEC, container_dev);
	if (!event)
		return false;
	bpf_probe_read_kernel_str(event->path, sizeof(event->path), BPF_CORE_READ(bprm, interp));
	return dg_judge(event, dg_classify_file(file, container_dev, event));
}

/* security_mmap_file: `file` NULL for anonymous memory. */
static __always_inline bool dg_check_mmap(struct file *file, unsigned long prot,
					  unsigned long flags)
{
	prot = dg_effective_prot(prot);
	if (!dg_mmap_matters(prot, flags | (file ? 0 : MAP_ANONYMOUS)))
		return false;
	__u32 container_dev = dg_current_container();
	if (!container_dev)
		return false;
	struct task_struct *task = bpf_get_current_task_btf();
	bool in_exec = BPF_CORE_READ_BITFIELD_PROBED(task, in_execve);
	/* The program's own segments: judged at bprm_check, once (in audit it goes on). */
	if (in_exec && file &&
	    BPF_CORE_READ(file, f_inode) == BPF_CORE_READ(task, mm, exe_file, f_inode))
		return false;
	return dg_judge_mmap_file(container_dev, in_exec ? DG_HOOK_INTERP : DG_HOOK_MMAP, prot,
				  flags, file);
}

/* security_file_mprotect: one mapping of the range. */
static __always_inline bool dg_check_mprotect(struct vm_area_struct *vma, unsigned long prot)
{
	if (!(prot & PROT_EXEC))
		return false;
	__u32 container_dev = dg_current_container();
	if (!container_dev)
		return false;
	struct dg_vma_lookup lookup = {};
	dg_describe_vma(vma, &lookup);
	return dg_judge_vma_lookup(&lookup, DG_HOOK_MPROTECT, container_dev, prot);
}

/* The inode the opener of `file` sees when `file` is overlayfs's own open of a real file
 * (the overlay's inode), or NULL when it is not one. */
static __always_inline struct inode *dg_overlay_inode_of_real_file(struct file *file)
{
	struct dentry *user_dentry = NULL;
	if (bpf_core_type_exists(struct backing_file)) {
		if (BPF_CORE_READ(file, f_mode) & dg_fmode_backing()) {
			struct backing_file *backing = (void *)file;
			user_dentry = BPF_CORE_READ(backing, user_path.dentry);
		}
	} else {
		user_dentry = BPF_CORE_READ(file, f_path.dentry);
	}
	struct inode *user_inode = user_dentry ? BPF_CORE_READ(user_dentry, d_inode) : NULL;
	if (!user_inode || user_inode == BPF_CORE_READ(file, f_inode) ||
	    BPF_CORE_READ(user_inode, i_sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return NULL;
	return user_inode;
}

/* security_file_open: write-opens only (reads of executables are judged when mapped). */
static __always_inline bool dg_check_open(struct file *file)
{
	if (!(BPF_CORE_READ(file, f_mode) & FMODE_WRITE))
		return false;
	struct task_struct *task = bpf_get_current_task_btf();
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct inode *overlay = dg_overlay_inode_of_real_file(file);
	if (!overlay && BPF_CORE_READ(inode, i_sb, s_magic) == OVERLAYFS_SUPER_MAGIC)
		return false; /* accounted at overlayfs's open of the real file, which follows */
	__u32 container_dev = dg_container_of(task);
	dg_opened_for_writing(overlay ? overlay : inode, task, container_dev);
	return container_dev && !overlay &&
	       dg_judge_proc_mem_open(file, container_dev, DG_HOOK_PROC_MEM);
}

/* process_vm_writev, or a ptrace request that writes another process's memory: killed
 * (dg_judge never denies DG_HOOK_MEM_WRITE). */
static __always_inline bool dg_check_memory_write(bool poke)
{
	__u32 container_dev;
	if (!poke || !(container_dev = dg_current_container()))
		return false;
	return dg_judge_fileless(DG_HOOK_MEM_WRITE, DG_KIND_PROC_MEM, container_dev, 0);
}

#endif /* DRIFTGUARD_SECURITY_HOOKS_BPF_H */
