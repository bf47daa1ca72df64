// The layout of every struct in include/driftguard/abi.h is asserted in the header itself,
// so the BPF programs' compile and this one both check it; this test pins the version that
// layout belongs to (bump both together: docs/agent.md, "an upgrade with another ABI").
#include <gtest/gtest.h>

#include "driftguard/abi.h"

TEST(AbiLayout, VersionOfTheAssertedLayout) {
    EXPECT_EQ(DG_ABI_VERSION, 6);
}
