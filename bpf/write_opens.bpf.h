/* What a successful open for writing means to the sensor, whichever hook saw it (the kill
 * backend's sys_exit of an open, the lsm and fmod_ret backends' file_open). */
#ifndef DRIFTGUARD_WRITE_OPENS_BPF_H
#define DRIFTGUARD_WRITE_OPENS_BPF_H

#include "vmlinux.h"
#include "classify.bpf.h"
#include "copy_up.bpf.h"
#include "provenance.bpf.h"
#include "written_by.bpf.h"

/* `inode` (as the opener sees it: the overlay inode for a container's file) was opened
 * for writing by `task` of container `container_dev` (0: a host task). */
static __always_inline void dg_opened_for_writing(struct inode *inode, struct task_struct *task,
						  __u32 container_dev)
{
	/* by any process, host ones included */
	dg_note_write_open(inode);
	dg_note_writer(inode, task, container_dev);
	if (!container_dev)
		return;
	dg_record_writer(inode);
	dg_revoke_allowed_inode(inode, container_dev);
}

#endif /* DRIFTGUARD_WRITE_OPENS_BPF_H */
