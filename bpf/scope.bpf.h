/* Which tasks are "in a container", decided in the kernel with no registration step.
 *
 * A task is in a container when its root directory is an overlayfs mount: what podman,
 * CRI-O, containerd and docker give a container's rootfs. This is true from the first
 * exec of the container's entrypoint (runc pivots into the root before it execs), false
 * for the runtime itself (podman, conmon, runc and runc's memfd re-exec all keep the
 * host's root), and false for host services with private mount namespaces (systemd's
 * ProtectSystem= etc. keep the host's root filesystem). The container is identified by
 * the s_dev of that overlay superblock: one per container rootfs mount.
 */
#ifndef DRIFTGUARD_SCOPE_BPF_H
#define DRIFTGUARD_SCOPE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

#define OVERLAYFS_SUPER_MAGIC 0x794c7630

/* Set by the agent before load. */
const volatile __u32 dg_host_root_dev = 0; /* s_dev of the host's / (in case it is overlayfs) */

/* Test scope: when non-zero, only the container with this root s_dev is judged. */
volatile __u32 dg_only_container_dev = 0;

/* The container key (root overlay s_dev) of `task`, or 0 for a host task. */
static __always_inline __u32 dg_container_of(struct task_struct *task)
{
	struct super_block *sb = BPF_CORE_READ(task, fs, root.mnt, mnt_sb);
	if (!sb)
		return 0;
	if (BPF_CORE_READ(sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return 0;
	__u32 dev = BPF_CORE_READ(sb, s_dev);
	if (dev == 0 || dev == dg_host_root_dev)
		return 0;
	if (dg_only_container_dev != 0 && dev != dg_only_container_dev)
		return 0;
	return dev;
}

#endif /* DRIFTGUARD_SCOPE_BPF_H */
