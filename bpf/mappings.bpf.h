/* Executable mappings: mmap/mmap2 with PROT_EXEC, mprotect/pkey_mprotect adding PROT_EXEC
 * (every mapping of the range, not only the first), and the ELF interpreter the kernel
 * itself maps during execve.
 *
 * Kernel behaviour relied on:
 *  - A mapping of an overlay file has vm_file = the real file underneath: in 6.1 a file
 *    whose f_path is the overlay path, from 6.6 a struct backing_file whose user_path is
 *    (FMODE_BACKING is bit 25 until 6.13, bit 24 from 6.14).
 *  - mprotect changes mappings from `start` up to the first hole and stops there (ENOMEM),
 *    so the walk stops at a hole too.
 *  - load_elf_binary maps PT_INTERP's file itself and sets the user registers to start at
 *    its entry point (start_thread) before sched_process_exec fires; AT_BASE would not do,
 *    as an ET_EXEC interpreter has a load bias, and so an AT_BASE, of 0.
 */
#ifndef DRIFTGUARD_MAPPINGS_BPF_H
#define DRIFTGUARD_MAPPINGS_BPF_H

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

#define DG_RANGE_VMAS 64 /* mappings one mprotect may span before it fails closed */

/* Set by the agent before load: s_dev of the kernel's internal shmem mount, which holds
 * memfd files, shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS, /dev/zero) and SysV
 * shared memory. Files on mounted tmpfs instances (/dev/shm, volumes) are not on it. */
const volatile __u32 dg_shm_internal_dev = 0;

/* Memory only the process (and whoever it hands a descriptor to) can reach, which it
 * fills itself: judged as anonymous memory when mapped shared (a JIT's double mapping for
 * W^X: Erlang's memfd, PHP opcache's shared anonymous memory). A *private* executable
 * mapping of a memfd or deleted file stays drift: that is how loaders run a shared object
 * from memory. It gives an attacker nothing anonymous memory does not: the bytes are
 * whatever the process wrote, exactly as with mmap(MAP_ANONYMOUS) + mprotect. */
static __always_inline bool dg_is_process_memory(struct inode *inode)
{
	__u32 dev = BPF_CORE_READ(inode, i_sb, s_dev);
	return (dg_shm_internal_dev && dev == dg_shm_internal_dev) ||
	       BPF_CORE_READ(inode, __i_nlink) == 0;
}

