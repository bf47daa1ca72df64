/* Where a drifted file came from: who wrote it (dg_writers) and what the writer and its
 * parents connected to (dg_connections), and who the drifting process descends from.
 *
 * Recorded in the kernel as it happens, because by the time the file runs the downloader
 * has usually exited and its /proc entry is gone. Only processes in containers are
 * recorded, and only opens for writing of regular files and connect() calls.
 */
#ifndef DRIFTGUARD_PROVENANCE_BPF_H
#define DRIFTGUARD_PROVENANCE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "driftguard/abi.h"
#include "kernel_defs.bpf.h"
#include "task_readers.bpf.h"
#include "maps.bpf.h"
#include "scope.bpf.h"
#include "classify.bpf.h"

/* The value under `key` in `map`, inserting `zero` first when there is none. */
static __always_inline void *dg_lookup_or_insert(void *map, const void *key, const void *zero)
{
	void *value = bpf_map_lookup_elem(map, key);
	if (value)
		return value;
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/* Copies up to `max` - 1 bytes of the current process's argv (NUL-separated). */
static __always_inline __u32 dg_read_args(char *buffer, __u32 max)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mm_struct *mm = task->mm;
	if (!mm)
		return 0;
	unsigned long start = BPF_CORE_READ(mm, arg_start);
	unsigned long end = BPF_CORE_READ(mm, arg_end);
	if (end <= start)
		return 0;
	__u32 length = end - start;
	if (length >= max)
		length = max - 1;
	/* `max` is a power of two: the mask keeps the bound visible to the verifier, which
	 * the compiler's reordering of the comparison above can hide. */
	asm volatile("" : "+r"(length));
	length &= max - 1;
	if (bpf_probe_read_user(buffer, length, (void *)start) != 0)
		return 0;
	return length;
}

/* Fills `actor` with the current process: who opened a file for writing, and when. */
static __always_inline void dg_fill_actor(struct dg_actor *actor)
{
	struct task_struct *task = bpf_get_current_task_btf();
	actor->ktime_ns = bpf_ktime_get_ns();
	actor->tgid = bpf_get_current_pid_tgid() >> 32;
	actor->uid = (__u32)bpf_get_current_uid_gid();
	actor->ppid = BPF_CORE_READ(task, real_parent, tgid);
	bpf_get_current_comm(actor->comm, sizeof(actor->comm));
	actor->args_len = dg_read_args(actor->args, DG_ACTOR_ARGS);
	struct task_struct *parent = task;
	actor->ancestor_count = 0;
	for (int i = 0; i < DG_ACTOR_ANCESTORS; i++) {
		parent = BPF_CORE_READ(parent, real_parent);
		__u32 tgid = parent ? BPF_CORE_READ(parent, tgid) : 0;
		if (tgid <= 1)
			break;
		actor->ancestors[i] = tgid;
		actor->ancestor_count = i + 1;
	}
}

/* An open for writing succeeded in a container: remember who wrote this regular file. */
static __always_inline void dg_record_writer(struct inode *inode)
{
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFREG)
		return;
	struct dg_inode_key key = {
	    .ino = BPF_CORE_READ(inode, i_ino),
	    .dev = BPF_CORE_READ(inode, i_sb, s_dev),
	};
	__u32 zero = 0;
	struct dg_provenance_scratch *empty = bpf_map_lookup_elem(&dg_provenance_zero, &zero);
	if (!empty)
		return;
	struct dg_file_writers *writers = dg_lookup_or_insert(&dg_writers, &key, &empty->writers);
	if (!writers)
		return;
	dg_fill_actor(&writers->last);
	if (writers->first.ktime_ns == 0)
		__builtin_memcpy(&writers->first, &writers->last, sizeof(writers->first));
	__u32 tgid = writers->last.tgid;
	bpf_map_update_elem(&dg_last_write_open, &tgid, &key, BPF_ANY);
}

/* The current process just exec'd: if it had opened a file for writing (a shell's
 * redirection before it execs the tool), that file's writer is now this program. */
