/* writtenBy exceptions: code the application produces at run time (Varnish compiles its VCL
 * to a shared object and loads it), allowed when the kernel saw that only the programs the
 * policy names ever wrote the file, below the directories it names.
 *
 * Decided as the file is written, not when it runs: a write-open (open, openat, openat2,
 * io_uring; every other way to change a file's content needs one) by a process of the
 * container whose executable is an image program of the exception, of an empty file
 * nobody else holds for writing, below one of the exception's directories, vouches for the
 * file's data inode (dg_written_by). Any other write-open, by any process of the container
 * or the host through the overlay, removes it; a truncate(2) by path in the container ends
 * all vouching for that container (as for copy-ups: the kernel does not know which file).
 * The file runs while it is vouched for, not deleted, and nobody holds it for writing.
 *
 * The writer's executable must itself be the image's file (lower layer, or a copy-up the
 * kernel vouches for): a program put in its place in the upper layer is another inode
 * anyway, and an image program that was modified is not the image's.
 *
 * Kernel behaviour relied on: a process's mm->exe_file is the file exec opened, the
 * overlay file for a container's root; an open file's f_path.dentry is the overlay dentry,
 * whose d_parent chain ends at the overlay root (the container's "/", also for a process
 * that chrooted below it).
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

#define DG_WRITER_DEPTH 16 /* directories below "/" a writtenBy file may be at */
#define DG_COMPONENT_MAX 256 /* NAME_MAX and its NUL */

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
	struct dentry *ancestors[DG_WRITER_DEPTH + 1];
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

/* The writtenBy exceptions (bits) of the current container that name the current task's
 * executable, when it is the image's own file. */
static __always_inline __u64 dg_writer_exceptions_of(struct task_struct *task,
						      __u32 container_dev)
{
	struct inode *exe = BPF_CORE_READ(task, mm, exe_file, f_inode);
	if (!exe)
		return 0;
	struct dg_inode_key key = {
	    .ino = BPF_CORE_READ(exe, i_ino),
	    .dev = BPF_CORE_READ(exe, i_sb, s_dev),
	};
	if (key.dev != container_dev)
		return 0;
	struct dg_writer_program *program = bpf_map_lookup_elem(&dg_writer_programs, &key);
	if (!program || program->identity != dg_scope_identity(task))
		return 0;
	struct ovl_inode *ovl = dg_ovl_inode(exe);
	struct dentry *upper_dentry = BPF_CORE_READ(ovl, __upperdentry);
	if (upper_dentry && (BPF_CORE_READ(ovl, flags) & (1UL << OVL_UPPERDATA_BIT))) {
		struct inode *upper = BPF_CORE_READ(upper_dentry, d_inode);
		if (!upper || !dg_is_clean_copy_up(ovl, upper, container_dev))
			return 0;
	}
	return program->exceptions;
}

/* A file was opened for writing: vouch for it (see the top of this file) or stop doing so.
 * `container_dev` is the opener's container, 0 for a host process. */
static __always_inline void dg_note_writer(struct file *file, struct task_struct *task,
					   __u32 container_dev)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (!inode || BPF_CORE_READ(inode, i_sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return;
	struct dentry *upper_dentry = BPF_CORE_READ(dg_ovl_inode(inode), __upperdentry);
	struct inode *data = upper_dentry ? BPF_CORE_READ(upper_dentry, d_inode) : NULL;
	if (!data)
		return;
	struct dg_inode_key key = {
	    .ino = BPF_CORE_READ(data, i_ino),
	    .dev = BPF_CORE_READ(data, i_sb, s_dev),
	};
	bool vouch = false;
	if (container_dev && BPF_CORE_READ(inode, i_sb, s_dev) == container_dev &&
	    BPF_CORE_READ(data, i_size) == 0 && BPF_CORE_READ(data, i_writecount.counter) == 1) {
		__u64 programs = dg_writer_exceptions_of(task, container_dev);
		if (programs) {
			struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
			vouch = (programs & dg_writer_dirs_of(dentry, container_dev)) != 0;
		}
	}
	if (!vouch) {
		bpf_map_delete_elem(&dg_written_by, &key);
		return;
	}
	struct dg_written_by value = {
	    .identity = dg_scope_identity(task),
	    .container_dev = container_dev,
	};
	bpf_map_update_elem(&dg_written_by, &key, &value, BPF_ANY);
}

/* True when the container's writtenBy exceptions vouch for `upper`, the data inode of a file
 * of the container `container_dev` that is about to run. */
static __always_inline bool dg_is_vouched_writing(struct inode *upper, __u64 ino, __u32 dev,
						  __u32 container_dev)
{
	struct dg_inode_key key = {
	    .ino = ino,
	    .dev = dev,
	};
	struct dg_written_by *written = bpf_map_lookup_elem(&dg_written_by, &key);
	if (!written || written->container_dev != container_dev ||
	    written->identity != dg_scope_identity(bpf_get_current_task_btf()) ||
	    dg_copy_ups_distrusted(container_dev))
		return false;
	return BPF_CORE_READ(upper, i_writecount.counter) <= 0;
}

#endif /* DRIFTGUARD_WRITTEN_BY_BPF_H */
