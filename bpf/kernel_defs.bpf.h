/* The kernel's constants the programs use, UAPI and internal, named as the kernel names
 * them (vmlinux.h carries types, not #defines). Each value holds from 6.1 to 6.18; where
 * the kernel could change one, the comment says which version it was checked against. */
#ifndef DRIFTGUARD_KERNEL_DEFS_BPF_H
#define DRIFTGUARD_KERNEL_DEFS_BPF_H

/* Filesystem magic numbers (super_block.s_magic) */
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define TMPFS_MAGIC	      0x01021994
#define PROC_SUPER_MAGIC      0x9fa0

/* Inode modes */
#define S_IFMT	    00170000
#define S_IFREG	    0100000
#define S_IFCHR	    0020000
#define DG_DEV_ZERO ((1U << 20) | 5) /* /dev/zero, 1:5 in the kernel's dev_t encoding */

/* Mappings: mmap/mprotect arguments and vm_flags */
#define PROT_READ	  0x1
#define PROT_WRITE	  0x2
#define PROT_EXEC	  0x4
#define READ_IMPLIES_EXEC 0x0400000 /* a personality(2) flag */
#define MAP_SHARED	  0x01
#define MAP_ANONYMOUS	  0x20
#define VM_SHARED	  0x8

/* Opens */
#define O_RDONLY    0x0
#define O_RDWR	    0x2
#define O_ACCMODE   0x3
#define FMODE_WRITE 0x2

/* ptrace requests that write another process's memory */
#define PTRACE_POKETEXT 4
#define PTRACE_POKEDATA 5
#define PTRACE_POKEUSR	6

/* Socket address families */
#define AF_INET	 2
#define AF_INET6 10

/* x86 thread_info.status: the task is in a 32-bit (ia32) system call */
#define DG_TS_COMPAT 0x0002

/* overlayfs: enum ovl_inode_flag OVL_UPPERDATA (the upper inode holds the data) */
#define OVL_UPPERDATA_BIT 3

/* io_uring: REQ_F_CQE_SKIP_BIT and the open opcodes (enum io_uring_op) */
#define DG_REQ_F_CQE_SKIP    (1ULL << 6)
#define DG_IORING_OP_OPENAT  18
#define DG_IORING_OP_OPENAT2 28

#endif /* DRIFTGUARD_KERNEL_DEFS_BPF_H */
