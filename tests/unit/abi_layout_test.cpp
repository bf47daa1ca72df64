// Pins the layout of every struct in include/driftguard/abi.h: the BPF programs and the
// agent must agree byte for byte.
#include <gtest/gtest.h>

#include <cstddef>

#include "driftguard/abi.h"

TEST(AbiLayout, SelftestEvent) {
    static_assert(sizeof(dg_selftest_event) == 32);
    static_assert(offsetof(dg_selftest_event, pid) == 0);
    static_assert(offsetof(dg_selftest_event, abi) == 4);
    static_assert(offsetof(dg_selftest_event, ktime_ns) == 8);
    static_assert(offsetof(dg_selftest_event, comm) == 16);
}

TEST(AbiLayout, DriftEvent) {
    static_assert(offsetof(dg_event, abi) == 0);
    static_assert(offsetof(dg_event, hook) == 4);
    static_assert(offsetof(dg_event, kind) == 6);
    static_assert(offsetof(dg_event, verdict) == 8);
    static_assert(offsetof(dg_event, mode) == 9);
    static_assert(offsetof(dg_event, pid) == 12);
    static_assert(offsetof(dg_event, container_dev) == 32);
    static_assert(offsetof(dg_event, ktime_ns) == 48);
    static_assert(offsetof(dg_event, file_ino) == 56);
    static_assert(offsetof(dg_event, file_size) == 80);
    static_assert(offsetof(dg_event, upper_ino) == 88);
    static_assert(offsetof(dg_event, comm) == 104);
    static_assert(offsetof(dg_event, name) == 120);
    static_assert(offsetof(dg_event, path) == 120 + DG_NAME_MAX);
    static_assert(offsetof(dg_event, args_len) == 120 + DG_NAME_MAX + DG_PATH_MAX);
    static_assert(offsetof(dg_event, args) == 128 + DG_NAME_MAX + DG_PATH_MAX);
    static_assert(offsetof(dg_event, ancestors) == 128 + DG_NAME_MAX + DG_PATH_MAX + DG_ARGS_MAX);
    static_assert(sizeof(dg_ancestor) == 24);
    static_assert(offsetof(dg_event, container_identity) ==
                  128 + DG_NAME_MAX + DG_PATH_MAX + DG_ARGS_MAX + 24 * DG_ANCESTORS);
    static_assert(sizeof(dg_event) ==
                  136 + DG_NAME_MAX + DG_PATH_MAX + DG_ARGS_MAX + 24 * DG_ANCESTORS);
    EXPECT_EQ(DG_ABI_VERSION, 6);
}

TEST(AbiLayout, ProvenanceMapValues) {
    static_assert(offsetof(dg_actor, ancestors) == 24);
    static_assert(offsetof(dg_actor, comm) == 48);
    static_assert(sizeof(dg_actor) == 64 + DG_ACTOR_ARGS);
    static_assert(sizeof(dg_file_writers) == 2 * sizeof(dg_actor));
    static_assert(sizeof(dg_connection) == 32);
    static_assert(sizeof(dg_connections) == 8 + 32 * DG_CONNECTIONS);
}

TEST(AbiLayout, AllowedInodeMapEntries) {
    static_assert(sizeof(dg_inode_key) == 16);
    static_assert(offsetof(dg_inode_key, dev) == 8);
    static_assert(sizeof(dg_allowed) == 16);
    static_assert(offsetof(dg_allowed, ctime_nsec) == 8);
    SUCCEED();
}

TEST(AbiLayout, PerTaskAndPerContainerState) {
    static_assert(sizeof(dg_container_policy) == 16);
    static_assert(offsetof(dg_container_policy, flags) == 4);
    static_assert(offsetof(dg_container_policy, identity) == 8);
    static_assert(sizeof(dg_task_scope) == 16);
    static_assert(offsetof(dg_task_scope, identity) == 8);
    static_assert(offsetof(dg_pending_scripts, name_hash) == 8 * DG_SCRIPT_NAMES);
    static_assert(offsetof(dg_pending_scripts, next) == 16 * DG_SCRIPT_NAMES);
    static_assert(offsetof(dg_pending_scripts, open_path) == 16 * DG_SCRIPT_NAMES + 8);
    static_assert(sizeof(dg_pending_scripts) == 16 * DG_SCRIPT_NAMES + 8 + DG_PATH_MAX);
    SUCCEED();
}
