// SPDX-License-Identifier: GPL-2.0
/* driftguard kernel sensor: judges, in the kernel, every exec and every executable file
 * mapping of every process whose root is a container's overlay (scope.bpf.h), and kills
 * drift before it runs in containers under enforce (verdict.bpf.h).
 *
 * Hooks (all tracepoint-style: they load where BPF-LSM and fentry do not):
 *   tp_btf/sched_process_exec            dg_exec        the new program image (bprm->file); for a
 *                                                       "#!" script that is already the
 * interpreter, so the script is remembered for dg_open_* tracepoint/syscalls/sys_enter_open*
 * dg_open*_enter an interpreter opening its script by the exec'd path: remember that this open
 * matters tracepoint/syscalls/sys_exit_open*   dg_open*_exit  judge the opened script before the
 *                                                       interpreter reads it; catch write-opens of
 *                                                       /proc/<pid>/mem (DDexec-style injection)
 *   tracepoint/syscalls/sys_enter_mmap   dg_mmap        PROT_EXEC mapping of a file: ld.so /tmp/x,
 *                                                       LD_PRELOAD, dlopen
 *   tracepoint/syscalls/sys_enter_(pkey_)mprotect  dg_mprotect  PROT_EXEC added to a file mapping
 *   tracepoint/sched/sched_process_exit  dg_exit        forget a pending script
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

char LICENSE[] SEC("license") = "GPL";

#define PROT_EXEC	 0x4
#define FMODE_WRITE	 0x2
#define PROC_SUPER_MAGIC 0x9fa0

extern int LINUX_KERNEL_VERSION __kconfig;

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

static __always_inline int dg_open_enter(const char *user_path)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
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
	if (fd < 0)
		return 0;
	struct task_struct *task = (void *)bpf_get_current_task();
	__u32 container_dev = dg_container_of(task);
	if (!container_dev)
		return 0;
	struct file *file = dg_fd_file(task, fd);
	if (!file)
		return 0;

	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct dg_pending_script *pending = bpf_map_lookup_elem(&dg_pending_scripts, &tgid);
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

SEC("tracepoint/syscalls/sys_enter_openat")
int dg_openat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return dg_open_enter((const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int dg_openat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return dg_open_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int dg_openat2_enter(struct trace_event_raw_sys_enter *ctx)
{
	return dg_open_enter((const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int dg_openat2_exit(struct trace_event_raw_sys_exit *ctx)
{
	return dg_open_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_open")
int dg_open_enter_(struct trace_event_raw_sys_enter *ctx)
{
	return dg_open_enter((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_exit_open")
int dg_open_exit_(struct trace_event_raw_sys_exit *ctx)
{
	return dg_open_exit(ctx->ret);
}

/* ---- executable mappings --------------------------------------------------------------- */

SEC("tracepoint/syscalls/sys_enter_mmap")
int dg_mmap(struct trace_event_raw_sys_enter *ctx)
{
	unsigned long prot = ctx->args[2];
	int fd = (int)ctx->args[4];
	if (!(prot & PROT_EXEC) || fd < 0)
		return 0;
	struct task_struct *task = (void *)bpf_get_current_task();
	__u32 container_dev = dg_container_of(task);
	if (!container_dev)
		return 0;
	struct file *file = dg_fd_file(task, fd);
	if (!file)
		return 0; /* EBADF: the mmap fails on its own */
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

SEC("tracepoint/syscalls/sys_enter_mprotect")
int dg_mprotect(struct trace_event_raw_sys_enter *ctx)
{
	return dg_mprotect_common(ctx->args[0], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_pkey_mprotect")
int dg_pkey_mprotect(struct trace_event_raw_sys_enter *ctx)
{
	return dg_mprotect_common(ctx->args[0], ctx->args[2]);
}

/* ---- bookkeeping ------------------------------------------------------------------------ */

SEC("tracepoint/sched/sched_process_exit")
int dg_exit(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if ((__u32)pid_tgid == tgid)
		bpf_map_delete_elem(&dg_pending_scripts, &tgid);
	return 0;
}
