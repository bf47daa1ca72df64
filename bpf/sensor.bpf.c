// SPDX-License-Identifier: GPL-2.0
/* driftguard kernel sensor: judges, in the kernel, every exec and every executable file
 * mapping of every process whose root is a container's overlay (scope.bpf.h), and kills
 * drift before it runs in containers under enforce (verdict.bpf.h).
 *
 * Hooks (all tracepoint-style: they load where BPF-LSM and fentry do not):
 *   tp_btf/sched_process_exec   dg_exec       the new program image (bprm->file); for a "#!"
 *                                             script that is already the interpreter, so the
 *                                             script is remembered for dg_sys_exit
 *   tp_btf/sys_enter            dg_sys_enter  open/openat/openat2: an interpreter opening its
 *                                             script by the exec'd path (remember that open);
 *                                             mmap: PROT_EXEC mapping of a file (ld.so /tmp/x,
 *                                             LD_PRELOAD, dlopen); (pkey_)mprotect adding
 *                                             PROT_EXEC to a file mapping
 *                                             connect: remember the remote address
 *                                             (provenance.bpf.h)
 *   tp_btf/sys_exit             dg_sys_exit   open*: judge the opened script before the
 *                                             interpreter reads it; catch write-opens of
 *                                             /proc/<pid>/mem (DDexec-style injection);
 *                                             remember who opened a file for writing
 *   tp_btf/sched_process_exit   dg_exit       forget a pending script
 *
 * A SIGKILL sent from a syscall-entry tracepoint is delivered when the task returns to user
 * mode, so the mapping may be made but not one instruction from it runs.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "driftguard/abi.h"
#include "maps.bpf.h"
#include "scope.bpf.h"
#include "classify.bpf.h"
#include "verdict.bpf.h"
#include "provenance.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define PROT_EXEC	 0x4
#define O_ACCMODE	 0x3
#define O_RDONLY	 0x0
#define O_RDWR		 0x2
#define FMODE_WRITE	 0x2
#define PROC_SUPER_MAGIC 0x9fa0

extern int LINUX_KERNEL_VERSION __kconfig;

/* The file behind descriptor `fd` of the current task when the task is in a container
 * (its key stored in *container_dev), else NULL. */
static __always_inline struct file *dg_container_fd_file(int fd, __u32 *container_dev)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	*container_dev = dg_container_of(task);
	if (!*container_dev)
		return NULL;
	return dg_fd_file(task, fd);
}

/* ---- exec ------------------------------------------------------------------------- */

static __always_inline void dg_remember_script(struct linux_binprm *bprm, __u32 container_dev,
					       __u32 tgid)
{
	struct dg_pending_script entry = {
	    .container_dev = container_dev,
	    .opens_left = DG_SCRIPT_OPENS,
	};
	const char *filename = BPF_CORE_READ(bprm, filename);
	bpf_probe_read_kernel_str(entry.path, sizeof(entry.path), filename);
	if (bpf_map_update_elem(&dg_pending_scripts, &tgid, &entry, BPF_ANY) != 0) {
		/* Cannot follow this script: judge it as drift rather than let it run unseen. */
		dg_count(DG_COUNTER_PENDING_FULL);
		struct dg_event *event = dg_new_event(DG_HOOK_SCRIPT, container_dev);
		if (event) {
			bpf_probe_read_kernel_str(event->path, sizeof(event->path), filename);
			dg_judge(event, DG_KIND_UPPER);
		}
	}
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(dg_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 container_dev = dg_container_of(task);
	if (!container_dev)
		return 0;
	dg_count(DG_COUNTER_EXECS);
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_map_delete_elem(&dg_pending_scripts, &tgid);
	dg_writer_execs(tgid);

	struct dg_event *event = dg_new_event(DG_HOOK_EXEC, container_dev);
	if (!event)
		return 0;
	const char *filename = BPF_CORE_READ(bprm, filename);
	bpf_probe_read_kernel_str(event->path, sizeof(event->path), filename);
	struct file *file = BPF_CORE_READ(bprm, file);
	if (file)
		dg_judge(event, dg_classify_file(file, container_dev, event));

	/* binfmt_script (and binfmt_misc) point bprm->interp at the interpreter; otherwise it
	 * is the same pointer as bprm->filename. */
	if (BPF_CORE_READ(bprm, interp) != filename)
		dg_remember_script(bprm, container_dev, tgid);
	return 0;
}

/* ---- open: scripts and /proc/<pid>/mem ----------------------------------------------- */

static __always_inline bool dg_same_path(const char *user_path, const char *script_path)
{
	__u32 zero = 0;
	struct dg_event *scratch = bpf_map_lookup_elem(&dg_scratch, &zero);
	if (!scratch)
		return false;
	long length = bpf_probe_read_user_str(scratch->path, sizeof(scratch->path), user_path);
	if (length <= 0)
		return false;
	for (int i = 0; i < DG_PATH_MAX; i++) {
		if (scratch->path[i] != script_path[i])
			return false;
		if (script_path[i] == 0)
			return true;
	}
	return false;
}

static __always_inline int dg_open_enter(const char *user_path, unsigned long access_mode)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (access_mode != O_RDONLY) {
		/* Only opens that may write can reach /proc/<pid>/mem: flag this thread's call. */
		__u32 tid = (__u32)pid_tgid;
		__u8 yes = 1;
		bpf_map_update_elem(&dg_write_opens, &tid, &yes, BPF_ANY);
	}
	__u32 tgid = pid_tgid >> 32;
	struct dg_pending_script *pending = bpf_map_lookup_elem(&dg_pending_scripts, &tgid);
	if (!pending)
		return 0;
	pending->matched = dg_same_path(user_path, pending->path);
	if (!pending->matched && --pending->opens_left == 0) {
		dg_count(DG_COUNTER_SCRIPTS_UNSEEN);
		bpf_map_delete_elem(&dg_pending_scripts, &tgid);
	}
	return 0;
}

