/* Classifies the file whose code is about to run: image (lower layer), drift (upper layer,
 * other filesystem, memfd, deleted), or a verified copy-up.
 *
 * Kernel behaviour relied on:
 *  - An overlayfs inode is embedded in struct ovl_inode (vfs_inode); __upperdentry is set
 *    once the file exists in the upper layer, and the OVL_UPPERDATA flag says the upper
 *    copy holds the data (a metacopy-only copy-up has the upper inode but reads data from
 *    the lower layer). Field names are stable from 6.1 to 6.18; CO-RE relocates their
 *    offsets (the struct was reshuffled in 6.3, 6.4 and 6.5).
 *  - A file opened on overlayfs has f_inode = the overlay inode. A *mapping* of it has
 *    vm_file = the real file underneath: in 6.1 a file with a fake f_path (f_path is the
 *    overlay path), from 6.6 a struct backing_file whose user_path is the overlay path.
 */
#ifndef DRIFTGUARD_CLASSIFY_BPF_H
#define DRIFTGUARD_CLASSIFY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "driftguard/abi.h"
#include "kernel_defs.bpf.h"
#include "core_flavors.bpf.h"
#include "maps.bpf.h"
#include "scope.bpf.h"
#include "copy_up.bpf.h"
#include "written_by.bpf.h"

/* True if the agent allowed this inode (a verified copy-up in the upper layer, or a file
 * a policy exception names) and it has not changed since: same ctime, and nobody holds it
 * open for writing or mapped shared-writable now (i_writecount > 0; a running executable
 * has it negative). Writes through a writable mapping made before verification need not
 * move ctime, so a writer still present voids the allowance; later write-opens and
 * shared-writable mappings remove the entry (dg_revoke_allowed). */
static __always_inline bool dg_is_allowed(struct inode *inode, __u64 ino, __u32 dev)
{
	struct dg_inode_key key = {
	    .ino = ino,
	    .dev = dev,
	};
	struct dg_allowed *allowed = bpf_map_lookup_elem(&dg_allowed, &key);
	if (!allowed)
		return false;
	if (BPF_CORE_READ(inode, i_writecount.counter) > 0)
		return false;
	__s64 sec = 0;
	__u32 nsec = 0;
	dg_core_inode_ctime(inode, &sec, &nsec);
	return allowed->ctime_sec == sec && allowed->ctime_nsec == nsec;
}

/* Fills the file fields of `event` and returns the drift kind (DG_KIND_NONE: the image's). */
static __always_inline __u16 dg_classify_inode(struct inode *inode, struct dentry *dentry,
					       __u32 container_dev, struct dg_event *event)
{
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);
	__u32 dev = BPF_CORE_READ(sb, s_dev);
	unsigned long magic = BPF_CORE_READ(sb, s_magic);
	event->upper_ino = 0;
	event->upper_dev = 0;
	event->file_dev = dev;
	event->file_ino = BPF_CORE_READ(inode, i_ino);
	event->file_mode = BPF_CORE_READ(inode, i_mode);
	event->file_nlink = BPF_CORE_READ(inode, __i_nlink);
	event->file_size = BPF_CORE_READ(inode, i_size);
	event->fs_magic = magic;
	if (dentry) {
		const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
		bpf_probe_read_kernel_str(event->name, sizeof(event->name), name);
	}

	if (dev != container_dev) {
		/* memfd_create files live on the internal shmem mount, named "memfd:…". */
		if (magic == TMPFS_MAGIC && event->name[0] == 'm' && event->name[1] == 'e' &&
		    event->name[2] == 'm' && event->name[3] == 'f' && event->name[4] == 'd' &&
		    event->name[5] == ':')
			return DG_KIND_MEMFD;
		/* A volume file a policy exception names, checked by the agent. */
		if (dg_is_allowed(inode, event->file_ino, dev))
			return DG_KIND_NONE;
		return DG_KIND_OTHER_FS;
	}

	struct ovl_inode *ovl = dg_core_ovl_inode(inode);
	struct dentry *upper_dentry = BPF_CORE_READ(ovl, __upperdentry);
	if (!upper_dentry)
		return DG_KIND_NONE; /* lower layer: the image */
	unsigned long flags = BPF_CORE_READ(ovl, flags);
	if (!(flags & (1UL << OVL_UPPERDATA_BIT)))
		return DG_KIND_NONE; /* metacopy: attributes copied up, data still the image's */

	struct inode *upper = BPF_CORE_READ(upper_dentry, d_inode);
	if (!upper)
		return DG_KIND_UPPER;
	event->upper_ino = BPF_CORE_READ(upper, i_ino);
	event->upper_dev = BPF_CORE_READ(upper, i_sb, s_dev);
	if (dg_is_allowed(upper, event->upper_ino, event->upper_dev))
		return DG_KIND_NONE;
	if (event->file_nlink == 0)
		return DG_KIND_DELETED;
	if (dg_is_clean_copy_up(ovl, upper, container_dev))
		return DG_KIND_NONE; /* chmod/chown/touch of an image file: still its content */
	if (dg_is_written_by_exception(upper, event->upper_ino, event->upper_dev, dentry,
				       container_dev))
		return DG_KIND_NONE; /* a writtenBy exception's program wrote it, and no one else */
	return DG_KIND_UPPER;
}

static __always_inline __u16 dg_classify_file(struct file *file, __u32 container_dev,
					      struct dg_event *event)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	if (!inode)
		return DG_KIND_NONE;
	return dg_classify_inode(inode, dentry, container_dev, event);
}

/* The inode whose data `inode` holds: the upper layer's real inode for an overlay file
 * with upper data, else the inode itself. */
static __always_inline struct inode *dg_data_inode(struct inode *inode, __u32 container_dev)
{
	if (!inode || BPF_CORE_READ(inode, i_sb, s_dev) != container_dev)
		return inode;
	struct dentry *upper_dentry = BPF_CORE_READ(dg_core_ovl_inode(inode), __upperdentry);
	return upper_dentry ? BPF_CORE_READ(upper_dentry, d_inode) : NULL;
}

/* A file opened for writing or mapped shared-writable inside a container: whatever the
 * agent had verified about its content no longer holds. */
static __always_inline void dg_revoke_allowed_inode(struct inode *opened, __u32 container_dev)
{
	struct inode *inode = dg_data_inode(opened, container_dev);
	if (!inode)
		return;
	struct dg_inode_key key = {
	    .ino = BPF_CORE_READ(inode, i_ino),
	    .dev = BPF_CORE_READ(inode, i_sb, s_dev),
	};
	bpf_map_delete_elem(&dg_allowed, &key);
}

static __always_inline void dg_revoke_allowed(struct file *file, __u32 container_dev)
{
	dg_revoke_allowed_inode(BPF_CORE_READ(file, f_inode), container_dev);
}

#endif /* DRIFTGUARD_CLASSIFY_BPF_H */
