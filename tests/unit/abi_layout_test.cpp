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
    EXPECT_EQ(DG_ABI_VERSION, 2);
}
