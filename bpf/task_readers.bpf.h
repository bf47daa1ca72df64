/* What a task's kernel structures say, read with as few helper calls as the verifier
 * allows: its root directory, its pid namespace, its descriptors. Helpers here are
 * dg_task_*. */
#ifndef DRIFTGUARD_TASK_READERS_BPF_H
#define DRIFTGUARD_TASK_READERS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "driftguard/abi.h"
#include "kernel_defs.bpf.h"
#include "core_flavors.bpf.h"

/* The s_dev of the overlay `task` has as its root directory, or 0 when its root is not an
 * overlay. `task` is a BTF pointer: the chain is read with plain loads (the JIT guards
 * them), not probe-read helper calls: this runs for every judged system call. */
static __always_inline __u32 dg_task_root_overlay_dev(struct task_struct *task)
{
	struct fs_struct *fs = task->fs;
	if (!fs)
		return 0;
	struct vfsmount *root = fs->root.mnt;
	if (!root)
		return 0;
	struct super_block *sb = root->mnt_sb;
	if (!sb || sb->s_magic != OVERLAYFS_SUPER_MAGIC)
		return 0;
	return sb->s_dev;
}

/* The identity of the container whose overlay `task` has as its root: its upper
 * directory's inode number and generation (the overlay root's upper dentry), 0 if none.
 * The generation matters: the directory of a container created right after another was
 * removed often gets the freed inode number again. */
static __always_inline __u64 dg_task_root_identity(struct task_struct *task)
{
	struct fs_struct *fs = task->fs;
	if (!fs || !fs->root.mnt)
		return 0;
	struct dentry *root = fs->root.mnt->mnt_sb->s_root;
	if (!root || !root->d_inode)
		return 0;
	struct ovl_inode *ovl = dg_core_ovl_inode(root->d_inode);
	struct dentry *upper = BPF_CORE_READ(ovl, __upperdentry);
	if (!upper)
		return 0;
	struct inode *inode = BPF_CORE_READ(upper, d_inode);
	return dg_container_identity(BPF_CORE_READ(inode, i_ino),
				     BPF_CORE_READ(inode, i_generation));
}

/* The first process (child reaper) of the current task's pid namespace, or NULL in the
 * host's pid namespace. */
static __always_inline struct task_struct *dg_task_pidns_first(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	if (level == 0 || level > 32)
		return NULL;
	struct upid upid = {};
	bpf_probe_read_kernel(&upid, sizeof(upid), &pid->numbers[level]);
	return BPF_CORE_READ(upid.ns, child_reaper);
}

/* The file a descriptor of the current task refers to, or NULL. */
static __always_inline struct file *dg_task_fd_file(struct task_struct *task, int fd)
{
	if (fd < 0)
		return NULL;
	/* `task` is a BTF pointer: plain loads down to the descriptor array. */
	struct files_struct *files = task->files;
	if (!files)
		return NULL;
	struct fdtable *fdt = files->fdt;
	if (!fdt || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	struct file **fds = fdt->fd;
	struct file *file = NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

#endif /* DRIFTGUARD_TASK_READERS_BPF_H */
