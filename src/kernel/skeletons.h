#pragma once

// The bpftool-generated skeletons, each with the Ops that SkeletonHandle needs.
// libbpf 1.1's skeleton headers use kernel types: <linux/types.h> must come first.
#include <linux/types.h>

#include "kernel/skeleton.h"
#include "selftest.skel.h"
#include "sensor.skel.h"

namespace driftguard::kernel {

struct SelftestOps {
    static selftest* open() { return selftest__open(); }
    static int load(selftest* skeleton) { return selftest__load(skeleton); }
    static int attach(selftest* skeleton) { return selftest__attach(skeleton); }
    static void destroy(selftest* skeleton) { selftest__destroy(skeleton); }
};
using SelftestProgram = SkeletonHandle<selftest, SelftestOps>;

struct SensorOps {
    static sensor* open() { return sensor__open(); }
    static int load(sensor* skeleton) { return sensor__load(skeleton); }
    static int attach(sensor* skeleton) { return sensor__attach(skeleton); }
    static void destroy(sensor* skeleton) { sensor__destroy(skeleton); }
};
using SensorProgram = SkeletonHandle<sensor, SensorOps>;

}  // namespace driftguard::kernel