/* /dev/zero: mapping it is a way of asking for anonymous memory. */
static __always_inline bool dg_is_dev_zero(struct inode *inode)
{
	return (BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFCHR &&
	       BPF_CORE_READ(inode, i_rdev) == DG_DEV_ZERO;
}

/* Anonymous memory in all but name: process memory mapped shared, or /dev/zero. Files of
 * the container's own overlay (what loaders map all day) are judged as files, never as
 * /dev/zero, which spares them the device test. */
static __always_inline bool dg_is_anonymous_in_disguise(struct inode *inode, bool shared,
							__u32 container_dev)
{
	if (shared && dg_is_process_memory(inode))
		return true;
	return BPF_CORE_READ(inode, i_sb, s_dev) != container_dev && dg_is_dev_zero(inode);
}

extern int LINUX_KERNEL_VERSION __kconfig;

/* Executable anonymous memory: drift only where the workload's policy denies it. Memory
 * that a file stands for (a memfd or unlinked file mapped shared, /dev/zero, SysV shm)
 * is named in the event by its dentry: "memfd:NAME", "dev/zero", "SYSV<key>". */
static __always_inline bool dg_judge_anonymous(__u16 hook, __u32 container_dev, __u32 prot,
					       struct dentry *dentry)
{
	if (!(dg_flags_of(container_dev) & DG_POLICY_DENY_ANON_EXEC))
		return false;
	struct dg_event *event = dg_fileless_event(hook, container_dev, prot);
	if (event && dentry)
		bpf_probe_read_kernel_str(event->name, sizeof(event->name),
					  BPF_CORE_READ(dentry, d_name.name));
	return dg_judge(event, DG_KIND_ANON_EXEC);
}

/* The protection the kernel gives memory asked for with `prot`: a process whose
 * personality has READ_IMPLIES_EXEC (personality(2) sets it for any process) gets
 * PROT_EXEC with every PROT_READ, from mmap and from mprotect alike. */
static __always_inline unsigned long dg_effective_prot(unsigned long prot)
{
	if ((prot & PROT_READ) && (bpf_get_current_task_btf()->personality & READ_IMPLIES_EXEC))
		return prot | PROT_EXEC;
	return prot;
}

/* Whether an mmap with these arguments concerns the sensor: code, or a shared writable
 * file mapping (it revokes a verified copy-up). Most mmaps (heap, stacks) do not. */
static __always_inline bool dg_mmap_matters(unsigned long prot, unsigned long flags)
{
	return (prot & PROT_EXEC) ||
	       ((flags & MAP_SHARED) && (prot & PROT_WRITE) && !(flags & MAP_ANONYMOUS));
}

/* A mapping of `file` (NULL: anonymous memory) with `prot` and `flags` by a task of
 * container `container_dev`. Returns true when it was judged drift and stopped. */
static __always_inline bool dg_judge_mmap_file(__u32 container_dev, __u16 hook, unsigned long prot,
					       unsigned long flags, struct file *file)
{
	if (!file || (flags & MAP_ANONYMOUS))
		return (prot & PROT_EXEC) && dg_judge_anonymous(hook, container_dev, prot, NULL);
	if ((flags & MAP_SHARED) && (prot & PROT_WRITE))
		dg_revoke_allowed(file, container_dev); /* writes through it need not move ctime */
	if (!(prot & PROT_EXEC))
		return false;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (inode && dg_is_anonymous_in_disguise(inode, flags & MAP_SHARED, container_dev))
		return dg_judge_anonymous(hook, container_dev, prot,
					  BPF_CORE_READ(file, f_path.dentry));
	dg_count(DG_COUNTER_MAPS);
	struct dg_event *event = dg_new_event(hook, container_dev);
	if (!event)
		return false;
	event->prot = prot;
	return dg_judge(event, dg_classify_file(file, container_dev, event));
}

/* mmap/mmap2 system call by a task of container `container_dev` (the kill backend). */
static __always_inline void dg_judge_mmap(__u32 container_dev, unsigned long prot,
					  unsigned long flags, int fd)
{
	struct file *file = NULL;
	if (!(flags & MAP_ANONYMOUS) && fd >= 0) {
		/* The kernel ignores fd for MAP_ANONYMOUS. */
		file = dg_task_fd_file(bpf_get_current_task_btf(), fd);
		if (!file)
			return; /* EBADF: the mmap fails on its own */
	}
	dg_judge_mmap_file(container_dev, DG_HOOK_MMAP, prot, flags, file);
}

struct dg_vma_lookup {
	struct inode *inode;
	struct dentry *dentry;
	unsigned long end;
	bool found;
	bool shared; /* VM_SHARED */
};

/* FMODE_BACKING moved from bit 25 to bit 24 in 6.14; struct backing_file exists from 6.6. */
static __always_inline __u32 dg_fmode_backing(void)
{
	return LINUX_KERNEL_VERSION >= KERNEL_VERSION(6, 14, 0) ? (1U << 24) : (1U << 25);
}

static __always_inline void dg_describe_vma(struct vm_area_struct *vma,
					    struct dg_vma_lookup *lookup)
{
	lookup->found = true;
	lookup->end = BPF_CORE_READ(vma, vm_end);
	lookup->shared = BPF_CORE_READ(vma, vm_flags) & VM_SHARED;
	struct file *file = BPF_CORE_READ(vma, vm_file);
	if (!file)
		return; /* anonymous memory */
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	if (bpf_core_type_exists(struct backing_file) &&
	    (BPF_CORE_READ(file, f_mode) & dg_fmode_backing())) {
		struct backing_file *backing = (void *)file;
		dentry = BPF_CORE_READ(backing, user_path.dentry);
	}
	/* Before backing_file (6.1), overlayfs's real file carries the overlay path in f_path. */
	lookup->dentry = dentry;
	lookup->inode = BPF_CORE_READ(dentry, d_inode);
}

static long dg_vma_file(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	dg_describe_vma(vma, data);
	return 0;
}

/* Judges the mapping `lookup` describes as code about to run; true when it was stopped. */
static __always_inline bool dg_judge_vma_lookup(struct dg_vma_lookup *lookup, __u32 hook,
						__u32 container_dev, __u32 prot)
{
	if (!lookup->inode ||
	    dg_is_anonymous_in_disguise(lookup->inode, lookup->shared, container_dev))
		return dg_judge_anonymous(hook, container_dev, prot, lookup->dentry);
	dg_count(DG_COUNTER_MAPS);
	struct dg_event *event = dg_new_event(hook, container_dev);
	if (!event)
		return false;
	event->prot = prot;
	return dg_judge(event,
			dg_classify_inode(lookup->inode, lookup->dentry, container_dev, event));
}

#define DG_MAPPING_KILLED 1UL /* vm_end is page-aligned: bit 0 carries "killed" */

/* Judges the current task's mapping at `address` as code about to run. Returns where that
 * mapping ends (0: no mapping there), with DG_MAPPING_KILLED set when the task was killed.
 * A global function: the verifier checks it once, not per mapping of a range. */
__noinline __u64 dg_judge_mapping_at(unsigned long address, __u32 hook, __u32 container_dev,
				     __u32 prot)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dg_vma_lookup lookup = {};
	if (bpf_find_vma(task, address, dg_vma_file, &lookup, 0) != 0 || !lookup.found)
		return 0;
	bool killed = dg_judge_vma_lookup(&lookup, hook, container_dev, prot);
	return lookup.end | (killed ? DG_MAPPING_KILLED : 0);
}

/* mprotect/pkey_mprotect of [start, start + length) adding PROT_EXEC: every mapping in the
 * range is judged; a range of more than DG_RANGE_VMAS mappings fails closed. */
static __always_inline void dg_judge_mprotect(__u32 container_dev, unsigned long start,
					      unsigned long length, unsigned long prot)
{
	if (!(prot & PROT_EXEC))
		return;
	unsigned long end = start + length;
	unsigned long address = start;
	for (int i = 0; i < DG_RANGE_VMAS; i++) {
		__u64 judged = dg_judge_mapping_at(address, DG_HOOK_MPROTECT, container_dev, prot);
		if (judged & DG_MAPPING_KILLED)
			return;
		address = judged;
		if (address == 0 || address >= end)
			return;
	}
	dg_judge_fileless(DG_HOOK_MPROTECT, DG_KIND_UNCHECKED, container_dev, prot);
}

/* The code execve will start the new image at: the ELF interpreter's entry for a dynamic
 * executable (the kernel mapped PT_INTERP's file itself), else the executable's own. */
static __always_inline bool dg_judge_entry_mapping(struct task_struct *task, __u32 container_dev)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	unsigned long entry = BPF_CORE_READ(regs, ip);
	if (!entry)
		return false;
	return dg_judge_mapping_at(entry, DG_HOOK_INTERP, container_dev, PROT_EXEC) &
	       DG_MAPPING_KILLED;
}

#endif /* DRIFTGUARD_MAPPINGS_BPF_H */
