/* FNV-1a 64, the hash of paths and names the sensor compares with the agent's
 * (src/kernel/path_hash.h computes the same). */
#ifndef DRIFTGUARD_HASH_BPF_H
#define DRIFTGUARD_HASH_BPF_H

#define DG_FNV_OFFSET 0xcbf29ce484222325ULL
#define DG_FNV_PRIME  0x100000001b3ULL

#endif /* DRIFTGUARD_HASH_BPF_H */