static __always_inline void dg_writer_execs(__u32 tgid)
{
	struct dg_inode_key *key = bpf_map_lookup_elem(&dg_last_write_open, &tgid);
	if (!key)
		return;
	struct dg_file_writers *writers = bpf_map_lookup_elem(&dg_writers, key);
	if (writers && writers->last.tgid == tgid) {
		bpf_get_current_comm(writers->last.comm, sizeof(writers->last.comm));
		writers->last.args_len = dg_read_args(writers->last.args, DG_ACTOR_ARGS);
		if (writers->first.tgid == tgid &&
		    writers->first.ktime_ns == writers->last.ktime_ns)
			__builtin_memcpy(&writers->first, &writers->last, sizeof(writers->first));
	}
	bpf_map_delete_elem(&dg_last_write_open, &tgid);
}

static __always_inline long dg_read_memory(void *dst, __u32 size, const void *src, bool user)
{
	return user ? bpf_probe_read_user(dst, size, src) : bpf_probe_read_kernel(dst, size, src);
}

/* A connect to `addr` (a struct sockaddr in user or kernel memory) by a process in a
 * container: remember the remote address (IPv4 and IPv6 only). Returns the entry, whose
 * socket type the caller fills in, or NULL. */
static __always_inline struct dg_connection *dg_remember_connection(const void *addr, bool user)
{
	if (!addr)
		return NULL;
	__u16 family = 0;
	if (dg_read_memory(&family, sizeof(family), addr, user) != 0 ||
	    (family != AF_INET && family != AF_INET6))
		return NULL;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 zero = 0;
	struct dg_provenance_scratch *empty = bpf_map_lookup_elem(&dg_provenance_zero, &zero);
	if (!empty)
		return NULL;
	struct dg_connections *connections =
	    dg_lookup_or_insert(&dg_connections, &tgid, &empty->connections);
	if (!connections)
		return NULL;
	__u32 slot = connections->next % DG_CONNECTIONS;
	connections->next = slot + 1;
	struct dg_connection *entry = &connections->recent[slot];
	entry->ktime_ns = bpf_ktime_get_ns();
	entry->family = family;
	__u16 port_be = 0;
	dg_read_memory(&port_be, sizeof(port_be), addr + 2, user);
	entry->port = __builtin_bswap16(port_be);
	__builtin_memset(entry->addr, 0, sizeof(entry->addr));
	if (family == AF_INET)
		dg_read_memory(entry->addr, 4, addr + 4, user);
	else
		dg_read_memory(entry->addr, 16, addr + 8, user);
	entry->type = 0;
	return entry;
}

/* connect(fd, uaddr) system call by a process in a container (the kill backend). */
static __always_inline int dg_record_connect(int fd, const void *uaddr)
{
	struct dg_connection *entry = dg_remember_connection(uaddr, true);
	if (!entry)
		return 0;
	struct file *file = dg_task_fd_file(bpf_get_current_task_btf(), fd);
	if (file) {
		struct socket *sock = BPF_CORE_READ(file, private_data);
		if (sock)
			entry->type = BPF_CORE_READ(sock, type);
	}
	return 0;
}

/* Fills the drifting process's argv and its parents up to the container's first process. */
static __always_inline void dg_fill_lineage(struct dg_event *event)
{
	event->args_len = dg_read_args(event->args, DG_ARGS_MAX);
	struct task_struct *parent = bpf_get_current_task_btf();
	event->ancestor_count = 0;
	for (int i = 0; i < DG_ANCESTORS; i++) {
		parent = parent->real_parent;
		if (!parent || dg_recorded_scope(parent) != event->container_dev)
			break;
		event->ancestors[i].tgid = BPF_CORE_READ(parent, tgid);
		event->ancestors[i].pad = 0;
		BPF_CORE_READ_STR_INTO(&event->ancestors[i].comm, parent, comm);
		event->ancestor_count = i + 1;
	}
}

#endif /* DRIFTGUARD_PROVENANCE_BPF_H */
