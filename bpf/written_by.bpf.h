/* writtenBy exceptions: code the application produces at run time (Varnish compiles its VCL
 * to a shared object and loads it), allowed when the kernel saw that only a program the
 * policy names wrote the file, and it runs from below a directory the policy names.
 *
 * Every write-open of a file on a container's overlay (open, openat, openat2, io_uring: any
 * other way to change a file's content needs one), by any process of a container or the
 * host, is counted in the file's dg_file_programs entry. A write-open that finds the file
 * empty and held for writing by no one else (its own open aside) starts the file's content
 * afresh: its opener's executable is recorded, with the count before it. The file was
 * written by that program alone while no write-open came after it (the count moved by one
 * only) and no one holds it for writing now; a truncate(2) by path in the container (the
 * kernel does not know which file) ends this for every file of the container, as for
 * copy-ups.
 *
 * When such a file is about to run, it is allowed if the recorded program is the image's
 * own file (lower layer, or a copy-up the kernel vouches for), is named by one of the
 * container's writtenBy exceptions (dg_writer_programs, by inode, filled by the agent),
 * and the path the file runs from is below one of that exception's directories
 * (dg_writer_dirs, by path hash).
 *
 * Kernel behaviour relied on: a process's mm->exe_file is the file exec opened, the overlay
 * file for a container's root; a file's overlay dentry's d_parent chain ends at the overlay
 * root (the container's "/", also for a process that chrooted below it); i_writecount
 * counts every open file and shared mapping with write access, and opens take it before
 * they return.
 */
#ifndef DRIFTGUARD_WRITTEN_BY_BPF_H
#define DRIFTGUARD_WRITTEN_BY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "driftguard/abi.h"
#include "maps.bpf.h"
#include "scope.bpf.h"
#include "copy_up.bpf.h"
#include "hash.bpf.h"

#define DG_COMPONENT_MAX 256 /* NAME_MAX and its NUL */
#define DG_NEVER_CLEAN	 (~0ULL)

/* Continues FNV-1a `hash` over "/" and the NUL-terminated name in `buffer`. A global
 * function: verified once. */
__noinline __u64 dg_hash_component(__u64 hash, const struct dg_path_buffer *buffer)
{
	if (!buffer)
		return hash;
	hash = (hash ^ '/') * DG_FNV_PRIME;
	for (int i = 0; i < DG_COMPONENT_MAX; i++) {
		__u8 c = buffer->bytes[i];
		if (c == 0)
			break;
		hash = (hash ^ c) * DG_FNV_PRIME;
	}
	return hash;
}

/* The writtenBy exceptions (bits) of `container_dev` one of whose directories holds the
 * file at `dentry`, at any depth. */
static __always_inline __u64 dg_writer_dirs_of(struct dentry *dentry, __u32 container_dev)
{
	__u32 zero = 0;
	struct dg_ancestors *walk = bpf_map_lookup_elem(&dg_ancestor_scratch, &zero);
	if (!walk)
		return 0;
	struct dentry **ancestors = (struct dentry **)walk->dentries;
	int count = 0;
	struct dentry *at = dentry;
	for (int i = 0; i < DG_WRITER_DEPTH + 1; i++) {
		struct dentry *parent = BPF_CORE_READ(at, d_parent);
		if (!parent || parent == at)
			break;
		ancestors[i] = parent;
		count = i + 1;
		at = parent;
	}
	/* The last ancestor must be the root ("/", its own parent): deeper files are not
	 * vouched for. */
	if (count == 0 || BPF_CORE_READ(at, d_parent) != at)
		return 0;
	struct dg_path_buffer *buffer = dg_path_buffer();
	if (!buffer)
		return 0;
	__u64 hash = DG_FNV_OFFSET;
	__u64 exceptions = 0;
	/* ancestors[count - 1] is "/"; walk down from the directory below it. */
	for (int i = DG_WRITER_DEPTH - 1; i >= 0; i--) {
		if (i > count - 2)
			continue;
		const unsigned char *name = BPF_CORE_READ(ancestors[i], d_name.name);
		if (bpf_probe_read_kernel_str(buffer->bytes, DG_COMPONENT_MAX, name) < 0)
			return 0;
		hash = dg_hash_component(hash, buffer);
		struct dg_writer_dir_key key = {
		    .path_hash = hash ? hash : 1,
		    .container_dev = container_dev,
		};
		__u64 *bits = bpf_map_lookup_elem(&dg_writer_dirs, &key);
		if (bits)
			exceptions |= *bits;
	}
	return exceptions;
}

