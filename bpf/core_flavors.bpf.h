/* Kernel structures whose fields moved or were renamed between 6.1 and 6.18, read through
 * CO-RE "flavour" structs (the ___vNN suffix is dropped when relocating) and
 * bpf_core_field_exists(), each with the versions it covers. Helpers here are dg_core_*. */
#ifndef DRIFTGUARD_CORE_FLAVORS_BPF_H
#define DRIFTGUARD_CORE_FLAVORS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/* The struct ovl_inode an overlayfs inode is embedded in (vfs_inode); its layout was
 * reshuffled in 6.3, 6.4 and 6.5, the offset is relocated. */
static __always_inline struct ovl_inode *dg_core_ovl_inode(struct inode *inode)
{
	return (void *)inode - bpf_core_field_offset(struct ovl_inode, vfs_inode);
}

/* inode ctime before 6.6 (i_ctime) and in 6.6 .. 6.10 (__i_ctime); 6.11+ has i_ctime_sec/nsec. */
struct inode___v61 {
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));
struct inode___v66 {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

static __always_inline void dg_core_inode_ctime(struct inode *inode, __s64 *sec, __u32 *nsec)
{
	if (bpf_core_field_exists(inode->i_ctime_sec)) {
		*sec = BPF_CORE_READ(inode, i_ctime_sec);
		/* Multigrain timestamps (6.13+) keep an I_CTIME_QUERIED flag in bit 31. */
		*nsec = BPF_CORE_READ(inode, i_ctime_nsec) & ~(1U << 31);
	} else if (bpf_core_field_exists(((struct inode___v66 *)inode)->__i_ctime)) {
		struct inode___v66 *old = (void *)inode;
		*sec = BPF_CORE_READ(old, __i_ctime.tv_sec);
		*nsec = BPF_CORE_READ(old, __i_ctime.tv_nsec);
	} else {
		struct inode___v61 *old = (void *)inode;
		*sec = BPF_CORE_READ(old, i_ctime.tv_sec);
		*nsec = BPF_CORE_READ(old, i_ctime.tv_nsec);
	}
}

/* ovl_inode before 6.4 kept one lower path; from 6.5 the lower stack is in `oe`. */
struct ovl_inode___v61 {
	struct ovl_path lowerpath;
} __attribute__((preserve_access_index));

static __always_inline struct dentry *dg_core_ovl_lower_dentry(struct ovl_inode *ovl)
{
	if (bpf_core_field_exists(ovl->oe)) {
		struct ovl_entry *oe = BPF_CORE_READ(ovl, oe);
		if (!oe || BPF_CORE_READ(oe, __numlower) == 0)
			return NULL;
		return BPF_CORE_READ(oe, __lowerstack[0].dentry);
	}
	struct ovl_inode___v61 *old = (void *)ovl;
	return BPF_CORE_READ(old, lowerpath.dentry);
}

#endif /* DRIFTGUARD_CORE_FLAVORS_BPF_H */