static __always_inline bool dg_is_proc_mem_write(struct file *file)
{
	if (!(BPF_CORE_READ(file, f_mode) & FMODE_WRITE))
		return false;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (BPF_CORE_READ(inode, i_sb, s_magic) != PROC_SUPER_MAGIC)
		return false;
	char name[4] = {};
	const unsigned char *dname = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	bpf_probe_read_kernel_str(name, sizeof(name), dname);
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 0;
}

static __always_inline int dg_open_exit(long fd)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	__u32 tgid = pid_tgid >> 32;
	bool may_write = bpf_map_lookup_elem(&dg_write_opens, &tid) != NULL;
	if (may_write)
		bpf_map_delete_elem(&dg_write_opens, &tid);
	struct dg_pending_script *pending = bpf_map_lookup_elem(&dg_pending_scripts, &tgid);
	if (fd < 0 || (!may_write && !(pending && pending->matched)))
		return 0;
	__u32 container_dev = 0;
	struct file *file = dg_container_fd_file(fd, &container_dev);
	if (!file)
		return 0;
	if (may_write)
		dg_record_writer(file);

	if (pending && pending->matched) {
		struct dg_event *event = dg_new_event(DG_HOOK_SCRIPT, container_dev);
		if (event) {
			__builtin_memcpy(event->path, pending->path, sizeof(event->path));
			bpf_map_delete_elem(&dg_pending_scripts, &tgid);
			dg_judge(event, dg_classify_file(file, container_dev, event));
		}
		return 0;
	}

	if (!dg_is_proc_mem_write(file))
		return 0;
	struct dg_event *event = dg_new_event(DG_HOOK_PROC_MEM, container_dev);
	if (event) {
		dg_classify_file(file, container_dev, event); /* fills the file fields */
		dg_judge(event, DG_KIND_PROC_MEM);
	}
	return 0;
}

/* ---- executable mappings --------------------------------------------------------------- */

static __always_inline int dg_mmap_common(unsigned long prot, int fd)
{
	if (!(prot & PROT_EXEC) || fd < 0)
		return 0;
	__u32 container_dev = 0;
	struct file *file = dg_container_fd_file(fd, &container_dev);
	if (!file)
		return 0; /* a host task, or EBADF: the mmap fails on its own */
	dg_count(DG_COUNTER_MAPS);
	struct dg_event *event = dg_new_event(DG_HOOK_MMAP, container_dev);
	if (!event)
		return 0;
	event->prot = prot;
	dg_judge(event, dg_classify_file(file, container_dev, event));
	return 0;
}

struct dg_vma_lookup {
	struct inode *inode;
	struct dentry *dentry;
};

/* FMODE_BACKING moved from bit 25 to bit 24 in 6.14; struct backing_file exists from 6.6. */
static __always_inline __u32 dg_fmode_backing(void)
{
	return LINUX_KERNEL_VERSION >= KERNEL_VERSION(6, 14, 0) ? (1U << 24) : (1U << 25);
}