/* True when `exe`, the executable of a process of `container_dev`, is the image's file. */
static __always_inline bool dg_is_image_program(struct inode *exe, __u32 container_dev)
{
	if (BPF_CORE_READ(exe, i_sb, s_dev) != container_dev)
		return false;
	struct ovl_inode *ovl = dg_core_ovl_inode(exe);
	struct dentry *upper_dentry = BPF_CORE_READ(ovl, __upperdentry);
	if (!upper_dentry || !(BPF_CORE_READ(ovl, flags) & (1UL << OVL_UPPERDATA_BIT)))
		return true;
	struct inode *upper = BPF_CORE_READ(upper_dentry, d_inode);
	return upper && dg_is_clean_copy_up(ovl, upper, container_dev);
}

/* A file was opened for writing (see the top of this file). `container_dev` is the opener's
 * container, 0 for a host process. */
static __always_inline void dg_note_writer(struct inode *inode, struct task_struct *task,
					   __u32 container_dev)
{
	if (!inode || BPF_CORE_READ(inode, i_sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return;
	struct dentry *upper_dentry = BPF_CORE_READ(dg_core_ovl_inode(inode), __upperdentry);
	struct inode *data = upper_dentry ? BPF_CORE_READ(upper_dentry, d_inode) : NULL;
	if (!data)
		return;
	struct dg_inode_key key = {
	    .ino = BPF_CORE_READ(data, i_ino),
	    .dev = BPF_CORE_READ(data, i_sb, s_dev),
	};
	struct dg_file_program *record = bpf_map_lookup_elem(&dg_file_programs, &key);
	if (!record) {
		struct dg_file_program fresh = {.clean_at = DG_NEVER_CLEAN};
		bpf_map_update_elem(&dg_file_programs, &key, &fresh, BPF_NOEXIST);
		record = bpf_map_lookup_elem(&dg_file_programs, &key);
		if (!record)
			return;
	}
	/* Counted first, then looked at: a concurrent write-open either holds the file for
	 * writing when this one looks, or moves the count after it. */
	__u64 before = __sync_fetch_and_add(&record->opens, 1);
	if (BPF_CORE_READ(data, i_size) != 0 || BPF_CORE_READ(data, i_writecount.counter) != 1)
		return;
	struct inode *exe = BPF_CORE_READ(task, mm, exe_file, f_inode);
	if (!exe)
		return;
	record->program.ino = BPF_CORE_READ(exe, i_ino);
	record->program.dev = BPF_CORE_READ(exe, i_sb, s_dev);
	record->identity = dg_scope_identity(task);
	record->program_is_image = container_dev && dg_is_image_program(exe, container_dev);
	record->clean_at = before;
}

/* True when a writtenBy exception of the container `container_dev` vouches for `upper`, the
 * data inode of the file at `dentry` about to run (see the top of this file). */
static __always_inline bool dg_is_written_by_exception(struct inode *upper, __u64 ino, __u32 dev,
						       struct dentry *dentry, __u32 container_dev)
{
	struct dg_inode_key key = {
	    .ino = ino,
	    .dev = dev,
	};
	struct dg_file_program *record = bpf_map_lookup_elem(&dg_file_programs, &key);
	if (!record || !record->program_is_image || record->clean_at + 1 != record->opens)
		return false;
	__u64 identity = dg_scope_identity(bpf_get_current_task_btf());
	if (record->identity != identity || record->program.dev != container_dev)
		return false;
	struct dg_writer_program *program =
	    bpf_map_lookup_elem(&dg_writer_programs, &record->program);
	if (!program || program->identity != identity || !dentry)
		return false;
	if (BPF_CORE_READ(upper, i_writecount.counter) > 0 || dg_copy_ups_distrusted(container_dev))
		return false;
	return (program->exceptions & dg_writer_dirs_of(dentry, container_dev)) != 0;
}

#endif /* DRIFTGUARD_WRITTEN_BY_BPF_H */
