// SPDX-License-Identifier: GPL-2.0
/* Probes for the enforcement backends the kernel offers: each program is only loaded (the
 * verifier and the attach-target checks run), never attached, by src/kernel/backend_probe.cpp.
 *
 * Programs:
 *   lsm/file_open                   dg_probe_lsm   loads where BPF-LSM is built in (it is
 *                                                  active only with "bpf" in the LSM list)
 *   fmod_ret/security_file_open     dg_probe_fmod  loads where BPF trampolines work and
 *                                                  security_file_open may have its return
 *                                                  value modified
 * Both return what the kernel would have returned: loaded, they change nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/file_open")
int BPF_PROG(dg_probe_lsm, struct file *file, int ret)
{
	return ret;
}

SEC("fmod_ret/security_file_open")
int BPF_PROG(dg_probe_fmod, struct file *file, int ret)
{
	return ret;
}
