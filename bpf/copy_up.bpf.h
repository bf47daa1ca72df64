/* Copy-ups the kernel vouches for, so that `chmod`/`chown`/`touch` of an image file followed
 * at once by its exec runs without waiting for the agent's hash.
 *
 * Without metacopy, a metadata change of an image file copies its data to the upper layer,
 * after which the file looks like any drop. Its content is still the image's when:
 *  1. the overlay inode still holds the lower file it was copied from, at this very path
 *     and the copy is neither larger nor smaller;
 *  2. nothing has opened it for writing since (every write-open of a copied-up file, by any
 *     process, container or host, through the overlay, is marked in dg_copy_up_dirty; a
 *     shared writable mapping, ftruncate, fallocate, splice and copy_file_range need such
 *     an open) and nobody holds it for writing now;
 *  3. it was not made executable where the image's was not;
 *  4. the container's whole history is known: it started after the sensor (its pid
 *     namespace's first process is younger), none of its processes truncated a file by
 *     path (truncate(2) marks the container in dg_copy_up_distrust), and no mark was ever
 *     lost to a full map.
 * A renamed or hard-linked copy still holds image code, like a symlink to an image file,
 * which runs today: only content decides.
 * Anything else is left to the agent's hash, as before. Not seen: writes made from the
 * host straight into the upper directory (not through the overlay).
 *
 * Kernel behaviour relied on: the overlay inode keeps its lower path after a copy-up while
 * it stays cached (6.1: ovl_inode.lowerpath; 6.5+: ovl_inode.oe->__lowerstack[0]); once
 * evicted, a pure-upper lookup no longer knows the lower, and the file is left to the agent.
 */
#ifndef DRIFTGUARD_COPY_UP_BPF_H
#define DRIFTGUARD_COPY_UP_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "driftguard/abi.h"
#include "kernel_defs.bpf.h"
#include "core_flavors.bpf.h"
#include "task_readers.bpf.h"
#include "maps.bpf.h"
#include "scope.bpf.h"

/* Set once a dirty or distrust mark could not be stored: from then on no copy-up is
 * vouched for by the kernel (the agent's hashing still allows them). */
__u32 dg_copy_up_marks_lost = 0;

/* The container of the current task started after the sensor: its pid namespace's first
 * process is younger than the sensor (a container in the host's pid namespace never is). */
static __always_inline bool dg_container_started_after_load(void)
{
	struct task_struct *reaper = dg_task_pidns_first();
	return reaper && BPF_CORE_READ(reaper, start_time) > dg_loaded_ns;
}

static __always_inline void dg_mark_copy_up_dirty(struct inode *upper)
{
	struct dg_inode_key key = {
	    .ino = BPF_CORE_READ(upper, i_ino),
	    .dev = BPF_CORE_READ(upper, i_sb, s_dev),
	};
	__u8 yes = 1;
	if (bpf_map_update_elem(&dg_copy_up_dirty, &key, &yes, BPF_ANY) != 0)
		dg_copy_up_marks_lost = 1;
}

/* A file was opened for writing (or is about to be written by the kernel on a process's
 * behalf): if it is a copy of an image file, the kernel no longer vouches for it. */
static __always_inline void dg_note_write_open(struct inode *inode)
{
	if (!inode || BPF_CORE_READ(inode, i_sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return;
	struct ovl_inode *ovl = dg_core_ovl_inode(inode);
	struct dentry *upper = BPF_CORE_READ(ovl, __upperdentry);
	if (upper && dg_core_ovl_lower_dentry(ovl))
		dg_mark_copy_up_dirty(BPF_CORE_READ(upper, d_inode));
}

/* A process of `container_dev` truncated a file by path: the kernel does not know which. */
static __always_inline void dg_distrust_copy_ups(__u32 container_dev)
{
	__u64 identity = dg_scope_identity(bpf_get_current_task_btf());
	if (bpf_map_update_elem(&dg_copy_up_distrust, &container_dev, &identity, BPF_ANY) != 0)
		dg_copy_up_marks_lost = 1;
}

static __always_inline bool dg_copy_ups_distrusted(__u32 container_dev)
{
	if (dg_copy_up_marks_lost)
		return true;
	__u64 *identity = bpf_map_lookup_elem(&dg_copy_up_distrust, &container_dev);
	return identity && *identity == dg_scope_identity(bpf_get_current_task_btf());
}

/* True when `upper`, the upper inode of the overlay inode `ovl`, holds exactly the image
 * file it was copied from (the rules at the top of this file). */
static __always_inline bool dg_is_clean_copy_up(struct ovl_inode *ovl, struct inode *upper,
						__u32 container_dev)
{
	struct dentry *lower_dentry = dg_core_ovl_lower_dentry(ovl);
	if (!lower_dentry)
		return false;
	struct inode *lower = BPF_CORE_READ(lower_dentry, d_inode);
	if (!lower || BPF_CORE_READ(lower, i_size) != BPF_CORE_READ(upper, i_size))
		return false;
	__u32 made_executable =
	    BPF_CORE_READ(upper, i_mode) & 0111 & ~(BPF_CORE_READ(lower, i_mode) & 0111);
	if (made_executable || BPF_CORE_READ(upper, i_writecount.counter) > 0)
		return false;
	struct dg_inode_key key = {
	    .ino = BPF_CORE_READ(upper, i_ino),
	    .dev = BPF_CORE_READ(upper, i_sb, s_dev),
	};
	if (bpf_map_lookup_elem(&dg_copy_up_dirty, &key))
		return false;
	return !dg_copy_ups_distrusted(container_dev) && dg_container_started_after_load();
}

#endif /* DRIFTGUARD_COPY_UP_BPF_H */