static long dg_vma_file(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct dg_vma_lookup *lookup = data;
	struct file *file = BPF_CORE_READ(vma, vm_file);
	if (!file)
		return 0; /* anonymous memory: JITs, not file drift */
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	if (bpf_core_type_exists(struct backing_file) &&
	    (BPF_CORE_READ(file, f_mode) & dg_fmode_backing())) {
		struct backing_file *backing = (void *)file;
		dentry = BPF_CORE_READ(backing, user_path.dentry);
	}
	/* Before backing_file (6.1), overlayfs's real file carries the overlay path in f_path. */
	lookup->dentry = dentry;
	lookup->inode = BPF_CORE_READ(dentry, d_inode);
	return 0;
}

static __always_inline int dg_mprotect_common(unsigned long start, unsigned long prot)
{
	if (!(prot & PROT_EXEC))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 container_dev = dg_container_of(task);
	if (!container_dev)
		return 0;
	struct dg_vma_lookup lookup = {};
	if (bpf_find_vma(task, start, dg_vma_file, &lookup, 0) != 0 || !lookup.inode)
		return 0;
	dg_count(DG_COUNTER_MAPS);
	struct dg_event *event = dg_new_event(DG_HOOK_MPROTECT, container_dev);
	if (!event)
		return 0;
	event->prot = prot;
	dg_judge(event, dg_classify_inode(lookup.inode, lookup.dentry, container_dev, event));
	return 0;
}

/* ---- system call dispatch ---------------------------------------------------------------- */

/* x86_64 numbers of the system calls judged. 32-bit (ia32) system calls are not
 * dispatched, as the per-syscall tracepoints do not report them either. */
#define DG_NR_OPEN	    2
#define DG_NR_MMAP	    9
#define DG_NR_MPROTECT	    10
#define DG_NR_CONNECT	    42
#define DG_NR_OPENAT	    257
#define DG_NR_PKEY_MPROTECT 329
#define DG_NR_OPENAT2	    437
#define DG_TS_COMPAT	    0x0002

static __always_inline bool dg_is_compat_syscall(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	return BPF_CORE_READ(task, thread_info.status) & DG_TS_COMPAT;
}

/* One raw tracepoint for every system call instead of one perf trace event per call:
 * calls the sensor does not judge return after one comparison, and the judged ones skip
 * the trace-event record that per-syscall tracepoints build before running BPF. */
SEC("tp_btf/sys_enter")
int BPF_PROG(dg_sys_enter, struct pt_regs *regs, long id)
{
	switch (id) {
	case DG_NR_OPENAT:
	case DG_NR_OPENAT2:
	case DG_NR_OPEN:
	case DG_NR_MMAP:
	case DG_NR_MPROTECT:
	case DG_NR_PKEY_MPROTECT:
	case DG_NR_CONNECT:
		break;
	default:
		return 0;
	}
	if (dg_is_compat_syscall())
		return 0;
	switch (id) {
	/* pt_regs is a BTF pointer here: plain loads, no probe reads. */
	case DG_NR_OPENAT:
		return dg_open_enter((const char *)regs->si, regs->dx & O_ACCMODE);
	case DG_NR_OPENAT2:
		return dg_open_enter((const char *)regs->si, O_RDWR); /* flags are in user memory */
	case DG_NR_OPEN:
		return dg_open_enter((const char *)regs->di, regs->si & O_ACCMODE);
	case DG_NR_MMAP:
		return dg_mmap_common(regs->dx, (int)regs->r8);
	case DG_NR_CONNECT:
		return dg_record_connect((int)regs->di, (const void *)regs->si);
	default:
		return dg_mprotect_common(regs->di, regs->dx);
	}
}

SEC("tp_btf/sys_exit")
int BPF_PROG(dg_sys_exit, struct pt_regs *regs, long ret)
{
	long id = regs->orig_ax;
	if (id != DG_NR_OPENAT && id != DG_NR_OPENAT2 && id != DG_NR_OPEN)
		return 0;
	if (dg_is_compat_syscall())
		return 0;
	return dg_open_exit(ret);
}

/* ---- bookkeeping ------------------------------------------------------------------------ */

SEC("tp_btf/sched_process_exit")
int BPF_PROG(dg_exit, struct task_struct *task)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if ((__u32)pid_tgid == tgid)
		bpf_map_delete_elem(&dg_pending_scripts, &tgid);
	return 0;
}
